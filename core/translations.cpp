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

// lupdate files a free helper's tr() under its enclosing namespace ("ViralSpot::Database"),
// while such helpers call QCoreApplication::translate with the bare name ("Database"). A miss on
// the bare context is retried with the project's namespaces, so both spellings find the text.
class NamespaceAwareTranslator final : public QTranslator
{
public:
    using QTranslator::QTranslator;

    QString translate(const char *context, const char *sourceText,
        const char *disambiguation = nullptr, int n = -1) const override
    {
        QString translation = QTranslator::translate(context, sourceText, disambiguation, n);
        if (!translation.isNull() || !context || std::strncmp(context, "ViralSpot::", 11) == 0)
            return translation;
        for (const char *space : { "ViralSpot::", "ViralSpot::Ui::", "ViralSpot::Http::" }) {
            const QByteArray qualified = QByteArray(space) + context;
            translation =
                QTranslator::translate(qualified.constData(), sourceText, disambiguation, n);
            if (!translation.isNull())
                break;
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
    const QLocale locale = QLocale::system();
    installTranslator(new QTranslator(&app), locale, QStringLiteral("qtbase"),
        QLibraryInfo::path(QLibraryInfo::TranslationsPath));
    if (!installTranslator(new NamespaceAwareTranslator(&app), locale,
            QStringLiteral(VIRALSPOT_APP_NAME), QLatin1String(ResourceFolder))) {
        qCDebug(lcCore) << "no translation for" << locale.uiLanguages();
    }
}

} // namespace ViralSpot::Translations
