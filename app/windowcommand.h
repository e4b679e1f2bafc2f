#pragma once

#include "ui/mainwindow.h"

#include <QStringList>

class QApplication;

namespace ViralSpot::WindowCommand {

// The window's options from its command line: --database URL (else $VIRALSPOT_DATABASE_URL,
// else empty: the database configured in the window's settings) and read-only from
// --read-only, VIRALSPOT_READ_ONLY=1 or `readOnlySetting` (general/readOnly in the settings
// file, for machines of people who only watch). Unknown options are the platform's (-platform,
// -style): they are left alone, never an error.
Ui::MainWindowOptions options(const QStringList &arguments, bool readOnlySetting);

// Opens the main window with options(app.arguments(), the settings file's read-only), shows it
// and runs the event loop.
int run(QApplication &app);

} // namespace ViralSpot::WindowCommand
