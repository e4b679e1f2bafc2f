#pragma once

#include "ui/settings.h"

#include <QMainWindow>

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

    // The Database dialog: a new configuration is remembered and used at once.
    void openDatabaseSettings();
    void showAbout();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void restoreSettings();
    void saveSettings();
    // The queue browser's tabs each follow one database: rebuilt for a new configuration.
    void rebuildQueueTabs(const ViralSpot::DatabaseConfig &config);
    // A source used on either tab is offered first on both, and remembered.
    void rememberSource(const QString &source);
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
    BatchesTab *m_batchesTab = nullptr; // one of m_queueTabs: rebuilt with them
    DesktopNotifier *m_notifier = nullptr;
    NotificationBanner *m_notificationBanner = nullptr;
    int m_restoreTab = -1; // the remembered tab, applied once every tab exists
};

} // namespace ViralSpot::Ui
