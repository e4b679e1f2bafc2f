#pragma once

#include "core/batches/batches.h"
#include "core/databaseclient.h"

#include <QObject>

#include <memory>

namespace ViralSpot::Ui {

// Finds this person's batches that finished and claims their notification, exactly once over
// every window and process sharing the database (Batches::claimFinishedNotification), on the
// queue tabs' shared database thread. Widget-free: the window turns a claim into a desktop
// notification (DesktopNotifier). Only batches submitted by this OS user are read and claimed
// (Batches::unnotifiedFinished filters by submitter): a colleague's window, or the terminal of
// the one who submitted it, tells them. Before the schema has the batch tables (a new
// database the window has not migrated yet) a check finds nothing and says nothing.
class BatchFinishWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BatchFinishWatcher)

public:
    struct Finished
    {
        QString id;
        QString name;
        ViralSpot::BatchCounts counts;
    };

    BatchFinishWatcher(
        std::shared_ptr<DatabaseThread> database, const QString &osUser, QObject *parent = nullptr);

    // Notifications off (the setting): finished batches are still claimed, so turning them on
    // again does not bring back a pile of old ones, but none is announced.
    void setAnnounce(bool announce) { m_announce = announce; }
    bool announces() const { return m_announce; }
    bool isChecking() const { return m_worker->isBusy(); }
    // The schema was seen at the batches step or later (not read again after that).
    bool schemaReady() const { return m_schemaReady; }

public Q_SLOTS:
    // One look. Checks never overlap: asked while one runs, it looks once more after it.
    void check();

Q_SIGNALS:
    // Once per finished batch of this user with its notification on.
    void batchFinished(const ViralSpot::Ui::BatchFinishWatcher::Finished &batch);
    void checked();

private:
    DatabaseClient *m_worker;
    QString m_osUser;
    bool m_announce = true;
    bool m_schemaReady = false;
    bool m_checkAgain = false; // asked while a check was on its way
};

} // namespace ViralSpot::Ui
