#pragma once

#include "core/batches/batches.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QString>

namespace ViralSpot::Ui {

// What the Batches tab and a batch's page say about a batch, in words (widget-free, so the
// texts are tested without a window). Times are shown in local time, with the date when it is
// not today.
class BatchFormat final
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::Ui::BatchFormat)

public:
    BatchFormat() = delete;

    // "14:05" today, "2026-12-03 14:05" another day (`now` is the reference, UTC).
    static QString clock(const QDateTime &utc, const QDateTime &now);
    // "14:05–14:20" (one time when both are the same minute).
    static QString range(const QDateTime &earliest, const QDateTime &latest, const QDateTime &now);
    // The ETA column: the range, "done 13:58" once finished, "unknown: workers idle" (the
    // core's reason) when there is no estimate, "after 14:05" when only the earliest is known
    // (Eta::aheadAtLeast: the place of a deep batch not yet counted to the end).
    static QString eta(const ViralSpot::BatchSummary &batch, const QDateTime &now);
    // "12 of 40 done · 3 processing · 20 waiting (5 high) · 5 failed"; parts that are zero are
    // left out, except "done". Estimated counts (a big batch's sample) start with "≈".
    static QString counts(const ViralSpot::BatchCounts &counts);
    // "predicted 14:05–14:20 at 25%, finished 14:12: within range" / "…: 6 min late".
    static QString prediction(const ViralSpot::BatchDetail::Prediction &p,
        const QDateTime &finished, const QDateTime &now);
    // "≈ " before estimated counts, empty before exact ones.
    static QString estimateMark(const ViralSpot::BatchCounts &counts);
    // Why counts are estimated, for a tooltip (empty when exact).
    static QString estimateNote(const ViralSpot::BatchCounts &counts);
    // "Batches: 42" or "Batches: 10,000+ (counted up to 10,000)".
    static QString batchCount(qint64 total, bool capped);
    // The confirmation of an action on a batch, with the number of rows it would change now.
    static QString actionQuestion(ViralSpot::BatchAction action, int eligible);
    // What a finished batch's notification says.
    static QString finishedTitle(const QString &name);
    static QString finishedBody(const ViralSpot::BatchCounts &counts);
};

} // namespace ViralSpot::Ui
