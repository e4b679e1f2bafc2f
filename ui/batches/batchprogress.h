#pragma once

#include "core/batches/batches.h"

#include <QStyledItemDelegate>
#include <QWidget>

namespace ViralSpot::Ui {

// A batch's progress as one bar of segments, in the queue status colours (ui/palette):
// processed (as COMPLETED), processing, waiting (as PENDING), paused, failed, gone; the rest
// of the bar is what was not followed. Drawn by the Batches tab's delegate and a batch's page.
namespace BatchProgress {

struct Segment
{
    int count = 0;
    QColor color;
    QString label; // translated state name
};
// In drawing order, zero counts included.
QList<Segment> segments(const ViralSpot::BatchCounts &counts);
void paint(QPainter *painter, const QRect &rect, const ViralSpot::BatchCounts &counts,
    const QPalette &palette);
// "done 12 · processing 3 · waiting 20 · failed 5 of 40" (the bar's tooltip).
QString toolTip(const ViralSpot::BatchCounts &counts);

} // namespace BatchProgress

// The Batches tab's progress column: the model's CountsRole (a BatchCounts) painted as bars.
class BatchProgressDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BatchProgressDelegate)

public:
    static constexpr int CountsRole = Qt::UserRole + 10;

    explicit BatchProgressDelegate(QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
        const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

// The same bar as a widget (a batch's page).
class BatchProgressBar final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BatchProgressBar)

public:
    explicit BatchProgressBar(QWidget *parent = nullptr);
    void setCounts(const ViralSpot::BatchCounts &counts);
    const ViralSpot::BatchCounts &counts() const { return m_counts; }
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    ViralSpot::BatchCounts m_counts;
};

} // namespace ViralSpot::Ui

Q_DECLARE_METATYPE(ViralSpot::BatchCounts)
