#pragma once

#include <QPlainTextEdit>
#include <QStringList>
#include <QTextCursor>

namespace ViralSpot::Ui {

// The bulk tab's text area. Large pastes, drops and imports are inserted one slice per
// event-loop turn, so a 100,000-line paste never freezes the window; .txt/.csv files dropped
// on it are reported with filesDropped() for the window to load. A dropped file of the open
// database (or its -wal, -shm, -journal) is refused with dropRefused() and never read. Tab
// moves the focus on, like in any form (a typed tab changed the text and so marked the results
// as stale); Ctrl+Tab types a tab.
class BulkEditor final : public QPlainTextEdit
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BulkEditor)

public:
    // Characters inserted per event-loop turn.
    static constexpr int SliceChars = 32 * 1024;

    explicit BulkEditor(QWidget *parent = nullptr);

    // Replaces the whole text (import, tests); Undo cannot bring the old text back.
    void setBulkText(const QString &text);
    // Removes the whole text as one step Undo can take back; stops an insertion in progress.
    void clearText();
    // Inserts at the cursor like a paste.
    void insertBulkText(const QString &text);
    bool isInserting() const { return m_pendingPos < m_pending.size(); }

    static bool isImportableFile(const QString &path);

Q_SIGNALS:
    void filesDropped(const QStringList &paths);
    void dropRefused(const QString &message);
    void insertionStarted();
    void insertionFinished();

protected:
    bool canInsertFromMimeData(const QMimeData *source) const override;
    void insertFromMimeData(const QMimeData *source) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    void insertNextSlice();
    static QStringList importableFiles(const QMimeData *source);
    static QStringList databaseFiles(const QMimeData *source);
    // Emits dropRefused() when `source` holds a database file.
    bool refuseDatabaseFiles(const QMimeData *source);

    QString m_pending;
    qsizetype m_pendingPos = 0;
    QTextCursor m_insertCursor;
};

} // namespace ViralSpot::Ui
