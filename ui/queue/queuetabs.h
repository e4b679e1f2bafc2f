#pragma once

#include "databaseconfig.h"

#include <QList>
#include <QPair>
#include <QString>

class QWidget;

namespace ViralSpot::Ui {

// The queue browser's tabs for the main window, in order: Queue, Profile, Overview, Audit
// (titles translated). Each widget works on its own worker thread and connection; with
// readOnly nothing in them can write (actions and requests are disabled and refused).
// The widgets are children of `parent`.
QList<QPair<QString, QWidget *>> createQueueTabs(
    const DatabaseConfig &config, bool readOnly, QWidget *parent);

} // namespace ViralSpot::Ui
