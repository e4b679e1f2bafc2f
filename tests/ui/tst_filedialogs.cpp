// Data loss: the window's file dialogs opened on the folder that holds its SQLite
// database, while other processes (the sqlite3 shell, `viralspot-admin submit`) read and write
// the same file. A dialog that opens and closes the database's files (QMimeDatabase sniffing
// them for icons) drops SQLite's POSIX locks; the next other process to close then unlinks the
// WAL under the window, which goes on "queueing" into a deleted file. Afterwards the WAL must
// be the one the window holds, nothing of the window's may be "(deleted)", and every
// acknowledged write of every side must be visible to a third process.
// Also: the database's files are refused, never read, by drop, paste and import.

#include "core/requestservice.h"
#include "core/sqlitefileguard.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/bulkeditor.h"
#include "ui/bulkresultmodel.h"
#include "ui/databasesettingsdialog.h"
#include "ui/mainwindow.h"

#include <QAbstractButton>
#include <QApplication>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileSystemModel>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <memory>
#include <unistd.h>

using namespace ViralSpot;
using ViralSpot::Ui::MainWindow;

namespace {

QString runProcess(const QString &program, const QStringList &arguments, int *exitCode)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForFinished(60000)) {
        *exitCode = -1;
        return {};
    }
    *exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError())
        .trimmed();
}

QString sqlite3(const QString &path, const QString &sql)
{
    int exitCode = 0;
    const QString out =
        runProcess(QStringLiteral("sqlite3"), { QStringLiteral("-batch"), path, sql }, &exitCode);
    if (exitCode != 0)
        qWarning() << "sqlite3 failed:" << out;
    return out;
}

// This process's descriptors on the folder's files, as /proc/self/fd shows them.
QStringList heldFiles(const QString &folder)
{
    QStringList held;
    const QDir fds(QStringLiteral("/proc/self/fd"));
    const QStringList entries = fds.entryList(QDir::Files | QDir::System | QDir::NoDotAndDotDot);
    for (const QString &fd : entries) {
        const QString target = QFile::symLinkTarget(fds.filePath(fd));
        if (target.startsWith(folder))
            held.append(target);
    }
    // symLinkTarget() drops " (deleted)": read the links themselves for that.
    for (const QString &fd : entries) {
        char buffer[4096];
        const QByteArray link = QFile::encodeName(fds.filePath(fd));
        const ssize_t n = ::readlink(link.constData(), buffer, sizeof buffer - 1);
        if (n > 0) {
            const QString target = QString::fromLocal8Bit(buffer, int(n));
            if (target.startsWith(folder) && target.endsWith(QLatin1String("(deleted)")))
                held.append(target);
        }
    }
    return held;
}

// When the next modal file dialog is up: shows `folder` in it, waits until its model has
// listed the folder (and asked for every file's icon and type, as the view does), then
// cancels it. *listed tells whether it got that far.
void visitNextFileDialog(const QString &folder, bool *listed, QString *caption)
{
    auto *poll = new QTimer;
    poll->setInterval(20);
    QObject::connect(poll, &QTimer::timeout, poll, [poll, folder, listed, caption] {
        auto *dialog = qobject_cast<QFileDialog *>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        poll->stop();
        poll->deleteLater();
        *caption = dialog->windowTitle();
        auto *model = dialog->findChild<QFileSystemModel *>();
        if (!model) {
            dialog->reject();
            return;
        }
        QSignalSpy loaded(model, &QFileSystemModel::directoryLoaded);
        dialog->setDirectory(folder);
        const bool done = QTest::qWaitFor(
            [&] {
                for (const QList<QVariant> &args : std::as_const(loaded)) {
                    if (QDir(args.value(0).toString()) == QDir(folder))
                        return true;
                }
                // The Database dialog's picker starts in the folder: loaded before we looked.
                return QDir(model->rootPath()) == QDir(folder) &&
                    model->rowCount(model->index(folder)) > 0;
            },
            10000);
        const QModelIndex root = model->index(folder);
        int files = 0;
        for (int row = 0; row < model->rowCount(root); ++row) {
            model->data(model->index(row, 0, root), Qt::DecorationRole);
            model->data(model->index(row, 2, root), Qt::DisplayRole); // the "Type" column
            ++files;
        }
        QTest::qWait(300); // the model's thread fetches icons and types for the rows
        // For a look at the dialog (run under xvfb-run with QT_QPA_PLATFORM=xcb).
        const QString shots = qEnvironmentVariable("VIRALSPOT_DIALOG_SCREENSHOTS");
        if (!shots.isEmpty()) {
            QString name = *caption;
            name.replace(QLatin1Char(' '), QLatin1Char('_'));
            dialog->grab().save(shots + QLatin1Char('/') + name + QStringLiteral(".png"));
        }
        // The filter may hide the database's files from the view; the model's thread still
        // looked at every file of the folder, as it did when their content was sniffed.
        if (!done || files == 0)
            qWarning() << "dialog" << *caption << "loaded:" << done << "rows:" << files;
        *listed = done && files > 0;
        dialog->reject();
    });
    poll->start();
}

} // namespace

