#include "ui/bulkeditor.h"

#include "core/sqlitefileguard.h"
#include "ui/uilogging.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QKeyEvent>
#include <QMimeData>
#include <QTextBlock>
#include <QTextDocument>
#include <QTimer>
#include <QUrl>

namespace ViralSpot::Ui {

BulkEditor::BulkEditor(QWidget *parent)
    : QPlainTextEdit(parent)
{
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setAcceptDrops(true);
    setTabChangesFocus(true);
    connect(document(), &QTextDocument::contentsChanged, this, [this] {
        if (isReading())
            m_readInterrupted = true;
    });
}

void BulkEditor::readText(std::function<void(const QString &text)> done)
{
    if (isReading())
        finishReading();
    m_readDone = std::move(done);
    m_read.clear();
    m_read.reserve(document()->characterCount());
    m_readBlock = 0;
    m_readInterrupted = false;
    QTimer::singleShot(0, this, &BulkEditor::readNextSlice);
}

void BulkEditor::readNextSlice()
{
    if (!isReading())
        return;
    if (m_readInterrupted) {
        finishReading();
        return;
    }
    QElapsedTimer clock;
    clock.start();
    QTextBlock block = document()->findBlockByNumber(m_readBlock);
    for (int n = 1; block.isValid(); block = block.next(), ++n) {
        const qsizetype from = m_read.size();
        if (m_readBlock > 0)
            m_read += QLatin1Char('\n');
        m_read += block.text();
        ++m_readBlock;
        // As QTextDocument::toPlainText(): line separators become line ends, no-break spaces
        // plain ones.
        for (auto it = m_read.begin() + from, end = m_read.end(); it != end; ++it) {
            if (*it == QChar::LineSeparator || *it == QChar::ParagraphSeparator ||
                it->unicode() == 0xfdd0 || it->unicode() == 0xfdd1)
                *it = QLatin1Char('\n');
            else if (*it == QChar::Nbsp)
                *it = QLatin1Char(' ');
        }
        if (n % 256 == 0 && clock.elapsed() >= ReadSliceMs) {
            block = block.next();
            break;
        }
    }
    if (block.isValid()) {
        QTimer::singleShot(0, this, &BulkEditor::readNextSlice);
        return;
    }
    finishReading();
}

void BulkEditor::finishReading()
{
    const std::function<void(const QString &)> done = std::move(m_readDone);
    m_readDone = nullptr;
    const QString text = std::move(m_read);
    m_read = QString();
    m_readBlock = 0;
    done(text);
}

bool BulkEditor::isImportableFile(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QLatin1String("txt") || suffix == QLatin1String("csv");
}

QStringList BulkEditor::importableFiles(const QMimeData *source)
{
    QStringList files;
    if (!source || !source->hasUrls())
        return files;
    const QList<QUrl> urls = source->urls();
    for (const QUrl &url : urls) {
        if (url.isLocalFile() && isImportableFile(url.toLocalFile()) &&
            !SqliteFileGuard::isDatabaseFile(url.toLocalFile()))
            files.append(url.toLocalFile());
    }
    return files;
}

QStringList BulkEditor::databaseFiles(const QMimeData *source)
{
    QStringList files;
    if (!source || !source->hasUrls())
        return files;
    const QList<QUrl> urls = source->urls();
    for (const QUrl &url : urls) {
        if (url.isLocalFile() && SqliteFileGuard::isDatabaseFile(url.toLocalFile()))
            files.append(url.toLocalFile());
    }
    return files;
}

bool BulkEditor::refuseDatabaseFiles(const QMimeData *source)
{
    // Reading them would release the database's locks (SqliteFileGuard): say so instead.
    const QStringList files = databaseFiles(source);
    if (files.isEmpty())
        return false;
    Q_EMIT dropRefused(SqliteFileGuard::refusedFileMessage(files.constFirst()));
    return true;
}

void BulkEditor::setBulkText(const QString &text)
{
    m_pending.clear();
    m_pendingPos = 0;
    clear();
    insertBulkText(text);
}

void BulkEditor::clearText()
{
    if (isInserting()) {
        setBulkText(QString()); // the part inserted so far goes with the rest
        setReadOnly(false);
        return;
    }
    QTextCursor cursor(document());
    cursor.select(QTextCursor::Document);
    cursor.removeSelectedText();
}

void BulkEditor::insertBulkText(const QString &text)
{
    if (text.isEmpty())
        return;
    if (text.size() <= SliceChars && !isInserting()) {
        textCursor().insertText(text);
        return;
    }
    if (isInserting()) {
        m_pending += text; // appended after what is still being inserted
        return;
    }
    m_pending = text;
    m_pendingPos = 0;
    m_insertCursor = textCursor();
    setReadOnly(true); // typing in the middle of an insertion would interleave the two
    Q_EMIT insertionStarted();
    insertNextSlice();
}

void BulkEditor::insertNextSlice()
{
    if (!isInserting())
        return;
    qsizetype end = qMin(m_pending.size(), m_pendingPos + SliceChars);
    if (end < m_pending.size()) {
        // Break after a line end when there is one in the slice, so lines stay whole.
        const qsizetype newline = m_pending.lastIndexOf(QLatin1Char('\n'), end - 1);
        if (newline >= m_pendingPos)
            end = newline + 1;
    }
    QElapsedTimer clock;
    clock.start();
    m_insertCursor.insertText(m_pending.mid(m_pendingPos, end - m_pendingPos));
    qCDebug(lcUi) << "inserted a slice in" << clock.elapsed() << "ms";
    m_pendingPos = end;
    if (isInserting()) {
        QTimer::singleShot(0, this, &BulkEditor::insertNextSlice);
        return;
    }
    m_pending.clear();
    m_pendingPos = 0;
    setTextCursor(m_insertCursor);
    setReadOnly(false);
    Q_EMIT insertionFinished();
}

void BulkEditor::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Tab && event->modifiers() == Qt::ControlModifier && !isReadOnly()) {
        insertPlainText(QStringLiteral("\t"));
        event->accept();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

bool BulkEditor::canInsertFromMimeData(const QMimeData *source) const
{
    return !importableFiles(source).isEmpty() || !databaseFiles(source).isEmpty() ||
        QPlainTextEdit::canInsertFromMimeData(source);
}

void BulkEditor::insertFromMimeData(const QMimeData *source)
{
    if (refuseDatabaseFiles(source))
        return;
    const QStringList files = importableFiles(source);
    if (!files.isEmpty()) {
        Q_EMIT filesDropped(files);
        return;
    }
    if (source && source->hasText())
        insertBulkText(source->text());
}

void BulkEditor::dragEnterEvent(QDragEnterEvent *event)
{
    // Database files are accepted here only to be refused with a message at the drop.
    if (!importableFiles(event->mimeData()).isEmpty() ||
        !databaseFiles(event->mimeData()).isEmpty()) {
        event->acceptProposedAction();
        return;
    }
    QPlainTextEdit::dragEnterEvent(event);
}

void BulkEditor::dropEvent(QDropEvent *event)
{
    if (refuseDatabaseFiles(event->mimeData())) {
        event->acceptProposedAction();
        return;
    }
    const QStringList files = importableFiles(event->mimeData());
    if (!files.isEmpty()) {
        event->acceptProposedAction();
        Q_EMIT filesDropped(files);
        return;
    }
    QPlainTextEdit::dropEvent(event);
}

} // namespace ViralSpot::Ui
