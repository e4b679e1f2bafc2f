#pragma once

#include "core/databaseclient.h"
#include "core/databaseconfig.h"
#include "core/outcome.h"
#include "core/queuequery.h"

#include <QWidget>

#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;
class QStandardItemModel;
class QTableView;
class QTimer;

namespace ViralSpot::Ui {

// Type a username in any accepted form: is it processed (primary_profiles), and its whole
// queue history; request it from here (not in read-only mode).
class ProfileLookupWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProfileLookupWidget)

public:
    // With a database thread of its own (createQueueDatabaseThread()).
    explicit ProfileLookupWidget(
        const DatabaseConfig &config, bool readOnly, QWidget *parent = nullptr);
    // On a database thread shared with other views.
    explicit ProfileLookupWidget(
        std::shared_ptr<DatabaseThread> database, bool readOnly, QWidget *parent = nullptr);
    ~ProfileLookupWidget() override;

    // Looks the input up (normalizing it first); false when it is not a valid username.
    bool lookUp(const QString &input);
    // Requests processing of the username shown; false when not started.
    bool requestShown();

    QString shownUsername() const { return m_username; }
    bool isProcessed() const { return m_processed; }
    const QList<QueueRow> &history() const { return m_history; }
    QStandardItemModel *historyModel() const { return m_historyModel; }
    QString statusText() const;

Q_SIGNALS:
    void lookedUp(const QString &username);
    void requestFinished(const ViralSpot::RequestResult &result);

private:
    void showHistory();

    DatabaseConfig m_config;
    bool m_readOnly = false;
    DatabaseClient *m_worker = nullptr;
    QLineEdit *m_input = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_request = nullptr;
    QTableView *m_view = nullptr;
    QStandardItemModel *m_historyModel = nullptr;
    QTimer *m_typingTimer = nullptr;
    QString m_username;
    QString m_notice; // the last request's answer, shown with the next history
    bool m_processed = false;
    QList<QueueRow> m_history;
    quint64 m_lookupGeneration = 0;
};

} // namespace ViralSpot::Ui
