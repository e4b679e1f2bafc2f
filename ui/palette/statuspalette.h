#pragma once

#include <QColor>
#include <QList>
#include <QStringView>

class QLabel;

namespace ViralSpot::Ui::StatusPalette {

// One colour per meaning, used by every view: the outcome labels, the bulk results, the session
// history and the Overview charts. Mid-tone colours keep a contrast of at least 3:1 on light and
// dark window backgrounds (checked by tst_bulkresultmodel).
//
// An outcome or preview state by its machine name: "queued" and "valid" (green),
// "already_processed" and "already_queued" (blue), "duplicate_in_batch" (amber), "invalid" and
// "error" (red); anything else grey.
QColor outcome(QStringView stateName);

// A queue row's status, in the outcome colours of what led to it: PENDING is what "queued"
// makes (green), COMPLETED what "already processed" reports (blue), FAILED an error (red),
// PAUSED needs a person's attention like a duplicate (amber), PROCESSING violet; anything else
// grey.
QColor queueStatus(QStringView status);

// Series that are not statuses (the Overview split by source): distinct colours in a fixed
// order, none of them a status colour or the grey of "other".
QColor series(int index);

// The grey of "other" / unknown.
QColor other();

// Shows `label`'s text in `color` (its palette's WindowText).
void setTextColor(QLabel *label, const QColor &color);

} // namespace ViralSpot::Ui::StatusPalette
