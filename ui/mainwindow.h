#pragma once

#include "core/changes/changewatcher.h"
#include "ui/settings.h"

#include <QMainWindow>
#include <QPointer>

class QAction;
class QTabWidget;

namespace ViralSpot::Ui {

class BatchesTab;
class BulkPage;
class ConnectionStatus;
class DatabaseSession;
class DesktopNotifier;
class NotificationBanner;
class SecretStore;
class SingleRequestPage;
#ifdef VIRALSPOT_HAS_HTTP
class EndpointPanel;
#endif

struct MainWindowOptions
{
    QString databaseUrl; // --database; empty: the configured database (settings)
    bool readOnly = false;
};

// The window: menus, tabs and geometry, wiring the pages to one DatabaseSession. The pages
// do the work: SingleRequestPage, BulkPage (with its widget-free BulkSession), the endpoint
// panel and the queue tabs; ConnectionStatus draws the banner and the status bar.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    enum Tab
    {
        SingleTab,
        BulkTab,
        EndpointTab
    };

    explicit MainWindow(const MainWindowOptions &options = {}, QWidget *parent = nullptr);
    ~MainWindow() override;

    Settings &settings() { return m_settings; }
    // Tells when the queue changed (the Queue tab's watcher, on the queue views' database
    // thread): a view connects its refresh to changed(). Replaced, with the queue tabs, when
    // the database configuration changes (changeWatcherReplaced()); null without the queue UI.
    ViralSpot::ChangeWatcher *changeWatcher() const { return m_watcher; }

Q_SIGNALS:
    void changeWatcherReplaced(ViralSpot::ChangeWatcher *watcher);

public:
    // The Database dialog: a new configuration is remembered and used at once.
    void openDatabaseSettings();
    void showAbout();

protected:
    void closeEvent(QCloseEvent *event) override;
    // Hidden or minimized, the queue views are not updated (ChangeWatcher::WindowHidden).
    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void buildActions();
    void restoreSettings();
    void saveSettings();
    // The queue browser's tabs each follow one database: rebuilt for a new configuration.
    void rebuildQueueTabs(const ViralSpot::DatabaseConfig &config);
    // A source used on either tab is offered first on both, and remembered.
    void rememberSource(const QString &source);
    void updateWatcherPause();
    // The Batches tab with this batch's page (Follow in Batches, a notification's click).
    void openBatch(const QString &id);

    Settings m_settings;
    MainWindowOptions m_options;
    SecretStore *m_secrets = nullptr;
    DatabaseSession *m_session = nullptr;
    ConnectionStatus *m_status = nullptr;
    QTabWidget *m_tabs = nullptr;
    SingleRequestPage *m_singlePage = nullptr;
    BulkPage *m_bulkPage = nullptr;
    QAction *m_submitAction = nullptr;
#ifdef VIRALSPOT_HAS_HTTP
    EndpointPanel *m_endpointPanel = nullptr;
#endif
    QList<QWidget *> m_queueTabs;
    QPointer<ViralSpot::ChangeWatcher> m_watcher;
    BatchesTab *m_batchesTab = nullptr; // one of m_queueTabs: rebuilt with them
    DesktopNotifier *m_notifier = nullptr;
    NotificationBanner *m_notificationBanner = nullptr;
    int m_restoreTab = -1; // the remembered tab, applied once every tab exists
};

} // namespace ViralSpot::Ui
