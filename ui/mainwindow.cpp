#include "ui/mainwindow.h"

#include "core/username.h"
#include "core/version.h"
#include "ui/batches/batchestab.h"
#include "ui/batches/batchfinishwatcher.h"
#include "ui/batches/batchformat.h"
#include "ui/bulk/bulkpage.h"
#include "ui/bulk/bulksession.h"
#include "ui/bulkresultmodel.h"
#include "ui/connectionstatus.h"
#include "ui/databasesession.h"
#include "ui/databasesettingsdialog.h"
#include "ui/messagebox.h"
#include "ui/notifications/desktopnotifier.h"
#include "ui/notifications/notificationbanner.h"
#include "ui/queue/queuetabs.h"
#include "ui/request/singlerequestpage.h"
#include "ui/secretstore.h"

#ifdef VIRALSPOT_HAS_HTTP
#include "ui/endpointpanel.h"
#endif
#include "core/changes/changewatcher.h"
#include "ui/queue/queuebrowserwidget.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFrame>
#include <QKeySequence>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace ViralSpot::Ui {

MainWindow::MainWindow(const MainWindowOptions &options, QWidget *parent)
    : QMainWindow(parent)
    , m_options(options)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral(VIRALSPOT_DISPLAY_NAME));

    m_secrets = new SecretStore(this);
    m_session = new DatabaseSession(&m_settings, m_secrets, this);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(8, 8, 8, 4);
    m_status = new ConnectionStatus(m_session, statusBar(), m_options.readOnly, central);
    layout->addWidget(m_status->banner());
    m_notificationBanner = new NotificationBanner(central);
    layout->addWidget(m_notificationBanner);
    m_notifier = new DesktopNotifier(this);
    connect(m_notifier, &DesktopNotifier::bannerRequested, m_notificationBanner,
        &NotificationBanner::showNotification);
    connect(m_notifier, &DesktopNotifier::activated, this, &MainWindow::openBatch);
    connect(m_notificationBanner, &NotificationBanner::openRequested, this, &MainWindow::openBatch);

    m_tabs = new QTabWidget(central);
    m_tabs->setObjectName(QStringLiteral("tabs"));
    m_singlePage = new SingleRequestPage(m_session, m_settings, m_options.readOnly, m_tabs);
    m_tabs->addTab(m_singlePage, tr("&Single request"));
    m_bulkPage = new BulkPage(m_session, m_settings, m_options.readOnly, m_tabs);
    m_tabs->addTab(m_bulkPage, tr("&Bulk"));
#ifdef VIRALSPOT_HAS_HTTP
    m_endpointPanel = new EndpointPanel(&m_settings, m_secrets, m_tabs);
    m_endpointPanel->setObjectName(QStringLiteral("endpointTab"));
    m_tabs->addTab(m_endpointPanel, tr("&Endpoint"));
#endif
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    connect(m_singlePage, &SingleRequestPage::sourceUsed, this, &MainWindow::rememberSource);
    connect(m_bulkPage->session(), &BulkSession::submitted, this, &MainWindow::rememberSource);
    connect(m_bulkPage, &BulkPage::followBatchRequested, this, &MainWindow::openBatch);
    connect(m_bulkPage->session(), &BulkSession::batchRecorded, this, [this] {
        if (m_batchesTab)
            m_batchesTab->refresh();
    });
    connect(m_bulkPage, &BulkPage::activationRequested, this,
        [this] { m_tabs->setCurrentWidget(m_bulkPage); });
    connect(m_session, &DatabaseSession::configApplied, this, [this](const DatabaseConfig &config) {
        rebuildQueueTabs(config);
#ifdef VIRALSPOT_HAS_HTTP
        m_endpointPanel->setDatabaseConfig(config);
#endif
    });
    // Once the request thread has the schema up to date (a new database gets its tables
    // then), the Batches tab reads again and looks for batches that finished meanwhile.
    connect(m_session, &DatabaseSession::connectionChanged, this, [this](bool connected) {
        if (connected && m_batchesTab)
            m_batchesTab->refresh();
    });
    connect(m_session, &DatabaseSession::reconnected, this, [this] {
        const int failed = m_bulkPage->session()->errorCount();
        m_status->showMessage(failed > 0 ? tr("The database is back. Rows that failed: %1 — use "
                                              "“Retry errors” to send them again.")
                                               .arg(failed)
                                         : tr("The database is back. You can carry on."));
    });

    buildActions();
    restoreSettings();

    DatabaseConfig config = m_settings.databaseConfig();
    if (!m_options.databaseUrl.isEmpty()) {
        const ValueResult<DatabaseConfig> fromUrl = DatabaseConfig::fromUrl(m_options.databaseUrl);
        if (fromUrl.ok && fromUrl.value.isValid())
            config = fromUrl.value;
        else
            m_status->showMessage(tr("Cannot use --database: %1").arg(fromUrl.error));
    }
    m_session->open(config);
}

