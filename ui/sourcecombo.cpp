#include "ui/sourcecombo.h"

#include "core/username.h"
#include "ui/settings.h"

namespace ViralSpot::Ui {

namespace {

// The sources staff pick most; any other valid source can be typed.
const QStringList CommonSources = { QStringLiteral("frontend"), QStringLiteral("admin"),
    QStringLiteral("manual"), QStringLiteral("import"), QStringLiteral("campaign") };

} // namespace

SourceCombo::SourceCombo(const Settings &settings, QWidget *parent)
    : QComboBox(parent)
{
    setEditable(true);
    setInsertPolicy(QComboBox::NoInsert);
    QStringList items = settings.recentSources();
    for (const QString &s : CommonSources) {
        if (!items.contains(s))
            items.append(s);
    }
    addItems(items);
    setCurrentText(settings.source());
}

QString SourceCombo::source() const
{
    const QString s = currentText().trimmed();
    return s.isEmpty() ? Username::DefaultSource.toString() : s;
}

void SourceCombo::addRecent(const QString &source)
{
    if (findText(source) < 0)
        insertItem(0, source);
}

} // namespace ViralSpot::Ui
