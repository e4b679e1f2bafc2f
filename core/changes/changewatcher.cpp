#include "core/changes/changewatcher.h"

#include "core/database.h"
#include "core/logging.h"
#include "core/schema.h"

#include <QMutex>
#include <QMutexLocker>
#include <QPointer>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>

#include <limits>

namespace ViralSpot {

// What one check on the database thread found.
struct ChangeWatcher::Check
{
    bool ok = false; // the database answered
    QString error;
    int connection = 0; // DatabaseThread::connectionsOpened() when it ran
    bool subscribed = false; // PostgreSQL: this connection listens
    bool newlySubscribed = false; // ... since this check
    qint64 dataVersion = -1; // SQLite
    qint64 totalChanges = -1;
    QString snapshot; // PostgreSQL: txid_current_snapshot() as text
    qint64 backendPid = 0; // PostgreSQL: the server session that read it
    int generation = 0; // ChangeWatcher::m_generation when it was posted
};

// The way from the driver's notification (on the database thread) to the watcher, cleared
// under the mutex when the watcher goes, so that the thread never posts to a deleted object.
struct ChangeWatcher::Relay
{
    QMutex mutex;
    ChangeWatcher *watcher = nullptr;
    QPointer<QSqlDriver> driver; // the driver it listens to; used on the database thread only
};

ChangeWatcher::ChangeWatcher(std::shared_ptr<DatabaseThread> thread, QObject *parent)
    : QObject(parent)
    , m_client(new DatabaseClient(thread, this))
    , m_timer(new QTimer(this))
    , m_deliverTimer(new QTimer(this))
    , m_relay(std::make_shared<Relay>())
{
    const DatabaseConfig &config = thread->config();
    m_canPush =
        config.engine == DatabaseConfig::Engine::PostgreSQL && !config.isTransactionPooler();
    m_relay->watcher = this;
    m_deliverTimer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &ChangeWatcher::tick);
    connect(m_deliverTimer, &QTimer::timeout, this, [this] { deliver(); });
}

ChangeWatcher::~ChangeWatcher()
{
    QMutexLocker lock(&m_relay->mutex);
    m_relay->watcher = nullptr;
}

QString ChangeWatcher::channel()
{
    return Schema::queueChangeChannel();
}

QString ChangeWatcher::snapshotStatement()
{
    // txid_current_snapshot() rather than pg_current_snapshot(): the same text, and it exists
    // before PostgreSQL 13 too.
    return QStringLiteral("SELECT txid_current_snapshot()::text, pg_backend_pid()");
}

void ChangeWatcher::setInterval(int ms)
{
    ms = qMax(0, ms);
    if (ms == m_interval)
        return;
    m_interval = ms;
    restart();
    Q_EMIT stateChanged();
}

void ChangeWatcher::setPaused(bool paused, PauseReason reason)
{
    const bool was = isPaused();
    const bool wasInBackground = checksInBackground();
    m_pausedBy = paused ? (m_pausedBy | reason) : (m_pausedBy & ~reason);
    if (was != isPaused() || wasInBackground != checksInBackground())
        restart();
    if (was != isPaused())
        Q_EMIT stateChanged();
}

void ChangeWatcher::setChecksWhileHidden(bool on)
{
    if (on == m_checksWhileHidden)
        return;
    m_checksWhileHidden = on;
    if (m_pausedBy == WindowHidden)
        restart();
}

bool ChangeWatcher::checksInBackground() const
{
    return m_checksWhileHidden && m_pausedBy == WindowHidden;
}

void ChangeWatcher::markChanged()
{
    m_pending = true;
    m_hiddenPending = true;
}

void ChangeWatcher::restart()
{
    m_timer->stop();
    m_deliverTimer->stop();
    if (m_interval == 0) {
        ++m_generation;
        if (m_mode != Mode::Off)
            stopListening();
        setMode(Mode::Off);
        return;
    }
    if (m_mode == Mode::Off)
        setMode(Mode::Poll); // until the first check has subscribed
    if (isPaused() && !checksInBackground())
        return;
    m_timer->start(m_interval);
    tick(); // at once: a change seen while paused or off is told now
}

