#pragma once

#include <QComboBox>

namespace ViralSpot::Ui {

class Settings;

// The editable "Source" box of both request pages: the recent sources, then the common ones,
// showing the last one used; any other valid source can be typed.
class SourceCombo final : public QComboBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SourceCombo)

public:
    SourceCombo(const Settings &settings, QWidget *parent = nullptr);

    // The source typed or picked; the default ("frontend") when empty.
    QString source() const;
    // Offers `source` at the top (once it was used).
    void addRecent(const QString &source);
};

} // namespace ViralSpot::Ui