class TestFileDialogs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void dialogsOnTheDatabaseFolderLoseNothing();
    void databaseFilesAreRefused();
    void guardTripShowsInTheBanner();

private:
    // One request through the Single tab; its outcome.
    Outcome windowRequest(MainWindow *window, const QString &name);
};

void TestFileDialogs::initTestCase()
{
    Test::initUiTestEnvironment();
    if (QStandardPaths::findExecutable(QStringLiteral("sqlite3")).isEmpty())
        QFAIL("the sqlite3 command-line shell is needed (apt-get install sqlite3)");
}

Outcome TestFileDialogs::windowRequest(MainWindow *window, const QString &name)
{
    QSignalSpy finished(Test::singlePage(window), &Ui::SingleRequestPage::requestFinished);
    auto *edit = Test::child<QLineEdit>(window, "usernameEdit");
    edit->clear();
    QTest::keyClicks(edit, name);
    QTest::mouseClick(Test::child<QPushButton>(window, "requestButton"), Qt::LeftButton);
    if (!QTest::qWaitFor([&] { return finished.count() == 1; }, 20000))
        return Outcome::Cancelled;
    const auto result = finished.at(0).at(0).value<RequestResult>();
    if (result.outcome != Outcome::Queued)
        qWarning() << name << outcomeName(result.outcome) << result.message;
    return result.outcome;
}

