#pragma once

#include "core/batches/batches.h"
#include "core/databaseclient.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>

#include <memory>

namespace ViralSpot::Ui {

// The exact places of the batches that the Batches tab's estimated reads leave open-ended
// (Counting::estimated() counts a batch's place only up to its cap: Eta::aheadAtLeast). They
// are read in the background, one read at a time and at most every IntervalMs, and each ETA
// so read stands in for the open-ended one for MaxAgeMs (read again after IntervalMs): the tab
// shows the ranges of deep batches without paying for their places on every refresh (10,000,000
// rows: a refresh 67 ms, a read of the places 0.3–1 s; docs/benchmarks.md section 9).
class BatchPlaces final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BatchPlaces)

public:
    static constexpr int IntervalMs = 30000;
    static constexpr int MaxAgeMs = 90000;

    explicit BatchPlaces(std::shared_ptr<DatabaseThread> database, QObject *parent = nullptr);

    // The counting of the refreshes whose open-ended places this reads (Counting::estimated()
    // unless changed); the background read counts as they do, with every place counted.
    void setCounting(const Counting &counting);
    // Gives the open-ended ETAs of `batches` the exact ones read less than MaxAgeMs ago, and
    // asks for the places of the rest when a read is due. True when any ETA was replaced.
    bool apply(QList<BatchSummary> &batches);
    bool apply(BatchSummary &batch);
    bool isBusy() const { return m_worker->isBusy(); }

Q_SIGNALS:
    // New exact ETAs: apply() them.
    void placed();

private:
    struct Placed
    {
        std::optional<Eta> eta;
        QString why;
        QElapsedTimer age;
    };
    void read(const QStringList &ids);

    DatabaseClient *m_worker;
    Counting m_counting;
    QHash<QString, Placed> m_placed;
    QElapsedTimer m_lastRead;
};

} // namespace ViralSpot::Ui
