#include "translations.h"

#include "logging.h"
#include "version.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

#include <cstring>

namespace ViralSpot::Translations {

namespace {

// Free helpers named tr() (`QString tr(const char *t) { return translate("Database", t); }`)
// call QCoreApplication::translate with a bare context, but lupdate files their texts under the
// enclosing namespace ("ViralSpot::Database" for a helper in namespace ViralSpot::Database,
// "ViralSpot::Ui" for one inside a function of namespace ViralSpot::Ui). A miss on the bare
// context is retried with those spellings, so the texts are found whichever one the .ts holds.
class NamespaceAwareTranslator final : public QTranslator
{
public:
    using QTranslator::QTranslator;

    QString translate(const char *context, const char *sourceText,
        const char *disambiguation = nullptr, int n = -1) const override
    {
        QString translation = QTranslator::translate(context, sourceText, disambiguation, n);
        if (!translation.isNull() || !context || std::strncmp(context, "ViralSpot", 9) == 0)
            return translation;
        static const char *const Namespaces[] = { "ViralSpot", "ViralSpot::Ui", "ViralSpot::Http" };
        for (const char *space : Namespaces) {
            const QByteArray qualified = QByteArray(space) + "::" + context;
            translation =
                QTranslator::translate(qualified.constData(), sourceText, disambiguation, n);
            if (!translation.isNull())
                return translation;
        }
        for (const char *space : Namespaces) {
            translation = QTranslator::translate(space, sourceText, disambiguation, n);
            if (!translation.isNull())
                return translation;
        }
        return translation;
    }
};

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
    if (!installTranslator(new NamespaceAwareTranslator(&app), locale,
            QStringLiteral(VIRALSPOT_APP_NAME), folder)) {
        qCDebug(lcCore) << "no translation for" << locale.uiLanguages() << "in" << folder;
    }
}

} // namespace ViralSpot::Translations
