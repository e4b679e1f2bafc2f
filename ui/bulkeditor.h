#pragma once

#include <QPlainTextEdit>
#include <QStringList>
#include <QTextCursor>

#include <functional>

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

    // The whole text as toPlainText() gives it, read a slice of lines per event-loop turn
    // (at most ReadSliceMs each: toPlainText() of 100,000 lines held the GUI thread 28-80 ms)
    // and handed to `done`, on a later turn. A change of the text meanwhile ends the read
    // early: `done` then gets what was read so far, which the caller, who is told of the
    // change, no longer wants. A second read ends a first one the same way.
    static constexpr int ReadSliceMs = 8;
    void readText(std::function<void(const QString &text)> done);
    bool isReading() const { return bool(m_readDone); }

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
    void readNextSlice();
    void finishReading();
    static QStringList importableFiles(const QMimeData *source);
    static QStringList databaseFiles(const QMimeData *source);
    // Emits dropRefused() when `source` holds a database file.
    bool refuseDatabaseFiles(const QMimeData *source);

    QString m_pending;
    qsizetype m_pendingPos = 0;
    QTextCursor m_insertCursor;

    std::function<void(const QString &)> m_readDone; // set while a read is under way
    QString m_read;
    int m_readBlock = 0; // the next block to read
    bool m_readInterrupted = false; // the text changed since the read began
};

} // namespace ViralSpot::Ui
