#pragma once

#include <QLabel>

namespace ViralSpot::Ui {

// A one-line label whose text is shortened with "…" to the width it is given, the whole text
// in its tooltip. Its size hints do not grow with the text: a plain QLabel asks the layout for
// the width of its whole text, so one long username (300 characters) set the window's minimum
// width to 3,446 px and pushed its buttons off the screen.
class ElidingLabel final : public QLabel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ElidingLabel)

public:
    explicit ElidingLabel(QWidget *parent = nullptr);

    // Use these, not QLabel::setText(): the label shows an elided copy of this text.
    void setFullText(const QString &text);
    QString fullText() const { return m_fullText; }
    void setElideMode(Qt::TextElideMode mode);
    bool isElided() const { return text() != m_fullText; }

    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void updateShownText();

    QString m_fullText;
    Qt::TextElideMode m_mode = Qt::ElideMiddle;
};

} // namespace ViralSpot::Ui
