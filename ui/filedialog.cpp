#include "ui/filedialog.h"

#include "core/sqlitefileguard.h"

#include <QDir>
#include <QMessageBox>
#include <QMimeDatabase>

#include <optional>
#include <utility>

namespace ViralSpot::Ui {

QIcon ContentFreeIconProvider::icon(const QFileInfo &info) const
{
    if (info.isRoot())
        return icon(Drive);
    if (info.isDir())
        return icon(Folder);
    // MatchExtension looks at the name only (and a stat()); the default would read the file.
    const QMimeType mime = QMimeDatabase().mimeTypeForFile(info, QMimeDatabase::MatchExtension);
    return QIcon::fromTheme(mime.iconName(), icon(File));
}

QString ContentFreeIconProvider::type(const QFileInfo &info) const
{
    if (info.isRoot())
        return QFileDialog::tr("Drive");
    if (info.isDir())
        return QFileDialog::tr("Folder");
    const QMimeType mime = QMimeDatabase().mimeTypeForFile(info, QMimeDatabase::MatchExtension);
    return mime.comment().isEmpty() ? mime.name() : mime.comment();
}

ContentFreeIconProvider *ContentFreeIconProvider::instance()
{
    static ContentFreeIconProvider *const provider = new ContentFreeIconProvider;
    return provider;
}

namespace {

// Where a dialog opened without a folder starts: the folder of the last accepted one.
QString &lastDirectory()
{
    static QString directory = QDir::currentPath();
    return directory;
}

// The test seam's answer for the next static call (GUI thread only).
std::optional<QString> &nextFileName()
{
    static std::optional<QString> name;
    return name;
}

// Takes the seam's answer, if one is set.
std::optional<QString> takeNextFileName()
{
    return std::exchange(nextFileName(), std::nullopt);
}

} // namespace

void FileDialog::setNextFileName(const QString &fileName)
{
    nextFileName() = fileName;
}

// Built on the root folder: QFileDialog lists its first folder and selects its first file with
// Qt's own icon provider, before this one can be set; "/" holds no database.
FileDialog::FileDialog(QWidget *parent, Mode mode, const QString &caption, const QString &directory,
    const QString &filter)
    : QFileDialog(parent, caption, QDir::rootPath(), filter)
{
    setObjectName(QStringLiteral("fileDialog"));
    setOption(QFileDialog::DontUseNativeDialog);
    // .directory files of subfolders are read for their icons otherwise.
    setOption(QFileDialog::DontUseCustomDirectoryIcons);
    setIconProvider(ContentFreeIconProvider::instance());
    setAcceptMode(mode == Mode::Save ? QFileDialog::AcceptSave : QFileDialog::AcceptOpen);
    setFileMode(mode == Mode::Save ? QFileDialog::AnyFile : QFileDialog::ExistingFile);
    // A bare file name ("queue.csv") is proposed in the last folder.
    const QFileInfo start = directory.isEmpty() ? QFileInfo(lastDirectory())
        : QFileInfo(directory).isRelative()     ? QFileInfo(QDir(lastDirectory()), directory)
                                                : QFileInfo(directory);
    if (start.isDir() || directory.isEmpty()) {
        setDirectory(start.absoluteFilePath());
    } else {
        setDirectory(start.absolutePath());
        selectFile(start.fileName());
    }
}

QString FileDialog::openFileName(
    QWidget *parent, const QString &caption, const QString &directory, const QString &filter)
{
    if (std::optional<QString> answer = takeNextFileName())
        return *answer;
    FileDialog dialog(parent, Mode::Open, caption, directory, filter);
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
        return {};
    return dialog.selectedFiles().constFirst();
}

QString FileDialog::saveFileName(QWidget *parent, const QString &caption, const QString &directory,
    const QString &filter, QFileDialog::Options extra)
{
    if (std::optional<QString> answer = takeNextFileName())
        return *answer;
    FileDialog dialog(parent, Mode::Save, caption, directory, filter);
    if (extra)
        dialog.setOptions(dialog.options() | extra);
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
        return {};
    return dialog.selectedFiles().constFirst();
}

void FileDialog::accept()
{
    const QStringList files = selectedFiles();
    for (const QString &file : files) {
        if (m_refuseDatabaseFiles && SqliteFileGuard::isDatabaseFile(file)) {
            QMessageBox::warning(this, windowTitle(), SqliteFileGuard::refusedFileMessage(file));
            return;
        }
    }
    lastDirectory() = this->directory().absolutePath();
    QFileDialog::accept();
}

} // namespace ViralSpot::Ui
