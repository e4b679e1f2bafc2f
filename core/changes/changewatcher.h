#pragma once

#include "core/databaseclient.h"
#include "core/databasethread.h"

#include <QElapsedTimer>
#include <QObject>

#include <memory>

class QTimer;

namespace ViralSpot {

// Tells the views when the queue changed, so that they re-read it only then (contract: the
// window's live updates). It works on a DatabaseThread shared with the views, on that thread's
// connection: no connection of its own.
//
// - PostgreSQL (push): LISTEN on channel() through QSqlDriver::subscribeToNotification. The
//   migration's statement-level trigger on `queue` (Schema step 7) sends one notification per
//   statement, whoever commits it. Qt's driver reads them with a socket notifier on the thread
//   that owns the connection (the DatabaseThread's event loop). Every interval a heartbeat
//   (`SELECT 1`) proves the connection alive; when it was lost (the server, a restart,
//   pg_terminate_backend) the watcher polls until the thread's next connection is subscribed
//   again, then says changed() once for what it may have missed.
// - PostgreSQL through a transaction pooler (DatabaseConfig::isTransactionPooler(); one the
//   URL does not name is found by the heartbeat, whose pg_backend_pid() is then not always
//   the one of the first heartbeat after LISTEN on that connection): LISTEN cannot work there
//   (the next transaction runs in another server session), so it polls with a cheap check
//   every interval: `SELECT txid_current_snapshot()`, one statement in its own
//   transaction (no session state, no right beyond connecting), whose text
//   (xmin:xmax:in-progress xids) moves whenever a transaction that wrote anything ends,
//   committed or rolled back, at once. changed() only when it moved. The snapshot is the
//   server's, not the database's: writes to other tables or databases of the same server are
//   told too (the views read again for nothing, as they did every interval before). Why not
//   pg_stat_user_tables' counters: see tick().
//   The same check runs as the heartbeat while pushing, so that polling after a lost
//   connection tells only what changed.
// - SQLite (poll): every interval `PRAGMA data_version` (it changes when another connection
//   commits) and `total_changes()` (this connection's own writes: the queue tab's actions);
//   changed() only when one of them moved. Nothing else is read while nothing changed.
//
// Off (interval 0) stops listening (UNLISTEN) until the interval is set again.
//
// Hidden window (paused for WindowHidden alone) with setChecksWhileHidden(true): the checks go
// on at the interval, the views are still told nothing, and a check that saw a change says
// changedWhileHidden() (at most one per interval) for work that must go on unseen (the
// finished-batch notifications). What it saw is told by changed() once the window is back.
//
// changed() is coalesced: at most one per interval (the first at once, the next no sooner than
// an interval after it), never while a check is on its way, never while paused or off.
class ChangeWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChangeWatcher)

public:
    enum class Mode
    {
        Off, // interval 0, or paused
        Push, // PostgreSQL notifications
        Poll, // a check every interval
    };
    Q_ENUM(Mode)

    // Why updates are paused; each reason is set and cleared on its own.
    enum PauseReason
    {
        ByUser = 0x1,
        WindowHidden = 0x2,
    };

    explicit ChangeWatcher(std::shared_ptr<DatabaseThread> thread, QObject *parent = nullptr);
    ~ChangeWatcher() override;

    // The PostgreSQL channel the queue's trigger notifies.
    static QString channel();

    // Milliseconds between checks and the least time between two changed(); 0 = off.
    void setInterval(int ms);
    int interval() const { return m_interval; }
    void setPaused(bool paused, PauseReason reason = ByUser);
    bool isPaused() const { return m_pausedBy != 0; }
    void setChecksWhileHidden(bool on);
    bool checksWhileHidden() const { return m_checksWhileHidden; }
    Mode mode() const { return m_mode; }
    // True when this database can push (PostgreSQL, not through a transaction pooler). False
    // too from the check that finds the connection's statements running in another server
    // session than its LISTEN (a transaction pooler the URL does not name).
    bool canPush() const { return m_canPush; }

    // Checks run on the database so far (a test seam: they must stay cheap and few).
    int checksRun() const { return m_checks; }

    // The PostgreSQL statement of the cheap check (and heartbeat): the server's transaction
    // snapshot as text, and the server session that ran it.
    static QString snapshotStatement();

Q_SIGNALS:
    void changed();
    // Hidden, with setChecksWhileHidden(true): a check saw a change (the views are not told).
    void changedWhileHidden();
    void modeChanged(ViralSpot::ChangeWatcher::Mode mode);
    // The mode, the interval or the pause changed (what a status line shows).
    void stateChanged();

private:
    struct Check;
    struct Relay;
    void restart();
    void tick();
    void onChecked(const Check &check);
    void onNotification();
    void setMode(Mode mode);
    // PostgreSQL: UNLISTEN on the database thread (the interval went to 0).
    void stopListening();
    // Emits changed() when one is due, now or as soon as the interval allows (while hidden:
    // changedWhileHidden(), when `fromCheck`).
    void deliver(bool fromCheck = false);
    void markChanged();
    // Paused only because the window is hidden, and checking on all the same.
    bool checksInBackground() const;

    DatabaseClient *m_client;
    QTimer *m_timer;
    QTimer *m_deliverTimer;
    std::shared_ptr<Relay> m_relay; // the driver's notifications, from the database thread
    bool m_canPush = false;
    int m_interval = 0;
    int m_pausedBy = 0;
    Mode m_mode = Mode::Off;
    bool m_checkRunning = false;
    bool m_pending = false; // a change seen and not yet told
    bool m_checksWhileHidden = false;
    bool m_hiddenPending = false; // ... and not yet told by changedWhileHidden()
    int m_checks = 0;
    // Bumped when turned off: a check posted before that is not taken as current (its LISTEN
    // was undone after it).
    int m_generation = 0;
    // PostgreSQL: the snapshot the last check read (empty before the first).
    QString m_snapshot;
    // PostgreSQL, pushing: the connection that listens and the server session (backend pid)
    // of its first heartbeat.
    int m_listenConnection = -1;
    qint64 m_listenPid = 0;
    // SQLite: what the last check read, and on which connection.
    int m_connection = -1;
    qint64 m_dataVersion = -1;
    qint64 m_totalChanges = -1;
    QElapsedTimer m_sinceChanged; // since the last changed()
};

} // namespace ViralSpot
