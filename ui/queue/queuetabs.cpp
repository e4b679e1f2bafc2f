#include "queuetabs.h"

#include "auditlogwidget.h"
#include "overviewwidget.h"
#include "profilelookupwidget.h"
#include "queuebrowserwidget.h"

#include <QCoreApplication>

namespace ViralSpot::Ui {

namespace {

struct QueueTabs
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::Ui::QueueTabs)
};

} // namespace

QList<QPair<QString, QWidget *>> createQueueTabs(
    const DatabaseConfig &config, bool readOnly, QWidget *parent)
{
    auto *browser = new QueueBrowserWidget(config, readOnly, parent);
    auto *lookup = new ProfileLookupWidget(config, readOnly, parent);
    auto *overview = new OverviewWidget(config, readOnly, parent);
    auto *audit = new AuditLogWidget(config, readOnly, parent);
    // An action in the queue tab shows up in the overview and the audit log right away.
    QObject::connect(browser, &QueueBrowserWidget::actionFinished, audit, &AuditLogWidget::refresh);
    QObject::connect(
        browser, &QueueBrowserWidget::actionFinished, overview, &OverviewWidget::refresh);
    QObject::connect(
        lookup, &ProfileLookupWidget::requestFinished, audit, &AuditLogWidget::refresh);
    // The overview refreshes on the queue tab's auto-refresh setting: one interval, one pause.
    overview->setAutoRefreshInterval(
        browser->isAutoRefreshPaused() ? 0 : browser->autoRefreshInterval());
    QObject::connect(browser, &QueueBrowserWidget::autoRefreshChanged, overview,
        &OverviewWidget::setAutoRefreshInterval);
    return { { QueueTabs::tr("Queue"), browser }, { QueueTabs::tr("Profile"), lookup },
        { QueueTabs::tr("Overview"), overview }, { QueueTabs::tr("Audit"), audit } };
}

} // namespace ViralSpot::Ui
