#pragma once

#include "core/databaseconfig.h"
#include "core/databasethread.h"

#include <QList>
#include <QPair>
#include <QString>

#include <memory>

class QWidget;

namespace ViralSpot::Ui {

// The database thread of the queue browser's views: one connection, named after the views,
// with a small SQLite page cache (browsing reads through the OS cache; the request path's
// 64 MiB cache is for big batches).
std::shared_ptr<DatabaseThread> createQueueDatabaseThread(const DatabaseConfig &config);

// The queue browser's tabs for the main window, in order: Queue, Profile, Overview, Audit
// (titles translated). They share one database thread and connection, which ends with the
// last of them; with readOnly nothing in them can write (actions and requests are disabled
// and refused). The widgets are children of `parent`.
QList<QPair<QString, QWidget *>> createQueueTabs(
    const DatabaseConfig &config, bool readOnly, QWidget *parent);
// The same on a thread made by the caller (createQueueDatabaseThread()), shared with more views
// (the window's Batches tab).
QList<QPair<QString, QWidget *>> createQueueTabs(
    std::shared_ptr<DatabaseThread> database, bool readOnly, QWidget *parent);

} // namespace ViralSpot::Ui
