#include "ui/palette/statuspalette.h"

#include <QLabel>
#include <QPalette>

namespace ViralSpot::Ui::StatusPalette {

namespace {

const QColor Green(0x2e, 0x9d, 0x4f);
const QColor Blue(0x3b, 0x82, 0xd6);
const QColor Amber(0xb8, 0x82, 0x0f);
const QColor Red(0xd6, 0x45, 0x45);
const QColor Violet(0x8e, 0x63, 0xce);
const QColor Grey(0x88, 0x88, 0x88);

} // namespace

QColor outcome(QStringView stateName)
{
    if (stateName == u"queued" || stateName == u"valid")
        return Green;
    if (stateName == u"already_processed" || stateName == u"already_queued")
        return Blue;
    if (stateName == u"duplicate_in_batch")
        return Amber;
    if (stateName == u"invalid" || stateName == u"error")
        return Red;
    return Grey;
}

QColor queueStatus(QStringView status)
{
    if (status == u"PENDING")
        return Green;
    if (status == u"PROCESSING")
        return Violet;
    if (status == u"COMPLETED")
        return Blue;
    if (status == u"FAILED")
        return Red;
    if (status == u"PAUSED")
        return Amber;
    return Grey;
}

QColor series(int index)
{
    // None of the status colours: the pie beside the chart is always by status, and a source
    // drawn in "failed" red would read as failures.
    static const QColor Colors[] = { QColor(0x1f, 0x9a, 0x9a), QColor(0xc2, 0x5a, 0x9c),
        QColor(0x8c, 0x6d, 0x46), QColor(0x5a, 0x6f, 0x9c), QColor(0x7d, 0x8f, 0x2a),
        QColor(0xd9, 0x73, 0x1a) };
    constexpr int Count = int(sizeof(Colors) / sizeof(Colors[0]));
    return Colors[((index % Count) + Count) % Count];
}

QColor other()
{
    return Grey;
}

void setTextColor(QLabel *label, const QColor &color)
{
    QPalette pal = label->palette();
    pal.setColor(QPalette::WindowText, color);
    label->setPalette(pal);
}

} // namespace ViralSpot::Ui::StatusPalette
