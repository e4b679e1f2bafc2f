#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace ViralSpot::Ui {

// The in-window banner of a notification when the desktop has neither a notification service
// nor a tray: the latest notification's text, Open (what it is about) and Dismiss.
class NotificationBanner final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NotificationBanner)

public:
    explicit NotificationBanner(QWidget *parent = nullptr);

    void showNotification(const QString &key, const QString &title, const QString &body);
    QString key() const { return m_key; }
    QString text() const;

Q_SIGNALS:
    void openRequested(const QString &key);

private:
    QString m_key;
    QLabel *m_label;
};

} // namespace ViralSpot::Ui
