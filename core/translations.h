#pragma once

class QCoreApplication;

namespace ViralSpot::Translations {

// Resource folder the executable embeds its compiled translations (.qm) under; must match
// RESOURCE_PREFIX in cmake/ViralSpotTranslations.cmake.
inline constexpr char ResourceFolder[] = ":/i18n";

// Installs, for the system locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), the application's
// translation embedded in the executable and Qt's own qtbase translation when the system has it
// (Debian: qt6-translations-l10n). Missing translations are not an error: the texts stay English.
// Call right after the application object exists, before any text is shown.
void install(QCoreApplication &app);

} // namespace ViralSpot::Translations
