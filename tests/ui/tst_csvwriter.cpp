// The one CSV writer every export of the window uses: RFC 4180 quoting, the formula guard for
// every first character a spreadsheet would run, and the .csv extension of a typed name.

#include "ui/csv/csvwriter.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace ViralSpot::Ui;
using ViralSpot::ValueResult;

class TestCsvWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void field_data();
    void field();
    void lineEndsInCrLf();
    void exportPathAddsTheExtension();
};

void TestCsvWriter::field_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain") << QStringLiteral("alice") << QStringLiteral("alice");
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("comma") << QStringLiteral("a,b") << QStringLiteral("\"a,b\"");
    QTest::newRow("quote") << QStringLiteral("say \"hi\"") << QStringLiteral("\"say \"\"hi\"\"\"");
    QTest::newRow("newline") << QStringLiteral("a\nb") << QStringLiteral("\"a\nb\"");
    // Separators other locales' spreadsheets split on: quoted, so "a;=1+1" stays one cell.
    QTest::newRow("semicolon") << QStringLiteral("a;=1+1") << QStringLiteral("\"a;=1+1\"");
    QTest::newRow("inner tab") << QStringLiteral("a\t=1+1") << QStringLiteral("\"a\t=1+1\"");
    // Formula starts: a leading ' makes the cell text.
    QTest::newRow("=") << QStringLiteral("=1+1") << QStringLiteral("'=1+1");
    QTest::newRow("+") << QStringLiteral("+cmd|'") << QStringLiteral("'+cmd|'");
    QTest::newRow("-") << QStringLiteral("-2+3") << QStringLiteral("'-2+3");
    QTest::newRow("@") << QStringLiteral("@SUM(1+1)") << QStringLiteral("'@SUM(1+1)");
    QTest::newRow("tab") << QStringLiteral("\t=1+1") << QStringLiteral("\"'\t=1+1\"");
    QTest::newRow("carriage return") << QStringLiteral("\r=1+1") << QStringLiteral("\"'\r=1+1\"");
    QTest::newRow("spaces first") << QStringLiteral("  @x") << QStringLiteral("'  @x");
    QTest::newRow("hyperlink") << QStringLiteral("=HYPERLINK(\"http://evil.example/\")")
                               << QStringLiteral("\"'=HYPERLINK(\"\"http://evil.example/\"\")\"");
    QTest::newRow("formula with comma") << QStringLiteral("+1,2") << QStringLiteral("\"'+1,2\"");
    // Not a formula start: left alone.
    QTest::newRow("inner =") << QStringLiteral("a=1") << QStringLiteral("a=1");
    QTest::newRow("apostrophe") << QStringLiteral("'=1") << QStringLiteral("'=1");
}

void TestCsvWriter::field()
{
    QFETCH(QString, value);
    QFETCH(QString, expected);
    QCOMPARE(Csv::field(value), expected);
    QCOMPARE(Csv::line({ value, QStringLiteral("x") }), expected + QStringLiteral(",x\r\n"));
}

void TestCsvWriter::lineEndsInCrLf()
{
    QCOMPARE(Csv::line({ QStringLiteral("a"), QString(), QStringLiteral("c") }),
        QStringLiteral("a,,c\r\n"));
    QString out;
    Csv::appendLine(out, { QStringLiteral("1") });
    Csv::appendLine(out, { QStringLiteral("=2") });
    QCOMPARE(out, QStringLiteral("1\r\n'=2\r\n"));
}

void TestCsvWriter::exportPathAddsTheExtension()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("results"));
    const ValueResult<QString> added = Csv::exportPath(base);
    QVERIFY(added.ok);
    QCOMPARE(added.value, base + QStringLiteral(".csv"));
    QVERIFY(added.error.isEmpty());
    QCOMPARE(Csv::exportPath(base + QStringLiteral(".csv")).value, base + QStringLiteral(".csv"));
    QCOMPARE(Csv::exportPath(base + QStringLiteral(".CSV")).value, base + QStringLiteral(".CSV"));
    // Another extension: the content is CSV, and the import dialog lists *.csv.
    QCOMPARE(
        Csv::exportPath(base + QStringLiteral(".txt")).value, base + QStringLiteral(".txt.csv"));
    // Nothing chosen (the dialog was cancelled): nothing to write, and nothing wrong.
    QVERIFY(Csv::exportPath(QString()).ok);
    QCOMPARE(Csv::exportPath(QString()).value, QString());

    // The dialog confirmed "results", not "results.csv": an existing results.csv is kept.
    QFile existing(base + QStringLiteral(".csv"));
    QVERIFY(existing.open(QIODevice::WriteOnly));
    existing.close();
    const ValueResult<QString> refused = Csv::exportPath(base);
    QVERIFY(!refused.ok);
    QCOMPARE(refused.value, QString());
    QVERIFY2(refused.error.contains(QLatin1String("already exists")), qPrintable(refused.error));
    // Chosen with its extension (the dialog asked about replacing it): written.
    QCOMPARE(Csv::exportPath(base + QStringLiteral(".csv")).value, base + QStringLiteral(".csv"));
}

QTEST_GUILESS_MAIN(TestCsvWriter)
#include "tst_csvwriter.moc"
