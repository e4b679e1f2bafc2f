#pragma once

#include <QFileDialog>
#include <QFileIconProvider>

namespace ViralSpot::Ui {

// Icons and type names from the file name alone. Qt's own provider asks QMimeDatabase with
// MatchDefault, which opens and reads the first bytes of every file whose extension it does
// not know, among them the database's -wal and -shm files. Closing that descriptor drops all
// of this process's POSIX locks on the file, and SQLite's locking with them
// (SqliteFileGuard explains what follows).
class ContentFreeIconProvider final : public QFileIconProvider
{
public:
    ContentFreeIconProvider() = default;
    Q_DISABLE_COPY_MOVE(ContentFreeIconProvider)

    using QFileIconProvider::icon;
    QIcon icon(const QFileInfo &info) const override;
    QString type(const QFileInfo &info) const override;

    // One for the process: the file system model's thread may still ask it while a dialog
    // is being destroyed, so it is never deleted.
    static ContentFreeIconProvider *instance();
};

// The only way this program asks for a file name: a Qt widget dialog (never the platform's:
// an in-process GTK dialog sniffs file contents too) whose model never reads a file, and
// that refuses the files of the database this process has open. Use it instead of
// QFileDialog's static functions everywhere.
class FileDialog final : public QFileDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FileDialog)

public:
    enum class Mode
    {
        Open,
        Save
    };

    FileDialog(QWidget *parent, Mode mode, const QString &caption, const QString &directory = {},
        const QString &filter = {});

    // Modal; empty when cancelled.
    static QString openFileName(QWidget *parent, const QString &caption,
        const QString &directory = {}, const QString &filter = {});
    static QString saveFileName(QWidget *parent, const QString &caption,
        const QString &directory = {}, const QString &filter = {}, QFileDialog::Options extra = {});

    // Test seam: the next openFileName() or saveFileName() returns `fileName` at once, without
    // a dialog (an empty name: as if cancelled). One call only.
    static void setNextFileName(const QString &fileName);

    // The Database dialog's picker names the database itself (for SQLite, never to read it).
    void setRefuseDatabaseFiles(bool refuse) { m_refuseDatabaseFiles = refuse; }

public Q_SLOTS:
    void accept() override;

private:
    bool m_refuseDatabaseFiles = true;
};

} // namespace ViralSpot::Ui
