#include "ui/batches/batchfinishwatcher.h"

#include "core/schema.h"
#include "ui/uilogging.h"

namespace ViralSpot::Ui {

namespace {

struct CheckResult
{
    QString error;
    bool schemaReady = false; // the batch tables exist (the schema is at their step or later)
    QList<BatchFinishWatcher::Finished> claimed;
};

} // namespace

BatchFinishWatcher::BatchFinishWatcher(
    std::shared_ptr<DatabaseThread> database, const QString &osUser, QObject *parent)
    : QObject(parent)
    , m_worker(new DatabaseClient(std::move(database), this))
    , m_osUser(osUser)
{
    setObjectName(QStringLiteral("batchFinishWatcher"));
}

void BatchFinishWatcher::check()
{
    if (m_worker->isBusy()) {
        // The one on its way may have read before what this call was made for: one more
        // after it (never two at once, never more than one waiting).
        m_checkAgain = true;
        return;
    }
    m_checkAgain = false;
    const QString osUser = m_osUser;
    const bool schemaKnownReady = m_schemaReady;
    m_worker->post(
        [osUser, schemaKnownReady](QSqlDatabase &db) {
            CheckResult result;
            if (!db.isOpen()) {
                result.error = DatabaseThread::openError();
                return result;
            }
            // The window's first connection: the request thread may not have migrated the
            // schema yet (the check runs on the queue tabs' thread). Before the batches step
            // there is nothing to announce: skip quietly until it is there (then it is not read
            // again: migrations never go back).
            if (!schemaKnownReady && Schema::currentVersion(db) < Schema::batchesVersion())
                return result;
            result.schemaReady = true;
            // This person's only, filtered in the query: other people's unclaimed batches,
            // however many, are left for their windows and never crowd these out.
            const Batches::IdList finished = Batches::unnotifiedFinished(db, 100, osUser);
            if (!finished.ok) {
                result.error = finished.error;
                return result;
            }
            for (const QString &id : finished.ids) {
                const BatchDetail detail = Batches::detail(db, id);
                if (!detail.ok || !detail.found)
                    continue;
                const Batches::ClaimResult claim = Batches::claimFinishedNotification(db, id);
                if (!claim.ok) {
                    result.error = claim.error;
                    continue;
                }
                if (claim.claimed)
                    result.claimed.append({ id, detail.summary.name, detail.summary.counts });
            }
            return result;
        },
        [this](const CheckResult &result) {
            if (result.schemaReady)
                m_schemaReady = true;
            if (!result.error.isEmpty())
                qCWarning(lcUi) << "finished batches:" << result.error;
            if (m_announce) {
                for (const Finished &batch : result.claimed)
                    Q_EMIT batchFinished(batch);
            }
            Q_EMIT checked();
            if (m_checkAgain) // once this answer is done (the worker is busy until then)
                QMetaObject::invokeMethod(this, &BatchFinishWatcher::check, Qt::QueuedConnection);
        });
}

} // namespace ViralSpot::Ui
