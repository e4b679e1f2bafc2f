#include "ui/queue/queuetabs.h"

#include "core/database.h"
#include "ui/queue/auditlogwidget.h"
#include "ui/queue/overviewwidget.h"
#include "ui/queue/profilelookupwidget.h"
#include "ui/queue/queuebrowserwidget.h"

#include <QCoreApplication>
#include <QSqlQuery>

namespace ViralSpot::Ui {

namespace {

struct QueueTabs
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::Ui::QueueTabs)
};

} // namespace

std::shared_ptr<DatabaseThread> createQueueDatabaseThread(const DatabaseConfig &config)
{
    auto thread = std::make_shared<DatabaseThread>(config, QStringLiteral("viralspot-queue"));
    thread->setOpenHook([](QSqlDatabase &db) {
        if (!Database::isPostgres(db)) {
            QSqlQuery q(db);
            q.exec(QStringLiteral("PRAGMA cache_size=-8192"));
        }
    });
    return thread;
}

QList<QPair<QString, QWidget *>> createQueueTabs(
    const DatabaseConfig &config, bool readOnly, QWidget *parent)
{
    // One thread and connection for all four: they read the same database, one at a time is
    // quick enough, and a window then holds a fixed number of connections.
    return createQueueTabs(createQueueDatabaseThread(config), readOnly, parent);
}

QList<QPair<QString, QWidget *>> createQueueTabs(
    std::shared_ptr<DatabaseThread> database, bool readOnly, QWidget *parent)
{
    auto *browser = new QueueBrowserWidget(database, readOnly, parent);
    auto *lookup = new ProfileLookupWidget(database, readOnly, parent);
    auto *overview = new OverviewWidget(database, readOnly, parent);
    auto *audit = new AuditLogWidget(database, readOnly, parent);
    // An action in the queue tab shows up in the overview and the audit log right away.
    QObject::connect(browser, &QueueBrowserWidget::actionFinished, audit, &AuditLogWidget::refresh);
    QObject::connect(
        browser, &QueueBrowserWidget::actionFinished, overview, &OverviewWidget::refresh);
    QObject::connect(
        lookup, &ProfileLookupWidget::requestFinished, audit, &AuditLogWidget::refresh);
    // One watcher for the queue views (the Queue tab's: its interval, its pause); the
    // overview's status line names the interval.
    overview->setChangeWatcher(browser->changeWatcher());
    audit->setChangeWatcher(browser->changeWatcher());
    overview->setAutoRefreshInterval(
        browser->isAutoRefreshPaused() ? 0 : browser->autoRefreshInterval());
    QObject::connect(browser, &QueueBrowserWidget::autoRefreshChanged, overview,
        &OverviewWidget::setAutoRefreshInterval);
    return { { QueueTabs::tr("Queue"), browser }, { QueueTabs::tr("Profile"), lookup },
        { QueueTabs::tr("Overview"), overview }, { QueueTabs::tr("Audit"), audit } };
}

} // namespace ViralSpot::Ui