void TestFileDialogs::dialogsOnTheDatabaseFolderLoseNothing()
{
    Test::wipeSettings();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = QDir(dir.path()).canonicalPath();
    const QString path = folder + QStringLiteral("/t.db");
    const QString url = QStringLiteral("sqlite:") + path;
    {
        DatabaseConfig config;
        config.engine = DatabaseConfig::Engine::SQLite;
        config.sqlitePath = path;
        RequestService schema(config, QStringLiteral("tst_filedialogs_schema"));
        QVERIFY(schema.open().ok);
    }
    {
        QFile names(folder + QStringLiteral("/names.csv"));
        QVERIFY(names.open(QIODevice::WriteOnly));
        names.write("username\nfromfile\n");
    }
    const QString admin =
        QString::fromLocal8Bit(qgetenv("VIRALSPOT_BIN_DIR")) + QStringLiteral("/viralspot-admin");
    QVERIFY2(QFile::exists(admin), qPrintable(admin));

    Ui::MainWindowOptions options;
    options.databaseUrl = url;
    auto window = std::make_unique<MainWindow>(options);
    window->resize(1000, 700);
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(window)->isConnected(), 15000);

    QStringList acknowledged; // every name some side was told is queued
    QCOMPARE(windowRequest(window.get(), QStringLiteral("win_first")), Outcome::Queued);
    acknowledged << QStringLiteral("win_first");

    // The bulk results the Export button needs; they are writes of the window too.
    QSignalSpy batch(Test::bulk(window), &Ui::BulkSession::batchFinished);
    Test::child<Ui::BulkEditor>(window.get(), "bulkEditor")
        ->setBulkText(QStringLiteral("bulk_a\nbulk_b\nbulk_c\n"));
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    Test::bulkPage(window)->submit();
    QTRY_COMPARE_WITH_TIMEOUT(batch.count(), 1, 20000);
    for (const RequestResult &r : Test::bulk(window)->model()->results())
        QCOMPARE(r.outcome, Outcome::Queued);
    acknowledged << QStringLiteral("bulk_a") << QStringLiteral("bulk_b")
                 << QStringLiteral("bulk_c");

    // Each real file dialog of the window, opened the way a user opens it.
    QPushButton *queueExport = nullptr;
    for (QPushButton *b : window->findChildren<QPushButton *>(QStringLiteral("exportButton"))) {
        if (b != Test::child<QPushButton>(window.get(), "exportButton"))
            queueExport = b;
    }
    QVERIFY(queueExport);
    auto *auditExport = window->findChild<QPushButton *>(QStringLiteral("auditExport"));
    QVERIFY(auditExport);
    const QList<std::pair<QString, std::function<void()>>> dialogs = {
        { QStringLiteral("import"),
            [&] { window->findChild<QAction *>(QStringLiteral("importAction"))->trigger(); } },
        { QStringLiteral("export"),
            [&] { Test::child<QPushButton>(window.get(), "exportButton")->click(); } },
        { QStringLiteral("queue export"), [&] { queueExport->click(); } },
        { QStringLiteral("audit export"), [&] { auditExport->click(); } },
        { QStringLiteral("database picker"),
            [&] {
                Test::answerNextModal<Ui::DatabaseSettingsDialog>([](QDialog &dialog) {
                    dialog.findChild<QPushButton *>(QStringLiteral("browseSqliteButton"))->click();
                    return int(QDialog::Rejected);
                });
                window->openDatabaseSettings();
            } },
    };
    int round = 0;
    for (const auto &[what, open] : dialogs) {
        ++round;
        bool listed = false;
        QString caption;
        visitNextFileDialog(folder, &listed, &caption);
        open();
        QVERIFY2(listed, qPrintable(what + QStringLiteral(": the dialog did not list ") + folder));

        // Another process reads, one writes: each closes the database after it. If the dialog
        // released the window's locks, the first of them unlinks the WAL.
        QVERIFY(!sqlite3(path, QStringLiteral("SELECT count(*) FROM queue;")).isEmpty());
        int exitCode = 0;
        const QString other = QStringLiteral("cli_%1").arg(round);
        const QString out = runProcess(admin,
            { QStringLiteral("submit"), QStringLiteral("--database"), url, other }, &exitCode);
        QCOMPARE(exitCode, 0);
        QVERIFY2(out.contains(QLatin1String("queued")), qPrintable(out));
        acknowledged << other;

        // The window writes after the others: into the real WAL, or the guard says so.
        const QString mine = QStringLiteral("win_%1").arg(round);
        QVERIFY2(windowRequest(window.get(), mine) == Outcome::Queued,
            qPrintable(what + QStringLiteral(": the window's request was not queued")));
        acknowledged << mine;

        QVERIFY2(QFile::exists(path + QLatin1String("-wal")),
            qPrintable(what + QStringLiteral(": the WAL was unlinked")));
        const QStringList held = heldFiles(folder);
        QVERIFY2(!held.join(QLatin1Char(' ')).contains(QLatin1String("(deleted)")),
            qPrintable(what + QStringLiteral(": ") + held.join(QLatin1Char(' '))));
    }
    QCOMPARE(SqliteFileGuard::tripCount(), 0);
    QCOMPARE(SqliteFileGuard::staleDescriptors(path), QStringList());

    // A third process sees every acknowledged write of both sides.
    const QString seen = sqlite3(path,
        QStringLiteral("SELECT group_concat(username, ' ') FROM (SELECT username FROM queue "
                       "ORDER BY username);"));
    QStringList expected = acknowledged;
    expected.sort();
    QCOMPARE(seen, expected.join(QLatin1Char(' ')));
}

