#include "core/translations.h"

#include "core/logging.h"
#include "core/version.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace ViralSpot::Translations {

namespace {

// Loads `<name>_<language>.qm` from `folder` into `translator` (owned by the application) for the
// locale's UI languages and installs it. Returns whether one was found; else deletes the
// translator.
bool installTranslator(
    QTranslator *translator, const QLocale &locale, const QString &name, const QString &folder)
{
    if (!translator->load(locale, name, QStringLiteral("_"), folder) ||
        !QCoreApplication::installTranslator(translator)) {
        delete translator;
        return false;
    }
    qCDebug(lcCore) << "translation installed:" << translator->filePath();
    return true;
}

} // namespace

void install(QCoreApplication &app)
{
    install(app, QLocale::system(), QLatin1String(ResourceFolder));
}

void install(QCoreApplication &app, const QLocale &locale, const QString &folder)
{
    installTranslator(new QTranslator(&app), locale, QStringLiteral("qtbase"),
        QLibraryInfo::path(QLibraryInfo::TranslationsPath));
    if (!installTranslator(
            new QTranslator(&app), locale, QStringLiteral(VIRALSPOT_APP_NAME), folder)) {
        qCDebug(lcCore) << "no translation for" << locale.uiLanguages() << "in" << folder;
    }
}

} // namespace ViralSpot::Translations
