#include "ui/notifications/notificationbanner.h"

#include "ui/palette/statuspalette.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace ViralSpot::Ui {

NotificationBanner::NotificationBanner(QWidget *parent)
    : QFrame(parent)
    , m_label(new QLabel(this))
{
    setObjectName(QStringLiteral("notificationBanner"));
    setAutoFillBackground(true);
    QPalette pal = palette();
    // The colour of "already processed" (blue): news, not a problem.
    pal.setColor(QPalette::Window, StatusPalette::queueStatus(u"COMPLETED"));
    pal.setColor(QPalette::WindowText, Qt::white);
    setPalette(pal);
    m_label->setObjectName(QStringLiteral("notificationBannerLabel"));
    m_label->setWordWrap(true);
    m_label->setTextFormat(Qt::PlainText);
    auto *open = new QPushButton(tr("&Open"), this);
    open->setObjectName(QStringLiteral("notificationOpenButton"));
    auto *dismiss = new QPushButton(tr("&Dismiss"), this);
    dismiss->setObjectName(QStringLiteral("notificationDismissButton"));
    connect(open, &QPushButton::clicked, this, [this] {
        hide();
        Q_EMIT openRequested(m_key);
    });
    connect(dismiss, &QPushButton::clicked, this, &QWidget::hide);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 10, 6);
    layout->addWidget(m_label, 1);
    layout->addWidget(open);
    layout->addWidget(dismiss);
    hide();
}

void NotificationBanner::showNotification(
    const QString &key, const QString &title, const QString &body)
{
    m_key = key;
    m_label->setText(title + QStringLiteral(" — ") + body);
    show();
}

QString NotificationBanner::text() const
{
    return m_label->text();
}

} // namespace ViralSpot::Ui