void ChangeWatcher::tick()
{
    if (m_interval == 0 || (isPaused() && !checksInBackground()) || m_checkRunning)
        return; // one check at a time: a slow database is not asked again meanwhile
    m_checkRunning = true;
    ++m_checks;
    const bool push = m_canPush;
    const QString name = channel();
    const int generation = m_generation;
    std::shared_ptr<Relay> relay = m_relay;
    m_client->post(
        [push, name, relay, generation](QSqlDatabase &db) {
            Check check;
            check.generation = generation;
            if (!db.isOpen()) {
                check.error = DatabaseThread::openError();
                return check;
            }
            if (DatabaseThread *thread = DatabaseThread::current())
                check.connection = thread->connectionsOpened();
            QSqlQuery q(db);
            if (!Database::isPostgres(db)) {
                // data_version moves when another connection commits; total_changes() counts
                // this connection's own writes (the queue tab's actions run here).
                if (!q.exec(QStringLiteral(
                        "SELECT data_version, total_changes() FROM pragma_data_version")) ||
                    !q.next()) {
                    check.error = q.lastError().text();
                    return check;
                }
                check.ok = true;
                check.dataVersion = q.value(0).toLongLong();
                check.totalChanges = q.value(1).toLongLong();
                return check;
            }
            // The cheap check without LISTEN, and the heartbeat: the server's snapshot. Seen on
            // PostgreSQL 15 (a role with no right on any table, through PgBouncer in
            // transaction mode too): its text moves at the end of every transaction that wrote
            // (commit or rollback, any session, any database of the server) and never for
            // reads, so a quiet queue costs this one statement per interval.
            // pg_stat_user_tables' counters (n_tup_ins + n_tup_upd + n_tup_del) were tried first
            // and are not usable for this: every role may read them, but a backend publishes
            // its counts at most once a second, and when its last flush was under a second ago
            // and it then goes idle, only after PGSTAT_IDLE_INTERVAL (10 s): measured 10.3 s
            // for a worker's second commit 0.2 s after its first. (They are also frozen within
            // a transaction, stats_fetch_consistency = cache.) A view would lag up to ten
            // seconds behind such a worker.
            const auto readSnapshot = [&q, &check] {
                if (!q.exec(snapshotStatement()) || !q.next())
                    return false;
                check.snapshot = q.value(0).toString();
                check.backendPid = q.value(1).toLongLong();
                return true;
            };
            QSqlDriver *driver = db.driver();
            if (push && !driver->subscribedToNotifications().contains(name)) {
                // A new connection (the first, the one after a loss, or on again after off):
                // LISTEN again. It also proves the connection alive.
                if (!driver->subscribeToNotification(name)) {
                    check.error = driver->lastError().text();
                    qCWarning(lcCore) << "cannot listen for queue changes:" << check.error;
                    // Still usable for polling when the server answers.
                    check.ok = readSnapshot();
                    return check;
                }
                check.newlySubscribed = true;
            }
            if (!readSnapshot()) {
                // Lost (a restart, pg_terminate_backend): the thread reopens it for the next
                // job, which subscribes again.
                check.error = q.lastError().text();
                check.newlySubscribed = false;
                return check;
            }
            check.ok = true;
            if (push) {
                check.subscribed = true;
                if (relay->driver != driver) {
                    relay->driver = driver;
                    QObject::connect(
                        driver,
                        qOverload<const QString &, QSqlDriver::NotificationSource,
                            const QVariant &>(&QSqlDriver::notification),
                        driver,
                        [relay, name](const QString &channel, QSqlDriver::NotificationSource,
                            const QVariant &) {
                            if (channel != name)
                                return;
                            QMutexLocker lock(&relay->mutex);
                            if (ChangeWatcher *watcher = relay->watcher)
                                QMetaObject::invokeMethod(
                                    watcher, [watcher] { watcher->onNotification(); },
                                    Qt::QueuedConnection);
                        },
                        Qt::DirectConnection);
                }
            }
            return check;
        },
        [this](const Check &check) { onChecked(check); });
}

