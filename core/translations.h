#pragma once

class QCoreApplication;
class QLocale;
class QString;

namespace ViralSpot::Translations {

// Resource folder the executable embeds its compiled translations (.qm) under; must match
// RESOURCE_PREFIX in cmake/ViralSpotTranslations.cmake.
inline constexpr char ResourceFolder[] = ":/i18n";

// Installs, for the system locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), the application's
// translation embedded in the executable and Qt's own qtbase translation when the system has it
// (Debian: qt6-translations-l10n). Missing translations are not an error: the texts stay English.
// Call right after the application object exists, before any text is shown.
void install(QCoreApplication &app);

// The same for a given locale, loading the application's translation from `folder` (a resource
// or file-system folder holding viralspot-admin_<lang>.qm). For tests and a language setting.
void install(QCoreApplication &app, const QLocale &locale, const QString &folder);

} // namespace ViralSpot::Translations
