#include "ui/batches/batchplaces.h"

namespace ViralSpot::Ui {

BatchPlaces::BatchPlaces(std::shared_ptr<DatabaseThread> database, QObject *parent)
    : QObject(parent)
    , m_worker(new DatabaseClient(std::move(database), this))
{
    setCounting(Counting::estimated());
}

void BatchPlaces::setCounting(const Counting &counting)
{
    m_counting = counting.everyPlace();
}

bool BatchPlaces::apply(BatchSummary &batch)
{
    QList<BatchSummary> one { batch };
    if (!apply(one))
        return false;
    batch = one.constFirst();
    return true;
}

bool BatchPlaces::apply(QList<BatchSummary> &batches)
{
    m_placed.removeIf([](const auto &entry) { return entry.value().age.elapsed() >= MaxAgeMs; });
    bool replaced = false;
    QStringList wanted;
    for (BatchSummary &s : batches) {
        if (!s.eta || !s.eta->aheadAtLeast)
            continue;
        const auto known = m_placed.constFind(s.id);
        if (known != m_placed.cend()) {
            s.eta = known->eta;
            s.etaWhy = known->why;
            replaced = true;
        }
        // Read again once older than the interval, still shown meanwhile: no open-ended ETA
        // between one read's expiry and the next one's answer.
        if (known == m_placed.cend() || known->age.elapsed() >= IntervalMs)
            wanted << s.id;
    }
    if (!wanted.isEmpty() && !m_worker->isBusy() &&
        (!m_lastRead.isValid() || m_lastRead.elapsed() >= IntervalMs))
        read(wanted);
    return replaced;
}

void BatchPlaces::read(const QStringList &ids)
{
    m_lastRead.start();
    const Counting counting = m_counting;
    m_worker->post(
        [ids, counting](QSqlDatabase &db) {
            if (!db.isOpen()) {
                BatchList failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            return Batches::summaries(db, ids, QDateTime::currentDateTimeUtc(), counting);
        },
        [this](const BatchList &list) {
            m_lastRead.start(); // the interval runs from the answer: a slow read is not repeated
            if (!list.ok)
                return; // the next refresh's answer asks again when due
            for (const BatchSummary &s : list.batches) {
                Placed p { s.eta, s.etaWhy, {} };
                p.age.start();
                m_placed.insert(s.id, p);
            }
            Q_EMIT placed();
        });
}

} // namespace ViralSpot::Ui