void ChangeWatcher::stopListening()
{
    if (!m_canPush)
        return;
    const QString name = channel();
    // After any check on its way (the thread runs jobs in order): its LISTEN is undone too.
    m_client->post(
        [name](QSqlDatabase &db) {
            if (!db.isOpen())
                return true; // a lost session listens to nothing
            QSqlDriver *driver = db.driver();
            if (!driver->subscribedToNotifications().contains(name))
                return true;
            if (driver->unsubscribeFromNotification(name))
                return true;
            qCWarning(lcCore) << "cannot stop listening for queue changes:"
                              << driver->lastError().text();
            return false;
        },
        [](bool) {});
}

void ChangeWatcher::onChecked(const Check &check)
{
    m_checkRunning = false;
    if (m_interval == 0)
        return; // turned off meanwhile
    if (check.generation != m_generation) {
        // Turned off and on again while it ran: its LISTEN was undone after it. Check anew.
        tick();
        return;
    }
    if (!check.ok) {
        // The database does not answer: nothing to tell the views, which would fail too.
        // PostgreSQL is not pushing any more; the next check reconnects and listens again.
        if (m_canPush)
            setMode(Mode::Poll);
        deliver(true);
        return;
    }
    if (m_canPush && check.subscribed) {
        if (check.newlySubscribed || check.connection != m_listenConnection) {
            // Listening from now on; what changed before it is told once.
            if (check.newlySubscribed)
                markChanged();
            m_listenConnection = check.connection;
            m_listenPid = check.backendPid;
        } else if (check.backendPid != m_listenPid) {
            // One connection's statements in another server session than before: a
            // transaction pooler the URL does not name (pool_mode=transaction), which hands
            // each transaction to any server connection. The LISTEN stayed in the session that
            // ran it, whose notifications never reach this connection: poll from now on, as
            // for a named one.
            qCWarning(lcCore).noquote()
                << "the queue's change notifications cannot reach this connection: its "
                   "statements run in different server sessions (a transaction pooler; say "
                   "pool_mode=transaction in the database URL); polling instead";
            stopListening();
            m_canPush = false;
            markChanged(); // what the deaf LISTEN may have missed
        }
    }
    if (m_canPush && check.subscribed) {
        setMode(Mode::Push);
        m_snapshot = check.snapshot; // the baseline should polling take over
    } else if (m_client->config().engine == DatabaseConfig::Engine::PostgreSQL) {
        // Polling (a transaction pooler, or the notifications lost): told when a write ended
        // since the last check.
        setMode(Mode::Poll);
        if (!m_snapshot.isEmpty() && check.snapshot != m_snapshot)
            markChanged();
        m_snapshot = check.snapshot;
    } else {
        setMode(Mode::Poll);
        if (m_connection >= 0 &&
            (check.connection != m_connection || check.dataVersion != m_dataVersion ||
                check.totalChanges != m_totalChanges))
            markChanged();
        m_connection = check.connection;
        m_dataVersion = check.dataVersion;
        m_totalChanges = check.totalChanges;
    }
    deliver(true);
}

void ChangeWatcher::onNotification()
{
    markChanged();
    deliver(); // while hidden: told by the next check, at most one per interval
}

void ChangeWatcher::setMode(Mode mode)
{
    if (m_mode == mode)
        return;
    m_mode = mode;
    Q_EMIT modeChanged(mode);
    Q_EMIT stateChanged();
}

void ChangeWatcher::deliver(bool fromCheck)
{
    if (isPaused()) {
        if (fromCheck && m_hiddenPending && m_interval != 0 && checksInBackground()) {
            m_hiddenPending = false;
            Q_EMIT changedWhileHidden();
        }
        return;
    }
    // A pushed change need not wait for a heartbeat on its way; a polled one comes with it.
    if (!m_pending || m_interval == 0 || (m_checkRunning && m_mode != Mode::Push))
        return;
    const qint64 since =
        m_sinceChanged.isValid() ? m_sinceChanged.elapsed() : std::numeric_limits<qint64>::max();
    if (since >= m_interval) {
        m_pending = false;
        m_hiddenPending = false;
        m_deliverTimer->stop();
        m_sinceChanged.start();
        Q_EMIT changed();
    } else if (!m_deliverTimer->isActive()) {
        m_deliverTimer->start(int(m_interval - since));
    }
}

} // namespace ViralSpot
