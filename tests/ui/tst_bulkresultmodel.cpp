// The window's table models, checked with QAbstractItemModelTester.

#include "core/bulkparser.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/bulkresultmodel.h"
#include "ui/historymodel.h"

#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace ViralSpot;
using ViralSpot::Ui::BulkResultModel;

class TestBulkResultModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void previewThenResults();
    void csvQuotesAndInvalidCopy();
    void csvNeverHoldsALiveFormula_data();
    void csvNeverHoldsALiveFormula();
    void history();
    void historyCopyHoldsNoLiveFormula();
    void outcomeColoursReadOnLightAndDarkPalettes_data();
    void outcomeColoursReadOnLightAndDarkPalettes();
};

namespace {

QList<RequestResult> fakeResults(const BulkParseResult &parsed)
{
    QList<RequestResult> results;
    for (const BulkEntry &e : parsed.entries) {
        RequestResult r;
        r.input = e.input;
        r.username = e.username;
        r.line = e.line;
        r.outcome = e.status == BulkEntry::Status::Invalid ? Outcome::Invalid
            : e.status == BulkEntry::Status::Duplicate     ? Outcome::DuplicateInBatch
                                                           : Outcome::Queued;
        r.message = outcomeMessage(r.outcome, r.username, e.error);
        results.append(r);
    }
    return results;
}

} // namespace

void TestBulkResultModel::previewThenResults()
{
    BulkResultModel model;
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setFilterRole(BulkResultModel::StateRole);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(
        &proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);

    const BulkParseResult parsed =
        BulkParser::parse(u"alice\n@Bob\nbad..x\nALICE\nhttps://www.instagram.com/carol/");
    model.setParseResult(parsed);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(
        model.index(1, BulkResultModel::UsernameColumn).data().toString(), QStringLiteral("bob"));
    QCOMPARE(
        model.index(2, 0).data(BulkResultModel::StateRole).toString(), QStringLiteral("invalid"));
    QCOMPARE(model.index(3, 0).data(BulkResultModel::StateRole).toString(),
        QStringLiteral("duplicate_in_batch"));
    QCOMPARE(model.index(3, BulkResultModel::CheckColumn).data().toString(),
        QStringLiteral("duplicate of line 1"));
    QVERIFY(!model.index(0, BulkResultModel::OutcomeColumn).data().isValid());

    const QList<RequestResult> results = fakeResults(parsed);
    model.setResults(results, BulkResultModel::countOutcomes(results));
    QCOMPARE(model.count(Outcome::Queued), 3);
    QCOMPARE(model.count(Outcome::Invalid), 1);
    QCOMPARE(model.count(Outcome::DuplicateInBatch), 1);
    QCOMPARE(
        model.index(4, BulkResultModel::OutcomeColumn).data().toString(), QStringLiteral("Queued"));
    proxy.setFilterRegularExpression(QStringLiteral("^queued$"));
    QCOMPARE(proxy.rowCount(), 3);
    model.clearResults();
    QCOMPARE(proxy.rowCount(), 0); // preview states again: "valid", not "queued"
}

void TestBulkResultModel::csvQuotesAndInvalidCopy()
{
    BulkResultModel model;
    const BulkParseResult parsed = BulkParser::parse(u"ok_name\n.lead\nbad..y");
    model.setParseResult(parsed);
    QCOMPARE(model.invalidInputs().split(QLatin1Char('\n')).size(), 2);
    QList<RequestResult> results = fakeResults(parsed);
    results[0].message = QStringLiteral("with, comma and \"quotes\"");
    model.setResults(results, BulkResultModel::countOutcomes(results));
    const QList<QStringList> csv = Test::readCsv(model.toCsv());
    QCOMPARE(csv.size(), 4);
    QCOMPARE(csv.at(1).at(4), QStringLiteral("with, comma and \"quotes\""));
    QCOMPARE(csv.at(2).at(1), parsed.entries.at(1).input);
}

void TestBulkResultModel::csvNeverHoldsALiveFormula_data()
{
    QTest::addColumn<QString>("value");
    // Every first character spreadsheets run as a formula or DDE command, and the forms staff
    // pasted: a tab and a carriage return cannot come from the editor (the parser trims), so
    // the entries are built by hand here.
    QTest::newRow("=") << QStringLiteral("=1+1");
    QTest::newRow("+") << QStringLiteral("+cmd|' /C calc'!A0");
    QTest::newRow("@") << QStringLiteral("@SUM(1+1)");
    QTest::newRow("-") << QStringLiteral("-2+3");
    QTest::newRow("hyperlink") << QStringLiteral("=HYPERLINK(\"http://evil.example/\")");
    QTest::newRow("tab") << QStringLiteral("\t=1+1");
    QTest::newRow("carriage return") << QStringLiteral("\r=1+1");
    QTest::newRow("spaces first") << QStringLiteral("  =1+1");
    QTest::newRow("with a comma") << QStringLiteral("=SUM(1,2)");
}