void TestFileDialogs::databaseFilesAreRefused()
{
    Test::wipeSettings();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("t.db"));
    Ui::MainWindowOptions options;
    options.databaseUrl = QStringLiteral("sqlite:") + path;
    auto window = std::make_unique<MainWindow>(options);
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(window)->isConnected(), 15000);
    QCOMPARE(windowRequest(window.get(), QStringLiteral("alice")), Outcome::Queued);
    auto *status = Test::child<QLabel>(window.get(), "batchStatusLabel");
    auto *editor = Test::child<Ui::BulkEditor>(window.get(), "bulkEditor");
    QVERIFY(status && editor);

    // A link named like an importable file is the database all the same.
    const QString disguised = dir.filePath(QStringLiteral("names.csv"));
    QVERIFY(QFile::link(path, disguised));
    const QStringList files = { path, path + QStringLiteral("-wal"), path + QStringLiteral("-shm"),
        path + QStringLiteral("-journal"), disguised };
    for (const QString &file : files) {
        // Import (the Import… dialog's answer goes here).
        status->clear();
        QVERIFY(!Test::bulkPage(window)->importFile(file));
        QVERIFY2(status->text().contains(QLatin1String("is a file of the database")),
            qPrintable(status->text()));
        QVERIFY(editor->toPlainText().isEmpty());

        // Dropped on the bulk editor: accepted only to be refused with the message.
        status->clear();
        QMimeData mime;
        mime.setUrls({ QUrl::fromLocalFile(file) });
        QDragEnterEvent enter(
            QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(editor->viewport(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(editor->viewport(), &drop);
        QVERIFY2(status->text().contains(QLatin1String("is a file of the database")),
            qPrintable(file + QStringLiteral(": ") + status->text()));
        QVERIFY2(editor->toPlainText().isEmpty(), qPrintable(editor->toPlainText()));
    }
    // Export over the database is refused as well (it would replace the file).
    QSignalSpy exported(Test::bulk(window), &Ui::BulkSession::exportFinished);
    Test::bulkPage(window)->exportCsv(path);
    QCOMPARE(exported.count(), 1);
    QCOMPARE(exported.at(0).at(0).toBool(), false);
    QCOMPARE(SqliteFileGuard::tripCount(), 0);
    QCOMPARE(windowRequest(window.get(), QStringLiteral("bob")), Outcome::Queued);
}

void TestFileDialogs::guardTripShowsInTheBanner()
{
    // Any other code that opens the database's files in the window's process (simulated here
    // with QFile) and the WAL is unlinked by the next other process: the window's next
    // request is an error, the banner says why, and the window recovers on the real file.
    Test::wipeSettings();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("t.db"));
    Ui::MainWindowOptions options;
    options.databaseUrl = QStringLiteral("sqlite:") + path;
    auto window = std::make_unique<MainWindow>(options);
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(window)->isConnected(), 15000);
    QCOMPARE(windowRequest(window.get(), QStringLiteral("alice")), Outcome::Queued);

    for (const char *suffix : { "", "-wal", "-shm" }) {
        QFile file(path + QLatin1String(suffix));
        QVERIFY(file.open(QIODevice::ReadOnly));
        file.read(16);
    }
    QCOMPARE(sqlite3(path, QStringLiteral("SELECT count(*) FROM queue;")), QStringLiteral("1"));
    QVERIFY(!QFile::exists(path + QLatin1String("-wal")));

    QSignalSpy connection(Test::database(window), &Ui::DatabaseSession::connectionChanged);
    QCOMPARE(windowRequest(window.get(), QStringLiteral("bob")), Outcome::Error);
    QTRY_VERIFY(std::any_of(connection.cbegin(), connection.cend(),
        [](const QList<QVariant> &args) { return !args.at(0).toBool(); }));
    auto *banner = Test::child<QLabel>(window.get(), "bannerLabel");
    QVERIFY2(
        banner->text().contains(QLatin1String("no longer the file")), qPrintable(banner->text()));
    // The queue views' idle checks let go of the old files, then the window reconnects.
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(window)->isConnected(), 15000);
    QCOMPARE(windowRequest(window.get(), QStringLiteral("bob")), Outcome::Queued);
    QCOMPARE(windowRequest(window.get(), QStringLiteral("carol")), Outcome::Queued);
    QCOMPARE(sqlite3(path,
                 QStringLiteral("SELECT group_concat(username, ' ') FROM (SELECT username "
                                "FROM queue ORDER BY username);")),
        QStringLiteral("alice bob carol"));
}

QTEST_MAIN(TestFileDialogs)
#include "tst_filedialogs.moc"
