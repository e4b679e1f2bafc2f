#include "ui/batches/batchformat.h"

#include <QLocale>

namespace ViralSpot::Ui {

QString BatchFormat::clock(const QDateTime &utc, const QDateTime &now)
{
    if (!utc.isValid())
        return QString();
    const QDateTime local = utc.toLocalTime();
    if (local.date() == now.toLocalTime().date())
        return local.toString(QStringLiteral("HH:mm"));
    return local.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString BatchFormat::range(const QDateTime &earliest, const QDateTime &latest, const QDateTime &now)
{
    const QString from = clock(earliest, now);
    const QString to = clock(latest, now);
    if (from == to)
        return from;
    // The second time drops the date when both are on the same day.
    const bool sameDay = earliest.toLocalTime().date() == latest.toLocalTime().date();
    return from + QChar(0x2013) +
        (sameDay ? latest.toLocalTime().toString(QStringLiteral("HH:mm")) : to);
}

QString BatchFormat::eta(const BatchSummary &batch, const QDateTime &now)
{
    if (batch.counts.done()) {
        if (batch.finishedAt.isValid())
            return tr("done %1").arg(clock(batch.finishedAt, now));
        return tr("done");
    }
    if (batch.eta && batch.eta->aheadAtLeast)
        return tr("after %1").arg(clock(batch.eta->earliest, now));
    if (batch.eta)
        return range(batch.eta->earliest, batch.eta->latest, now);
    if (batch.etaWhy.isEmpty())
        return tr("unknown");
    return tr("unknown: %1").arg(batch.etaWhy);
}

QString BatchFormat::counts(const BatchCounts &c)
{
    const QLocale locale;
    QStringList parts;
    parts << tr("%1 of %2 processed").arg(locale.toString(c.processed), locale.toString(c.total));
    if (c.processing > 0)
        parts << tr("%1 processing").arg(locale.toString(c.processing));
    if (c.waiting > 0) {
        parts << (c.waitingHigh > 0 && c.waitingHigh < c.waiting
                ? tr("%1 waiting (%2 high)")
                      .arg(locale.toString(c.waiting), locale.toString(c.waitingHigh))
                : tr("%1 waiting").arg(locale.toString(c.waiting)));
    }
    if (c.paused > 0)
        parts << tr("%1 paused").arg(locale.toString(c.paused));
    if (c.failed > 0)
        parts << tr("%1 failed").arg(locale.toString(c.failed));
    if (c.gone > 0)
        parts << tr("%1 gone").arg(locale.toString(c.gone));
    if (c.notQueued > 0)
        parts << tr("%1 not queued").arg(locale.toString(c.notQueued));
    return estimateMark(c) + parts.join(QStringLiteral(" · "));
}

QString BatchFormat::estimateMark(const BatchCounts &c)
{
    return c.estimated ? QStringLiteral("\u2248 ") : QString();
}

QString BatchFormat::estimateNote(const BatchCounts &c)
{
    if (!c.estimated)
        return QString();
    return tr("Estimated from a sample of %1 items spread over the batch; exact counts decide "
              "when it is finished.")
        .arg(QLocale().toString(c.sampled));
}

QString BatchFormat::prediction(
    const BatchDetail::Prediction &p, const QDateTime &finished, const QDateTime &now)
{
    const QString predicted = tr("predicted %1 at %2%")
                                  .arg(range(p.earliest, p.latest, now))
                                  .arg(qRound(p.doneFraction * 100));
    if (!finished.isValid())
        return predicted;
    QString verdict;
    if (finished >= p.earliest && finished <= p.latest) {
        verdict = tr("within range");
    } else {
        const QDateTime edge = finished < p.earliest ? p.earliest : p.latest;
        const qint64 minutes = qMax<qint64>(1, (qAbs(edge.secsTo(finished)) + 59) / 60);
        verdict = finished < p.earliest ? tr("%n min early", nullptr, int(minutes))
                                        : tr("%n min late", nullptr, int(minutes));
    }
    return tr("%1, finished %2: %3").arg(predicted, clock(finished, now), verdict);
}

QString BatchFormat::batchCount(qint64 total, bool capped)
{
    if (capped)
        return tr("Batches: %1+ (counted up to %1)").arg(QLocale().toString(total));
    return tr("Batches: %1").arg(QLocale().toString(total));
}

QString BatchFormat::finishedTitle(const QString &name)
{
    return tr("Batch finished: %1").arg(name);
}

QString BatchFormat::finishedBody(const BatchCounts &c)
{
    const QLocale locale;
    if (c.failed == 0 && c.gone == 0)
        return tr("All %1 profiles processed.").arg(locale.toString(c.total));
    QString text =
        tr("%1 of %2 processed, %3 failed.")
            .arg(locale.toString(c.processed), locale.toString(c.total), locale.toString(c.failed));
    if (c.gone > 0)
        text += QLatin1Char(' ') + tr("%1 removed from the queue.").arg(locale.toString(c.gone));
    return text;
}

QString BatchFormat::actionQuestion(BatchAction action, int eligible)
{
    switch (action) {
    case BatchAction::RetryFailed:
        return tr("Retry the failed items of this batch: %n row(s) go back to the "
                  "queue as pending.",
            nullptr, eligible);
    case BatchAction::RaiseWaiting:
        return tr("Raise the waiting items of this batch to HIGH priority: %n row(s).", nullptr,
            eligible);
    case BatchAction::PauseRest:
        return tr("Pause the waiting items of this batch: %n row(s); workers leave them alone.",
            nullptr, eligible);
    case BatchAction::ResumeRest:
        return tr("Resume the paused items of this batch: %n row(s) go back to pending.", nullptr,
            eligible);
    }
    return QString();
}

} // namespace ViralSpot::Ui
