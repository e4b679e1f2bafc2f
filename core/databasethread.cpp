#include "core/databasethread.h"

#include "core/database.h"
#include "core/logging.h"
#include "core/sqlitefileguard.h"

#include <QAtomicInteger>
#include <QMutex>
#include <QMutexLocker>
#include <QTimer>

#include <exception>

namespace ViralSpot {

namespace {

thread_local QString t_openError;
QAtomicInteger<int> s_threadCounter;

// One job's way back: the context it answers, cleared (under the mutex) when the context is
// destroyed, so that the thread never posts to an object that is being deleted.
struct Delivery
{
    QMutex mutex;
    QObject *context = nullptr;
    QMetaObject::Connection watch;
};

} // namespace

DatabaseThread::DatabaseThread(DatabaseConfig config, const QString &name, QObject *parent)
    : QThread(parent)
    , m_config(std::move(config))
    , m_connectionName(
          QStringLiteral("viralspot_%1_%2").arg(name).arg(s_threadCounter.fetchAndAddRelaxed(1)))
    , m_receiver(new QObject)
{
    setObjectName(name);
    m_receiver->moveToThread(this);
    start();
}

DatabaseThread::~DatabaseThread()
{
    stop();
    delete m_receiver; // its thread has ended: the jobs still queued go with it, unanswered
}

DatabaseThread *DatabaseThread::current()
{
    return qobject_cast<DatabaseThread *>(QThread::currentThread());
}

void DatabaseThread::setOpenHook(std::function<void(QSqlDatabase &)> hook)
{
    QMetaObject::invokeMethod(
        m_receiver, [this, hook = std::move(hook)] { m_openHook = hook; }, Qt::QueuedConnection);
}

void DatabaseThread::stop()
{
    m_stopping.store(true);
    quit();
    if (QThread::currentThread() != this)
        wait();
}

QString DatabaseThread::openError()
{
    return t_openError;
}

void DatabaseThread::run()
{
    exec();
    // Whoever ended the event loop: the jobs still queued are dropped, and the connection
    // belongs to this thread, so it is closed here.
    m_stopping.store(true);
    qDeleteAll(m_receiver->findChildren<QTimer *>()); // the idle check
    Database::close(m_connectionName);
    m_pending.store(0);
}

void DatabaseThread::enqueue(QObject *context, Work work, std::function<void()> afterAnswer)
{
    if (m_stopping.load())
        return;
    auto delivery = std::make_shared<Delivery>();
    delivery->context = context;
    // Direct: runs in the destroying thread, before ~QObject removes the events posted to it.
    delivery->watch = connect(
        context, &QObject::destroyed, context,
        [delivery] {
            QMutexLocker lock(&delivery->mutex);
            delivery->context = nullptr;
        },
        Qt::DirectConnection);
    m_pending.fetch_add(1);
    QMetaObject::invokeMethod(
        m_receiver,
        [this, delivery, work = std::move(work), afterAnswer = std::move(afterAnswer)]() mutable {
            m_pending.fetch_sub(1);
            if (m_stopping.load())
                return; // stop() came first: no job, no answer
            std::function<void()> answer;
            QSqlDatabase db = connection();
            try {
                answer = work(db);
            } catch (const std::exception &e) {
                qCWarning(lcCore) << "a database job failed:" << e.what();
                Q_EMIT jobFailed(QString::fromLocal8Bit(e.what()));
            } catch (...) {
                qCWarning(lcCore) << "a database job failed with an unknown exception";
                Q_EMIT jobFailed(tr("unknown exception"));
            }
            afterJob(db);
            QMutexLocker lock(&delivery->mutex);
            if (!delivery->context)
                return; // the context is gone: nobody to answer
            QMetaObject::invokeMethod(
                delivery->context,
                [delivery, answer = std::move(answer), afterAnswer = std::move(afterAnswer)] {
                    QObject::disconnect(delivery->watch);
                    if (answer)
                        answer();
                    if (afterAnswer)
                        afterAnswer();
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

QSqlDatabase DatabaseThread::connection()
{
    t_openError.clear();
    const bool wasOpen = QSqlDatabase::contains(m_connectionName) &&
        QSqlDatabase::database(m_connectionName, false).isOpen();
    const ValueResult<QSqlDatabase> opened = Database::open(m_config, m_connectionName);
    QSqlDatabase db = opened.value;
    t_openError = opened.error;
    if (!opened.ok && t_openError.isEmpty())
        t_openError = tr("The database could not be opened.");
    if (!wasOpen && db.isOpen()) {
        m_opened.fetch_add(1);
        if (m_openHook)
            m_openHook(db);
        if (!Database::isPostgres(db) && m_receiver->findChildren<QTimer *>().isEmpty()) {
            // An idle thread must not keep SQLite's files after they were replaced underneath:
            // while it does, no other connection of the process may open the database
            // (SqliteFileGuard).
            auto *idleCheck = new QTimer(m_receiver);
            connect(idleCheck, &QTimer::timeout, m_receiver, [name = m_connectionName] {
                if (QSqlDatabase::contains(name) &&
                    !SqliteFileGuard::check(QSqlDatabase::database(name, false)).ok)
                    Database::close(name);
            });
            idleCheck->start(2000);
        }
    }
    return db;
}

void DatabaseThread::afterJob(QSqlDatabase &db)
{
    // A lost connection is reopened by the next job.
    if (db.isOpen() && Database::isConnectionLost(db)) {
        db = QSqlDatabase();
        Database::close(m_connectionName);
    }
}

} // namespace ViralSpot
