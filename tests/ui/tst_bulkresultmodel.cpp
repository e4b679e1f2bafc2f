// The window's table models, checked with QAbstractItemModelTester.

#include "bulkparser.h"
#include "bulkresultmodel.h"
#include "historymodel.h"
#include "uitesthelpers.h"

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

private slots:
    void previewThenResults();
    void csvQuotesAndInvalidCopy();
    void history();
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
