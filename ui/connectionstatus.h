#pragma once

#include "core/changes/changewatcher.h"
#include "core/connectionsecurity.h"

#include <QObject>
#include <QPointer>

class QFrame;
class QLabel;
class QPushButton;
class QStatusBar;
class QWidget;

namespace ViralSpot::Ui {

class DatabaseSession;

// What the window shows about its database: the banner above the tabs (the database is
// unavailable, or the queue needs a repair, with "Try now" and "Repair…") and the status bar's
// engine, location, connection and TLS labels. Follows a DatabaseSession.
class ConnectionStatus final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionStatus)

public:
    // The banner is created under bannerParent (for the window to place); the labels are added
    // to statusBar.
    ConnectionStatus(
        DatabaseSession *session, QStatusBar *statusBar, bool readOnly, QWidget *bannerParent);

    QFrame *banner() const { return m_banner; }
    // A message in the status bar for ten seconds.
    void showMessage(const QString &text);
    // The status bar says how the queue views learn of changes: pushed (PostgreSQL LISTEN),
    // checked every N s (polled), paused or off. Null: nothing shown.
    void followUpdates(ViralSpot::ChangeWatcher *watcher);
    // Preview and repair of duplicate active queue rows (offered in the banner while requests
    // are refused for them).
    void openRepairDialog();

private:
    void onConnectionChanged(bool connected, const QString &error);
    void showRepairBanner();
    void updateStatusBar();
    void updateUpdatesLabel();
    // The TLS label: encrypted or not, and what was verified (PostgreSQL only).
    void showConnectionSecurity(const ViralSpot::ConnectionSecurity &security);

    DatabaseSession *m_session;
    QStatusBar *m_statusBar;
    bool m_readOnly;
    QFrame *m_banner = nullptr;
    QLabel *m_bannerLabel = nullptr;
    QPushButton *m_bannerRetryButton = nullptr;
    QPushButton *m_repairButton = nullptr;
    QLabel *m_statusEngine = nullptr;
    QLabel *m_statusWhere = nullptr;
    QLabel *m_statusConnection = nullptr;
    QLabel *m_statusSecurity = nullptr;
    QLabel *m_statusUpdates = nullptr;
    QPointer<ViralSpot::ChangeWatcher> m_watcher;
};

} // namespace ViralSpot::Ui