MainWindow::~MainWindow()
{
    saveSettings();
    m_session->stop(); // before the pages go: a running batch stops after its chunk
}

void MainWindow::buildActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *import = file->addAction(tr("&Import…"));
    import->setObjectName(QStringLiteral("importAction"));
    import->setShortcut(QKeySequence::Open);
    connect(import, &QAction::triggered, this, [this] {
        m_tabs->setCurrentIndex(BulkTab);
        m_bulkPage->importWithDialog();
    });
    QAction *exportAction = file->addAction(tr("&Export results…"));
    exportAction->setObjectName(QStringLiteral("exportAction"));
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(exportAction, &QAction::triggered, m_bulkPage, &BulkPage::exportWithDialog);
    file->addSeparator();
    QAction *database = file->addAction(tr("&Database…"));
    database->setObjectName(QStringLiteral("databaseAction"));
    database->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    connect(database, &QAction::triggered, this, &MainWindow::openDatabaseSettings);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *requests = menuBar()->addMenu(tr("&Requests"));
    QAction *single = requests->addAction(tr("&Single request"));
    single->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    connect(single, &QAction::triggered, this, [this] {
        m_tabs->setCurrentIndex(SingleTab);
        m_singlePage->focusInput();
    });
    QAction *bulk = requests->addAction(tr("&Bulk"));
    bulk->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    connect(bulk, &QAction::triggered, this, [this] {
        m_tabs->setCurrentIndex(BulkTab);
        m_bulkPage->focusInput();
    });
#ifdef VIRALSPOT_HAS_HTTP
    QAction *endpoint = requests->addAction(tr("&Endpoint"));
    endpoint->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_3));
    connect(endpoint, &QAction::triggered, this, [this] { m_tabs->setCurrentIndex(EndpointTab); });
#endif
    requests->addSeparator();
    m_submitAction = requests->addAction(tr("Su&bmit all"));
    m_submitAction->setObjectName(QStringLiteral("submitAction"));
    m_submitAction->setShortcuts(
        { QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter) });
    m_submitAction->setEnabled(m_bulkPage->canSubmit());
    connect(m_bulkPage, &BulkPage::canSubmitChanged, m_submitAction, &QAction::setEnabled);
    connect(m_submitAction, &QAction::triggered, this, [this] {
        m_tabs->setCurrentIndex(BulkTab);
        m_bulkPage->submit();
    });
    QAction *cancel = requests->addAction(tr("&Cancel batch"));
    cancel->setObjectName(QStringLiteral("cancelAction"));
    cancel->setShortcut(QKeySequence(Qt::Key_Escape));
    connect(cancel, &QAction::triggered, m_bulkPage, &BulkPage::cancel);
    QAction *copyInvalid = requests->addAction(tr("Copy in&valid"));
    copyInvalid->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    connect(copyInvalid, &QAction::triggered, m_bulkPage, &BulkPage::copyInvalid);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About %1").arg(QStringLiteral(VIRALSPOT_DISPLAY_NAME)));
    about->setObjectName(QStringLiteral("aboutAction"));
    connect(about, &QAction::triggered, this, &MainWindow::showAbout);
    QAction *aboutQt = help->addAction(tr("About &Qt"));
    connect(aboutQt, &QAction::triggered, qApp, &QApplication::aboutQt);
}

void MainWindow::restoreSettings()
{
    const QByteArray geometry = m_settings.windowGeometry();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1080, 680);
    restoreState(m_settings.windowState());
    const QByteArray splitter = m_settings.splitterState();
    if (!splitter.isEmpty())
        m_bulkPage->restoreSplitterState(splitter);
    const int tab = m_settings.lastTab();
    if (tab >= 0 && tab < m_tabs->count())
        m_tabs->setCurrentIndex(tab);
    else
        m_restoreTab = tab; // a queue browser tab: created with the database configuration
}

void MainWindow::saveSettings()
{
    m_settings.setWindowGeometry(saveGeometry());
    m_settings.setWindowState(saveState());
    m_settings.setSplitterState(m_bulkPage->splitterState());
    m_settings.setLastTab(m_tabs->currentIndex());
    m_settings.sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::changeEvent(QEvent *event)
{
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::WindowStateChange)
        updateWatcherPause();
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    updateWatcherPause();
}

void MainWindow::hideEvent(QHideEvent *event)
{
    QMainWindow::hideEvent(event);
    updateWatcherPause();
}

void MainWindow::updateWatcherPause()
{
    if (m_watcher)
        m_watcher->setPaused(!isVisible() || isMinimized(), ChangeWatcher::WindowHidden);
}

