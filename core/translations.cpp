#include "translations.h"

#include "logging.h"
#include "version.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace ViralSpot::Translations {

namespace {

// Loads `<name>_<language>.qm` from `folder` for the locale's UI languages and installs it on
// `app`, which owns it from then on. Returns whether one was found.
bool installTranslator(
    QCoreApplication &app, const QLocale &locale, const QString &name, const QString &folder)
{
    auto *translator = new QTranslator(&app);
    if (!translator->load(locale, name, QStringLiteral("_"), folder)) {
        delete translator;
        return false;
    }
    if (!QCoreApplication::installTranslator(translator)) {
        delete translator;
        return false;
    }
    qCDebug(lcCore) << "translation installed:" << translator->filePath();
    return true;
}

} // namespace

void install(QCoreApplication &app)
{
    const QLocale locale = QLocale::system();
    installTranslator(
        app, locale, QStringLiteral("qtbase"), QLibraryInfo::path(QLibraryInfo::TranslationsPath));
    if (!installTranslator(
            app, locale, QStringLiteral(VIRALSPOT_APP_NAME), QLatin1String(ResourceFolder))) {
        qCDebug(lcCore) << "no translation for" << locale.uiLanguages();
    }
}

} // namespace ViralSpot::Translations
