#include "ui/batches/batchfinishwatcher.h"

#include "ui/uilogging.h"

namespace ViralSpot::Ui {

namespace {

struct CheckResult
{
    QString error;
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
    if (m_worker->isBusy())
        return;
    const QString osUser = m_osUser;
    m_worker->post(
        [osUser](QSqlDatabase &db) {
            CheckResult result;
            if (!db.isOpen()) {
                result.error = DatabaseThread::openError();
                return result;
            }
            const Batches::IdList finished = Batches::unnotifiedFinished(db, 100);
            if (!finished.ok) {
                result.error = finished.error;
                return result;
            }
            for (const QString &id : finished.ids) {
                // Read first: a colleague's batch is left for their window to claim.
                const BatchDetail detail = Batches::detail(db, id);
                if (!detail.ok || !detail.found || detail.summary.submittedBy != osUser)
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
            if (!result.error.isEmpty())
                qCWarning(lcUi) << "finished batches:" << result.error;
            if (m_announce) {
                for (const Finished &batch : result.claimed)
                    Q_EMIT batchFinished(batch);
            }
            Q_EMIT checked();
        });
}

} // namespace ViralSpot::Ui