void MainWindow::rebuildQueueTabs(const DatabaseConfig &config)
{
    const int current = m_tabs->currentIndex();
    const bool queueTabShown = m_queueTabs.contains(m_tabs->currentWidget());
    for (QWidget *tab : std::as_const(m_queueTabs)) {
        m_tabs->removeTab(m_tabs->indexOf(tab));
        tab->deleteLater();
    }
    m_queueTabs.clear();
    // The Batches tab reads on the queue tabs' thread: the window's connections stay two.
    const std::shared_ptr<DatabaseThread> database = createQueueDatabaseThread(config);
    QList<QPair<QString, QWidget *>> tabs = createQueueTabs(database, m_options.readOnly, m_tabs);
    m_batchesTab = new BatchesTab(database, m_settings, m_options.readOnly, m_tabs);
    // A streamed file's items are read on the same thread.
    m_bulkPage->setBatchDatabase(database);
    tabs.append({ tr("B&atches"), m_batchesTab });
    for (const auto &tab : tabs) {
        m_tabs->addTab(tab.second, tab.first);
        m_queueTabs.append(tab.second);
        if (auto *browser = qobject_cast<QueueBrowserWidget *>(tab.second)) {
            // The refresh interval is the window's setting, remembered when changed.
            browser->setAutoRefreshInterval(m_settings.refreshIntervalMs() / 1000);
            connect(browser, &QueueBrowserWidget::autoRefreshChanged, this, [this, browser] {
                m_settings.setRefreshIntervalMs(browser->autoRefreshInterval() * 1000);
            });
            m_watcher = browser->changeWatcher();
        }
    }
    updateWatcherPause();
    m_status->followUpdates(m_watcher);
    Q_EMIT changeWatcherReplaced(m_watcher);
    // One cadence for the queue views and the Batches tab: the watcher's (the Queue tab's
    // interval; its pause stops them all). While the window is hidden the watcher tells the
    // views nothing but goes on checking, so that the finished-batch check (notifications)
    // runs on a change nobody sees, and only then.
    if (m_watcher) {
        m_watcher->setChecksWhileHidden(true);
        connect(m_watcher, &ChangeWatcher::changed, m_batchesTab, &BatchesTab::refreshIfShown);
        connect(m_watcher, &ChangeWatcher::changedWhileHidden, m_batchesTab->finishWatcher(),
            &BatchFinishWatcher::check);
    }
    connect(m_batchesTab->finishWatcher(), &BatchFinishWatcher::batchFinished, m_notifier,
        [this](const BatchFinishWatcher::Finished &batch) {
            m_notifier->notify(batch.id, BatchFormat::finishedTitle(batch.name),
                BatchFormat::finishedBody(batch.counts));
        });
    if (queueTabShown && current < m_tabs->count())
        m_tabs->setCurrentIndex(current);
    if (m_restoreTab >= 0 && m_restoreTab < m_tabs->count())
        m_tabs->setCurrentIndex(m_restoreTab);
    m_restoreTab = -1;
}

void MainWindow::rememberSource(const QString &source)
{
    if (Username::sourceError(source) || source == m_settings.source())
        return;
    m_settings.setSource(source);
    m_singlePage->addRecentSource(source);
    m_bulkPage->addRecentSource(source);
}

void MainWindow::openBatch(const QString &id)
{
    if (!m_batchesTab || id.isEmpty())
        return;
    if (isMinimized())
        showNormal();
    raise();
    activateWindow();
    m_tabs->setCurrentWidget(m_batchesTab);
    m_batchesTab->openBatch(id);
}

void MainWindow::openDatabaseSettings()
{
    DatabaseSettingsDialog dialog(this);
    DatabaseConfig current = m_session->config();
    if (current.engine == DatabaseConfig::Engine::PostgreSQL)
        current.password = SecretStore::sessionValue(SecretStore::databaseKey(
            current.user, current.host, current.port, current.databaseName));
    dialog.setConfig(current);
    dialog.setPasswordStorageNote(m_secrets->backendDescription());
    if (dialog.exec() != QDialog::Accepted)
        return;
    const DatabaseConfig chosen = dialog.config();
    if (!chosen.isValid()) {
        m_status->showMessage(tr("The database settings are incomplete; nothing changed."));
        return;
    }
    m_options.databaseUrl.clear(); // the user's choice now overrides --database
    m_session->setConfig(chosen, true);
    m_status->showMessage(tr("Database: %1").arg(chosen.displayUrl()));
}

void MainWindow::showAbout()
{
    QMessageBox box(this);
    box.setObjectName(QStringLiteral("aboutBox"));
    box.setWindowTitle(tr("About %1").arg(QStringLiteral(VIRALSPOT_DISPLAY_NAME)));
    box.setIconPixmap(windowIcon().pixmap(64, 64));
    box.setTextFormat(Qt::RichText);
    box.setText(tr("<h3>%1 %2</h3><p>Puts Instagram profiles on the ViralSpot scraping "
                   "queue, one at a time or by the hundred thousand.</p><p>Built with Qt %3.</p>")
                    .arg(QStringLiteral(VIRALSPOT_DISPLAY_NAME), QStringLiteral(VIRALSPOT_VERSION),
                        QString::fromLatin1(qVersion())));
    MessageBox::exec(box);
}

} // namespace ViralSpot::Ui