void TestBulkResultModel::csvNeverHoldsALiveFormula()
{
    QFETCH(QString, value);
    BulkParseResult parsed;
    BulkEntry entry;
    entry.line = 1;
    entry.input = value;
    entry.username = value;
    entry.status = BulkEntry::Status::Invalid;
    entry.error = value;
    parsed.entries = { entry };
    parsed.invalid = 1;
    BulkResultModel model;
    model.setParseResult(parsed);
    for (bool submitted : { false, true }) {
        if (submitted) {
            RequestResult r;
            r.input = value;
            r.outcome = Outcome::Invalid;
            r.message = value;
            model.setResults({ r }, BulkResultModel::countOutcomes({ r }));
        }
        const QList<QStringList> csv = Test::readCsv(model.toCsv());
        QCOMPARE(csv.size(), 2);
        const QStringList &fields = csv.at(1);
        QCOMPARE(fields.size(), 5);
        // input, username, message: shown as text (a leading '), the value itself kept.
        for (int column : { 1, 2, 4 })
            QCOMPARE(fields.at(column), QLatin1Char('\'') + value);
    }
}

void TestBulkResultModel::history()
{
    Ui::HistoryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    RequestResult a;
    a.username = QStringLiteral("first");
    a.source = QStringLiteral("frontend");
    a.outcome = Outcome::Queued;
    model.add(a, QDateTime::currentDateTime());
    RequestResult b = a;
    b.username = QStringLiteral("second");
    b.outcome = Outcome::AlreadyProcessed;
    model.add(b, QDateTime::currentDateTime());
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, Ui::HistoryModel::UsernameColumn).data().toString(),
        QStringLiteral("second")); // newest first
    const QStringList lines = model.toText().trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 3);
    QVERIFY(lines.at(1).contains(QLatin1String("already_processed")));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestBulkResultModel::historyCopyHoldsNoLiveFormula()
{
    // The history is copied as tab-separated text for a spreadsheet: an invalid input stands
    // in the username column as typed.
    Ui::HistoryModel model;
    const QStringList typed = { QStringLiteral("=1+1"), QStringLiteral("+cmd|'"),
        QStringLiteral("-2+3"), QStringLiteral("@SUM(1+1)"), QStringLiteral("\t=1+1"),
        QStringLiteral("a\tb") };
    for (const QString &input : typed) {
        RequestResult r;
        r.input = input;
        r.source = QStringLiteral("frontend");
        r.outcome = Outcome::Invalid;
        r.message = QStringLiteral("The username is not valid.");
        model.add(r, QDateTime::currentDateTime());
    }
    const QStringList lines = model.toText().trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), typed.size() + 1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QStringList cells = lines.at(i).split(QLatin1Char('\t'));
        QCOMPARE(cells.size(), 5); // a tab in the input does not add a column
        for (const QString &cell : cells) {
            const QString t = cell.trimmed();
            QVERIFY2(t.isEmpty() || !QStringLiteral("=+-@").contains(t.front()), qPrintable(cell));
        }
    }
    QCOMPARE(lines.at(1).split(QLatin1Char('\t')).at(1), QStringLiteral("a b"));
    QCOMPARE(lines.last().split(QLatin1Char('\t')).at(1), QStringLiteral("'=1+1"));
}

namespace {

// WCAG 2 relative luminance and contrast ratio.
double luminance(const QColor &c)
{
    const auto channel = [](double v) {
        return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

double contrast(const QColor &a, const QColor &b)
{
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

} // namespace

void TestBulkResultModel::outcomeColoursReadOnLightAndDarkPalettes_data()
{
    QTest::addColumn<QString>("state");
    for (const char *state : { "queued", "valid", "already_processed", "already_queued",
             "duplicate_in_batch", "invalid", "error", "cancelled" })
        QTest::newRow(state) << QString::fromLatin1(state);
}

void TestBulkResultModel::outcomeColoursReadOnLightAndDarkPalettes()
{
    // The outcome colours are drawn as text on the table's base colour, which follows the
    // system palette: they must stay readable (3:1, WCAG's bound for large text and UI
    // components) on a light base and on a dark one (dark mode), e.g. Breeze's and Fusion's.
    QFETCH(QString, state);
    const QColor colour = Ui::outcomeColor(state);
    for (const QColor &base : { QColor(Qt::white), QColor(0xfc, 0xfc, 0xfc),
             QColor(0x1e, 0x1e, 0x1e), QColor(0x23, 0x26, 0x29), QColor(0x2a, 0x2a, 0x2a) }) {
        const double ratio = contrast(colour, base);
        QVERIFY2(ratio >= 3.0,
            qPrintable(QStringLiteral("%1 on %2: %3:1")
                           .arg(colour.name(), base.name())
                           .arg(ratio, 0, 'f', 2)));
    }
}

QTEST_MAIN(TestBulkResultModel)
#include "tst_bulkresultmodel.moc"
