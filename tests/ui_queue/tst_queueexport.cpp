// The queue browser's and the audit log's CSV exports, driven through their path seams: no
// cell a spreadsheet would run as a formula (every dangerous first character, in every column
// that holds text from outside), a name typed without .csv gets it, and an existing file is
// never replaced under a name the user did not choose.

#include "core/auditlog.h"
#include "tests/support/csvreader.h"
#include "tests/ui_queue/queueseed.h"
#include "ui/filedialog.h"
#include "ui/queue/auditlogwidget.h"
#include "ui/queue/queuebrowserwidget.h"
#include "ui/queue/queuetablemodel.h"

#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>

using namespace ViralSpot;
using namespace ViralSpot::Test;
using ViralSpot::Ui::AuditLogWidget;
using ViralSpot::Ui::QueueBrowserWidget;

namespace {

// What a user (or the original endpoint, which stored names unchecked) may have put in text
// columns: each starts with a character spreadsheets treat as the start of a formula.
const QStringList Dangerous = {
    QStringLiteral("=1+1"),
    QStringLiteral("+cmd|' /C calc'!A0"),
    QStringLiteral("@SUM(1+1)"),
    QStringLiteral("-2+3"),
    QStringLiteral("=HYPERLINK(\"http://evil.example/\")"),
    QStringLiteral("\t=1+1"),
    QStringLiteral("\r=1+1"),
    QStringLiteral("  =1+1"),
};

// What a spreadsheet would run: a cell starting with = + - @, a tab or a CR (or = + - @ after
// spaces, for importers that trim them).
bool isLiveFormula(const QString &cell)
{
    if (cell.isEmpty())
        return false;
    if (cell.front() == QLatin1Char('\t') || cell.front() == QLatin1Char('\r'))
        return true;
    const QString t = cell.trimmed();
    return !t.isEmpty() && QStringLiteral("=+-@").contains(t.front());
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

} // namespace

class TestQueueExport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void queueExportGuardsFormulasAndAddsSuffix();
    void queueExportNeverReplacesAnUnchosenFile();
    void auditExportGuardsFormulasAndAddsSuffix();
    void auditExportNeverReplacesAnUnchosenFile();

private:
    std::unique_ptr<TemporaryDatabase> m_db;
};

void TestQueueExport::init()
{
    m_db = std::make_unique<TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QVERIFY(migrate(*m_db));
}

void TestQueueExport::cleanup()
{
    m_db.reset();
}

void TestQueueExport::queueExportGuardsFormulasAndAddsSuffix()
{
    // Each dangerous value as a username, a source and an error message (scraper workers
    // write error_message; the original endpoint stored names unchecked).
    for (int i = 0; i < Dangerous.size(); ++i) {
        SeedRow row;
        row.username = Dangerous.at(i);
        row.status = QStringLiteral("FAILED");
        row.source = Dangerous.at((i + 1) % Dangerous.size());
        row.errorMessage = Dangerous.at((i + 2) % Dangerous.size());
        QVERIFY(!insertQueueRow(m_db->connection(), row).isEmpty());
    }
    QueueBrowserWidget w(m_db->config(), false);
    QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), int(Dangerous.size()), 10000);

    QTemporaryDir dir;
    const QString typed = dir.filePath(QStringLiteral("queue-view")); // no .csv typed
    Ui::FileDialog::setNextFileName(typed); // what the export dialog answers
    QSignalSpy exported(&w, &QueueBrowserWidget::exportFinished);
    QVERIFY(w.exportCsv());
    QVERIFY(exported.wait(10000));
    QCOMPARE(exported.first().at(0).toBool(), true);
    QCOMPARE(exported.first().at(2).toLongLong(), qint64(Dangerous.size()));

    const QList<QStringList> csv =
        Test::readCsv(QString::fromUtf8(readAll(exported.first().at(1).toString())));
    QCOMPARE(csv.size(), Dangerous.size() + 1);
    const int usernameColumn = int(csv.first().indexOf(QStringLiteral("username")));
    const int sourceColumn = int(csv.first().indexOf(QStringLiteral("source")));
    const int errorColumn = int(csv.first().indexOf(QStringLiteral("error_message")));
    QVERIFY(usernameColumn >= 0 && sourceColumn >= 0 && errorColumn >= 0);
    QSet<QString> usernames;
    for (qsizetype r = 1; r < csv.size(); ++r) {
        const QStringList &fields = csv.at(r);
        for (const QString &cell : fields)
            QVERIFY2(
                !isLiveFormula(cell), qPrintable(QStringLiteral("row %1: %2").arg(r).arg(cell)));
        // The value is kept, shown as text: a leading ' and then exactly what was stored.
        for (int column : { usernameColumn, sourceColumn, errorColumn }) {
            QVERIFY2(
                fields.at(column).startsWith(QLatin1Char('\'')), qPrintable(fields.at(column)));
            QVERIFY(Dangerous.contains(fields.at(column).mid(1)));
        }
        usernames.insert(fields.at(usernameColumn).mid(1));
    }
    QCOMPARE(usernames, QSet<QString>(Dangerous.cbegin(), Dangerous.cend()));

    // Typed without .csv, saved with it.
    QVERIFY2(!QFile::exists(typed), "saved without the .csv extension");
    QCOMPARE(exported.first().at(1).toString(), typed + QStringLiteral(".csv"));
}

