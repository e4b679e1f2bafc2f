#include "sqlworker.h"

#include "database.h"
#include "sqlitefileguard.h"

#include <QAtomicInteger>
#include <QSqlQuery>
#include <QTimer>

namespace ViralSpot::Ui {

namespace {
thread_local QString t_openError;
QAtomicInteger<int> s_workerCounter;
} // namespace

SqlWorker::SqlWorker(DatabaseConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_connectionName(
          QStringLiteral("ui_queue_worker_%1").arg(s_workerCounter.fetchAndAddRelaxed(1)))
    , m_threadObject(new QObject)
{
    m_thread.setObjectName(QStringLiteral("SqlWorker"));
    m_threadObject->moveToThread(&m_thread);
    m_thread.start();
    // An idle view must not keep SQLite's files after they were replaced underneath: while it
    // does, no other connection of the window may open the database (SqliteFileGuard).
    QMetaObject::invokeMethod(
        m_threadObject,
        [object = m_threadObject, name = m_connectionName] {
            auto *idleCheck = new QTimer(object);
            QObject::connect(idleCheck, &QTimer::timeout, object, [name] {
                if (QSqlDatabase::contains(name) &&
                    !SqliteFileGuard::check(QSqlDatabase::database(name, false)).ok)
                    Database::close(name);
            });
            idleCheck->start(2000);
        },
        Qt::QueuedConnection);
}

SqlWorker::~SqlWorker()
{
    m_stopping.store(true);
    // The connection belongs to the worker thread: close it there, after the running job.
    const QString name = m_connectionName;
    QObject *object = m_threadObject;
    QMetaObject::invokeMethod(
        m_threadObject,
        [name, object] {
            qDeleteAll(object->findChildren<QTimer *>()); // the idle check, on its thread
            Database::close(name);
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    delete m_threadObject;
}

QString SqlWorker::openError()
{
    return t_openError;
}

QSqlDatabase SqlWorker::connection()
{
    t_openError.clear();
    const bool fresh = !QSqlDatabase::contains(m_connectionName);
    QSqlDatabase db = Database::open(m_config, m_connectionName, &t_openError);
    if (!db.isOpen() && t_openError.isEmpty())
        t_openError = tr("The database could not be opened.");
    if (fresh && db.isOpen() && !Database::isPostgres(db)) {
        // Browsing reads through the OS cache; a small page cache per view keeps the window's
        // memory flat (the request path's 64 MiB cache is for big batches).
        QSqlQuery q(db);
        q.exec(QStringLiteral("PRAGMA cache_size=-8192"));
    }
    return db;
}

void SqlWorker::afterJob(QSqlDatabase &db)
{
    // A lost connection is reopened by the next job.
    if (db.isOpen() && Database::isConnectionLost(db)) {
        db = QSqlDatabase();
        Database::close(m_connectionName);
    }
}

} // namespace ViralSpot::Ui
