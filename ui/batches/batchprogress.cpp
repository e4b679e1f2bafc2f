#include "ui/batches/batchprogress.h"

#include "ui/batches/batchformat.h"
#include "ui/palette/statuspalette.h"

#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QStyle>

namespace ViralSpot::Ui {

namespace BatchProgress {

QList<Segment> segments(const BatchCounts &c)
{
    using StatusPalette::queueStatus;
    return {
        { c.processed, queueStatus(u"COMPLETED"), Batches::itemStateLabel(ItemState::Processed) },
        { c.processing, queueStatus(u"PROCESSING"),
            Batches::itemStateLabel(ItemState::Processing) },
        { c.waiting, queueStatus(u"PENDING"), Batches::itemStateLabel(ItemState::Waiting) },
        { c.paused, queueStatus(u"PAUSED"), Batches::itemStateLabel(ItemState::Paused) },
        { c.failed, queueStatus(u"FAILED"), Batches::itemStateLabel(ItemState::Failed) },
        { c.gone, StatusPalette::other(), Batches::itemStateLabel(ItemState::Gone) },
    };
}

void paint(QPainter *painter, const QRect &rect, const BatchCounts &counts, const QPalette &palette)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, true);
    const QRectF bar = QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5);
    QPainterPath clip;
    clip.addRoundedRect(bar, 3, 3);
    painter->setClipPath(clip);
    painter->fillRect(bar, palette.color(QPalette::Base).darker(108));
    if (counts.total > 0) {
        qreal x = bar.left();
        for (const Segment &s : segments(counts)) {
            if (s.count <= 0)
                continue;
            const qreal w = bar.width() * s.count / counts.total;
            painter->fillRect(QRectF(x, bar.top(), w, bar.height()), s.color);
            x += w;
        }
    }
    painter->setClipping(false);
    painter->setPen(palette.color(QPalette::Mid));
    painter->setBrush(Qt::NoBrush);
    painter->drawRoundedRect(bar, 3, 3);
    // The figures over the bar, legible on every segment colour (dark text with a light halo).
    const QString text = BatchFormat::estimateMark(counts) +
        QStringLiteral("%1 / %2").arg(
            QLocale().toString(counts.finished()), QLocale().toString(counts.total));
    QFont font = painter->font();
    font.setPointSizeF(font.pointSizeF() * 0.9);
    painter->setFont(font);
    QPainterPath path;
    const QFontMetricsF fm(font);
    const QPointF at(bar.center().x() - fm.horizontalAdvance(text) / 2,
        bar.center().y() + (fm.ascent() - fm.descent()) / 2);
    path.addText(at, font, text);
    painter->setPen(QPen(QColor(255, 255, 255, 200), 3));
    painter->drawPath(path);
    painter->setPen(Qt::NoPen);
    painter->setBrush(QColor(0x20, 0x20, 0x20));
    painter->drawPath(path);
    painter->restore();
}

QString toolTip(const BatchCounts &counts)
{
    QStringList parts;
    for (const Segment &s : segments(counts)) {
        if (s.count > 0)
            parts << QStringLiteral("%1 %2").arg(s.label, QLocale().toString(s.count));
    }
    const QString text =
        BatchProgressDelegate::tr("%1 — of %2")
            .arg(parts.join(QStringLiteral(" · ")), QLocale().toString(counts.total));
    if (!counts.estimated)
        return text;
    return BatchFormat::estimateMark(counts) + text + QLatin1Char('\n') +
        BatchFormat::estimateNote(counts);
}

} // namespace BatchProgress

BatchProgressDelegate::BatchProgressDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{ }

void BatchProgressDelegate::paint(
    QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QVariant value = index.data(CountsRole);
    if (!value.canConvert<BatchCounts>()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    QStyle *style = opt.widget ? opt.widget->style() : nullptr;
    if (style)
        style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
    const QRect bar = option.rect.adjusted(4, 3, -4, -3);
    BatchProgress::paint(painter, bar, value.value<BatchCounts>(), option.palette);
}

QSize BatchProgressDelegate::sizeHint(
    const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(qMax(size.width(), 180));
    return size;
}

BatchProgressBar::BatchProgressBar(QWidget *parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void BatchProgressBar::setCounts(const BatchCounts &counts)
{
    m_counts = counts;
    setToolTip(BatchProgress::toolTip(counts));
    update();
}

QSize BatchProgressBar::sizeHint() const
{
    return { 240, fontMetrics().height() + 10 };
}

void BatchProgressBar::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    BatchProgress::paint(&painter, rect(), m_counts, palette());
}

} // namespace ViralSpot::Ui
