#pragma once

class QApplication;

namespace ViralSpot::Ui {

// Opens the main window: reads --database URL and --read-only from app.arguments() (else the
// configured database), shows the window and runs the event loop.
int runMainWindow(QApplication &app);

} // namespace ViralSpot::Ui
