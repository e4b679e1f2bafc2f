#include "ui/elidinglabel.h"

#include <QEvent>

namespace ViralSpot::Ui {

namespace {
// Wide enough for a short outcome and name without eliding; a hint, not a minimum.
constexpr int PreferredChars = 40;
} // namespace

ElidingLabel::ElidingLabel(QWidget *parent)
    : QLabel(parent)
{
    setTextFormat(Qt::PlainText);
    setWordWrap(false);
}

void ElidingLabel::setFullText(const QString &text)
{
    if (text == m_fullText && !text.isEmpty())
        return;
    m_fullText = text;
    updateShownText();
}

void ElidingLabel::setElideMode(Qt::TextElideMode mode)
{
    m_mode = mode;
    updateShownText();
}

QSize ElidingLabel::minimumSizeHint() const
{
    // The height of one line; no width: the text is elided to whatever width there is.
    const QMargins m = contentsMargins();
    return QSize(fontMetrics().horizontalAdvance(QStringLiteral("…")) + m.left() + m.right(),
        fontMetrics().height() + m.top() + m.bottom());
}

QSize ElidingLabel::sizeHint() const
{
    const QMargins m = contentsMargins();
    const int full = fontMetrics().horizontalAdvance(m_fullText);
    const int width = qMin(full, fontMetrics().averageCharWidth() * PreferredChars);
    return QSize(width + m.left() + m.right(), fontMetrics().height() + m.top() + m.bottom());
}

void ElidingLabel::resizeEvent(QResizeEvent *event)
{
    QLabel::resizeEvent(event);
    updateShownText();
}

void ElidingLabel::changeEvent(QEvent *event)
{
    QLabel::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        updateShownText();
}

void ElidingLabel::updateShownText()
{
    const QString shown =
        fontMetrics().elidedText(m_fullText, m_mode, qMax(0, contentsRect().width()));
    QLabel::setText(shown);
    setToolTip(shown == m_fullText ? QString() : m_fullText);
}

} // namespace ViralSpot::Ui