void TestQueueExport::queueExportNeverReplacesAnUnchosenFile()
{
    SeedRow row;
    row.username = QStringLiteral("alice");
    QVERIFY(!insertQueueRow(m_db->connection(), row).isEmpty());
    QueueBrowserWidget w(m_db->config(), false);
    QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 1, 10000);

    QTemporaryDir dir;
    const QString typed = dir.filePath(QStringLiteral("kept"));
    {
        QFile existing(typed + QStringLiteral(".csv"));
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("precious\n");
    }
    // The dialog confirmed "kept", not "kept.csv": nothing is written, and the widget says why.
    Ui::FileDialog::setNextFileName(typed); // what the export dialog answers
    QSignalSpy exported(&w, &QueueBrowserWidget::exportFinished);
    QVERIFY(!w.exportCsv());
    QTest::qWait(200);
    QCOMPARE(exported.count(), 0);
    QCOMPARE(readAll(typed + QStringLiteral(".csv")), QByteArray("precious\n"));
    QVERIFY(!QFile::exists(typed));
    const QString report = w.findChild<QLabel *>(QStringLiteral("reportLabel"))->text();
    QVERIFY2(report.contains(QLatin1String("already exists")), qPrintable(report));

    // Chosen in the dialog with its extension, it is replaced (the dialog asked).
    const QString chosen = typed + QStringLiteral(".CSV");
    Ui::FileDialog::setNextFileName(chosen); // what the export dialog answers
    QVERIFY(w.exportCsv());
    QVERIFY(exported.wait(10000));
    QCOMPARE(exported.first().at(0).toBool(), true);
    QVERIFY(readAll(chosen).contains("alice"));
}

void TestQueueExport::auditExportGuardsFormulasAndAddsSuffix()
{
    QSqlDatabase db = m_db->connection();
    for (int i = 0; i < Dangerous.size(); ++i) {
        AuditEntry e = AuditEntry::forOrigin(QStringLiteral("window"), QStringLiteral("submit"));
        // Staff paste anything; the OS user and host come from the machine.
        e.usernames = { Dangerous.at(i), QStringLiteral("alice") };
        e.osUser = Dangerous.at((i + 1) % Dangerous.size());
        e.host = Dangerous.at((i + 2) % Dangerous.size());
        e.total = 2;
        QVERIFY(AuditLog::record(db, e).ok);
    }
    AuditLogWidget w(m_db->config(), false);
    QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), int(Dangerous.size()), 10000);

    QTemporaryDir dir;
    const QString typed = dir.filePath(QStringLiteral("audit-view"));
    Ui::FileDialog::setNextFileName(typed); // what the export dialog answers
    QVERIFY(w.exportCsv());
    const QString written =
        QFile::exists(typed) ? typed : typed + QStringLiteral(".csv"); // checked below
    const QList<QStringList> csv = Test::readCsv(QString::fromUtf8(readAll(written)));
    QCOMPARE(csv.size(), Dangerous.size() + 1);
    int guarded = 0;
    for (qsizetype r = 1; r < csv.size(); ++r) {
        for (const QString &cell : csv.at(r)) {
            QVERIFY2(
                !isLiveFormula(cell), qPrintable(QStringLiteral("row %1: %2").arg(r).arg(cell)));
            if (cell.startsWith(QLatin1Char('\'')))
                ++guarded;
        }
    }
    // The OS user, the host and the usernames cell of every entry.
    QVERIFY2(guarded >= 3 * Dangerous.size(), qPrintable(QString::number(guarded)));

    // Typed without .csv, saved with it.
    QVERIFY2(!QFile::exists(typed), "saved without the .csv extension");
    QVERIFY(QFile::exists(typed + QStringLiteral(".csv")));
}

void TestQueueExport::auditExportNeverReplacesAnUnchosenFile()
{
    AuditEntry e = AuditEntry::forOrigin(QStringLiteral("window"), QStringLiteral("submit"));
    e.usernames = { QStringLiteral("alice") };
    e.total = 1;
    QSqlDatabase db = m_db->connection();
    QVERIFY(AuditLog::record(db, e).ok);
    AuditLogWidget w(m_db->config(), false);
    QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 1, 10000);

    QTemporaryDir dir;
    const QString typed = dir.filePath(QStringLiteral("kept"));
    {
        QFile existing(typed + QStringLiteral(".csv"));
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("precious\n");
    }
    Ui::FileDialog::setNextFileName(typed); // what the export dialog answers
    QVERIFY(!w.exportCsv());
    QCOMPARE(readAll(typed + QStringLiteral(".csv")), QByteArray("precious\n"));
    QVERIFY(!QFile::exists(typed));
    const QString status = w.findChild<QLabel *>(QStringLiteral("auditStatus"))->text();
    QVERIFY2(status.contains(QLatin1String("already exists")), qPrintable(status));
}

QTEST_MAIN(TestQueueExport)
#include "tst_queueexport.moc"
