#include "core/bulkparser.h"
#include "core/username.h"

#include <QRandomGenerator>
#include <QTest>

using namespace ViralSpot;
using Format = BulkParser::Format;

Q_DECLARE_METATYPE(ViralSpot::BulkParser::Format)

namespace {

// One entry as "line:valid:username", "line:invalid:input" or "line:dup:username:firstIndex".
QString describe(const BulkEntry &entry)
{
    switch (entry.status) {
    case BulkEntry::Status::Valid:
        return QStringLiteral("%1:valid:%2").arg(entry.line).arg(entry.username);
    case BulkEntry::Status::Invalid:
        return QStringLiteral("%1:invalid:%2").arg(entry.line).arg(entry.input);
    case BulkEntry::Status::Duplicate:
        return QStringLiteral("%1:dup:%2:%3")
            .arg(entry.line)
            .arg(entry.username)
            .arg(entry.duplicateOf);
    }
    return {};
}

QStringList describe(const BulkParseResult &result)
{
    QStringList lines;
    for (const BulkEntry &entry : result.entries)
        lines.append(describe(entry));
    return lines;
}

// The invariants every result keeps, whatever the input.
void checkInvariants(const BulkParseResult &result)
{
    int valid = 0;
    int invalid = 0;
    int duplicates = 0;
    int previousLine = 1;
    for (qsizetype i = 0; i < result.entries.size(); ++i) {
        const BulkEntry &entry = result.entries.at(i);
        QVERIFY(entry.line >= previousLine);
        previousLine = entry.line;
        switch (entry.status) {
        case BulkEntry::Status::Valid:
            ++valid;
            QVERIFY(entry.error.isEmpty());
            QVERIFY(Username::normalize(entry.username).isValid());
            QCOMPARE(entry.duplicateOf, -1);
            break;
        case BulkEntry::Status::Invalid:
            ++invalid;
            QVERIFY(!entry.error.isEmpty());
            break;
        case BulkEntry::Status::Duplicate: {
            ++duplicates;
            QVERIFY(entry.duplicateOf >= 0 && entry.duplicateOf < i);
            const BulkEntry &first = result.entries.at(entry.duplicateOf);
            QCOMPARE(first.status, BulkEntry::Status::Valid);
            QCOMPARE(first.username, entry.username);
            break;
        }
        }
    }
    QCOMPARE(result.valid, valid);
    QCOMPARE(result.invalid, invalid);
    QCOMPARE(result.duplicates, duplicates);
}

} // namespace

class TestBulkParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void keepsInputsAndReasons();
    void largeText();
    void largeCsv();
    void randomInputKeepsInvariants();
    void formatForFileName_data();
    void formatForFileName();
};

void TestBulkParser::parse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<Format>("format");
    QTest::addColumn<QStringList>("entries");
    QTest::addColumn<int>("csvColumn"); // -1: parsed as text

    // Free text
    QTest::newRow("empty") << QString() << Format::Auto << QStringList() << -1;
    QTest::newRow("white space only")
        << QStringLiteral(" \n\t\r\n ,;; \n") << Format::Auto << QStringList() << -1;
    QTest::newRow("one name") << QStringLiteral("foo") << Format::Auto
                              << QStringList { QStringLiteral("1:valid:foo") } << -1;
    QTest::newRow("mixed separators")
        << QStringLiteral("foo, bar;baz\tqux  quux\nlast,\n") << Format::Auto
        << QStringList { QStringLiteral("1:valid:foo"), QStringLiteral("1:valid:bar"),
               QStringLiteral("1:valid:baz"), QStringLiteral("1:valid:qux"),
               QStringLiteral("1:valid:quux"), QStringLiteral("2:valid:last") }
        << -1;
    QTest::newRow("CRLF") << QStringLiteral("foo\r\nbar\r\n\r\nbaz\r\n") << Format::Text
                          << QStringList { QStringLiteral("1:valid:foo"),
                                 QStringLiteral("2:valid:bar"), QStringLiteral("4:valid:baz") }
                          << -1;
    QTest::newRow("CR only") << QStringLiteral("foo\rbar\r\rbaz") << Format::Text
                             << QStringList { QStringLiteral("1:valid:foo"),
                                    QStringLiteral("2:valid:bar"), QStringLiteral("4:valid:baz") }
                             << -1;
    QTest::newRow("mixed line ends")
        << QStringLiteral("a\nb\r\nc\rd\n\re") << Format::Text
        << QStringList { QStringLiteral("1:valid:a"), QStringLiteral("2:valid:b"),
               QStringLiteral("3:valid:c"), QStringLiteral("4:valid:d"),
               QStringLiteral("6:valid:e") }
        << -1;
    QTest::newRow("blank lines and white space")
        << QStringLiteral("\n\n  foo  \n\t\n bar\n\n") << Format::Auto
        << QStringList { QStringLiteral("3:valid:foo"), QStringLiteral("5:valid:bar") } << -1;
    QTest::newRow("unicode spaces separate")
        << QStringLiteral("foo\u00a0bar\u3000baz") << Format::Text
        << QStringList { QStringLiteral("1:valid:foo"), QStringLiteral("1:valid:bar"),
               QStringLiteral("1:valid:baz") }
        << -1;
    QTest::newRow("invalid lines keep their place")
        << QStringLiteral("foo\n.bad\nbar\nno way\nbaz") << Format::Auto
        << QStringList { QStringLiteral("1:valid:foo"), QStringLiteral("2:invalid:.bad"),
               QStringLiteral("3:valid:bar"), QStringLiteral("4:valid:no"),
               QStringLiteral("4:valid:way"), QStringLiteral("5:valid:baz") }
        << -1;
    QTest::newRow("duplicates in all forms")
        << QStringLiteral("Foo\n@foo\nhttps://www.instagram.com/FOO/\nbar\nfoo\ninstagram.com/"
                          "Bar?igsh=1")
        << Format::Auto
        << QStringList { QStringLiteral("1:valid:foo"), QStringLiteral("2:dup:foo:0"),
               QStringLiteral("3:dup:foo:0"), QStringLiteral("4:valid:bar"),
               QStringLiteral("5:dup:foo:0"), QStringLiteral("6:dup:bar:3") }
        << -1;
    QTest::newRow("invalid repeats are not duplicates")
        << QStringLiteral(".x .x foo") << Format::Auto
        << QStringList { QStringLiteral("1:invalid:.x"), QStringLiteral("1:invalid:.x"),
               QStringLiteral("1:valid:foo") }
        << -1;
    QTest::newRow("duplicate after an invalid one")
        << QStringLiteral("foo-bar\nfoo\n@FOO") << Format::Auto
        << QStringList { QStringLiteral("1:invalid:foo-bar"), QStringLiteral("2:valid:foo"),
               QStringLiteral("3:dup:foo:1") }
        << -1;
    QTest::newRow("links and posts")
        << QStringLiteral("instagram.com/foo?igsh=x, https://www.instagram.com/p/ABC/")
        << Format::Auto
        << QStringList { QStringLiteral("1:valid:foo"),
               QStringLiteral("1:invalid:https://www.instagram.com/p/ABC/") }
        << -1;
    QTest::newRow("quoted list") << QStringLiteral("[\"a\"] \"foo\", 'bar', \"\"") << Format::Text
                                 << QStringList { QStringLiteral("1:invalid:[\"a\"]"),
                                        QStringLiteral("1:valid:foo"),
                                        QStringLiteral("1:valid:bar") }
                                 << -1;
    QTest::newRow("BOM") << QStringLiteral("\ufefffoo\nbar") << Format::Auto
                         << QStringList { QStringLiteral("1:valid:foo"),
                                QStringLiteral("2:valid:bar") }
                         << -1;
    QTest::newRow("auto without header is text")
        << QStringLiteral("foo,10\nbar,20") << Format::Auto
        << QStringList { QStringLiteral("1:valid:foo"), QStringLiteral("1:valid:10"),
               QStringLiteral("2:valid:bar"), QStringLiteral("2:valid:20") }
        << -1;
    QTest::newRow("text forced on a CSV")
        << QStringLiteral("username,n\nfoo,1") << Format::Text
        << QStringList { QStringLiteral("1:valid:username"), QStringLiteral("1:valid:n"),
               QStringLiteral("2:valid:foo"), QStringLiteral("2:valid:1") }
        << -1;
    QTest::newRow("NUL separated is one bad token")
        << QString(QStringLiteral("foo") + QChar(0) + QStringLiteral("bar\nbaz")) << Format::Text
        << QStringList { QString(
                             QStringLiteral("1:invalid:foo") + QChar(0) + QStringLiteral("bar")),
               QStringLiteral("2:valid:baz") }
        << -1;

    // CSV recognised by its header (Auto)
    QTest::newRow("auto csv header")
        << QStringLiteral("username,followers\nfoo,10\nbar,20\n") << Format::Auto
        << QStringList { QStringLiteral("2:valid:foo"), QStringLiteral("3:valid:bar") } << 0;
    QTest::newRow("auto csv header after blank lines and BOM")
        << QStringLiteral("\ufeff\n\nUSERNAME\n@Foo\n\nbar") << Format::Auto
        << QStringList { QStringLiteral("4:valid:foo"), QStringLiteral("6:valid:bar") } << 0;
    QTest::newRow("username column not first, semicolons")
        << QStringLiteral("id;name;Username;followers\n1;Foo Bar;foo;10\n2;X, Y;bar;3")
        << Format::Auto
        << QStringList { QStringLiteral("2:valid:foo"), QStringLiteral("3:valid:bar") } << 2;
    QTest::newRow("tab separated")
        << QStringLiteral("id\tuser_name\n1\tfoo\n2\thttps://instagram.com/bar/") << Format::Auto
        << QStringList { QStringLiteral("2:valid:foo"), QStringLiteral("3:valid:bar") } << 1;
    QTest::newRow("quoted fields")
        << QStringLiteral("name,username\n\"Smith, John\",foo\n\"Line\nbreak\",\"bar\"\n"
                          "\"He said \"\"hi\"\"\",baz\n")
        << Format::Auto
        << QStringList { QStringLiteral("2:valid:foo"), QStringLiteral("3:valid:bar"),
               QStringLiteral("5:valid:baz") }
        << 1;
    QTest::newRow("quoted header and CRLF")
        << QStringLiteral("\"id\",\"Username\"\r\n1,\"Foo\"\r\n\r\n2,\" @bar \"\r\n")
        << Format::Auto
        << QStringList { QStringLiteral("2:valid:foo"), QStringLiteral("4:valid:bar") } << 1;
    QTest::newRow("doubled quote inside a name")
        << QStringLiteral("username\n\"fo\"\"o\"\nbar") << Format::Auto
        << QStringList { QStringLiteral("2:invalid:fo\"o"), QStringLiteral("3:valid:bar") } << 0;
    QTest::newRow("unterminated quote is literal")
        << QStringLiteral("username\n\"foo\nbar") << Format::Auto
        << QStringList { QStringLiteral("2:invalid:\"foo"), QStringLiteral("3:valid:bar") } << 0;
    QTest::newRow("csv duplicates")
        << QStringLiteral("username\nFoo\n\"@foo\"\nbar\ninstagram.com/foo") << Format::Auto
        << QStringList { QStringLiteral("2:valid:foo"), QStringLiteral("3:dup:foo:0"),
               QStringLiteral("4:valid:bar"), QStringLiteral("5:dup:foo:0") }
        << 0;
    QTest::newRow("csv missing and empty username")
        << QStringLiteral("id,username\n1\n2,\n,,\n3,foo") << Format::Auto
        << QStringList { QStringLiteral("2:invalid:1"), QStringLiteral("3:invalid:2,"),
               QStringLiteral("5:valid:foo") }
        << 1;
    QTest::newRow("csv invalid rows keep their place")
        << QStringLiteral("username\nfoo\nfoo bar\n.x\nbaz") << Format::Auto
        << QStringList { QStringLiteral("2:valid:foo"), QStringLiteral("3:invalid:foo bar"),
               QStringLiteral("4:invalid:.x"), QStringLiteral("5:valid:baz") }
        << 0;

    // Format::Csv, with and without a header
    QTest::newRow("csv without header")
        << QStringLiteral("foo,10\nbar,20\n") << Format::Csv
        << QStringList { QStringLiteral("1:valid:foo"), QStringLiteral("2:valid:bar") } << 0;
    QTest::newRow("csv single column without header")
        << QStringLiteral("foo\nbar") << Format::Csv
        << QStringList { QStringLiteral("1:valid:foo"), QStringLiteral("2:valid:bar") } << 0;
    QTest::newRow("csv header by invalid first field")
        << QStringLiteral("Instagram Handle,Followers\nfoo,10\nbar,3") << Format::Csv
        << QStringList { QStringLiteral("2:valid:foo"), QStringLiteral("3:valid:bar") } << 0;
    QTest::newRow("csv header word") << QStringLiteral("Name;Followers\nfoo;1") << Format::Csv
                                     << QStringList { QStringLiteral("2:valid:foo") } << 0;
    QTest::newRow("csv all invalid is not a header")
        << QStringLiteral("bad name,1\nalso bad,2") << Format::Csv
        << QStringList { QStringLiteral("1:invalid:bad name"),
               QStringLiteral("2:invalid:also bad") }
        << 0;
    QTest::newRow("csv username header")
        << QStringLiteral("followers,username\n1,foo") << Format::Csv
        << QStringList { QStringLiteral("2:valid:foo") } << 1;
    QTest::newRow("csv header only")
        << QStringLiteral("username\n") << Format::Csv << QStringList() << 0;
    QTest::newRow("csv empty") << QString() << Format::Csv << QStringList() << -1;
    QTest::newRow("csv trailing delimiter")
        << QStringLiteral("a,username,\n1,foo,\n") << Format::Csv
        << QStringList { QStringLiteral("2:valid:foo") } << 1;
}

void TestBulkParser::parse()
{
    QFETCH(QString, text);
    QFETCH(Format, format);
    QFETCH(QStringList, entries);
    QFETCH(int, csvColumn);

    const BulkParseResult result = BulkParser::parse(text, format);
    QCOMPARE(describe(result), entries);
    QCOMPARE(result.csv, csvColumn >= 0);
    QCOMPARE(result.csvColumn, csvColumn);
    checkInvariants(result);
    if (QTest::currentTestFailed())
        return;

    int valid = 0;
    int invalid = 0;
    int duplicates = 0;
    for (const QString &entry : entries) {
        valid += entry.contains(QStringLiteral(":valid:"));
        invalid += entry.contains(QStringLiteral(":invalid:"));
        duplicates += entry.contains(QStringLiteral(":dup:"));
    }
    QCOMPARE(result.valid, valid);
    QCOMPARE(result.invalid, invalid);
    QCOMPARE(result.duplicates, duplicates);
}

void TestBulkParser::keepsInputsAndReasons()
{
    const BulkParseResult result = BulkParser::parse(
        QStringLiteral("  @Foo ,https://www.instagram.com/FOO/\n.bad\ninstagram.com/p/x"));
    QCOMPARE(result.entries.size(), 4);
    QCOMPARE(result.entries.at(0).input, QStringLiteral("@Foo"));
    QCOMPARE(result.entries.at(0).username, QStringLiteral("foo"));
    QCOMPARE(result.entries.at(1).input, QStringLiteral("https://www.instagram.com/FOO/"));
    QCOMPARE(result.entries.at(1).duplicateOf, 0);
    QCOMPARE(result.entries.at(2).error, Username::normalize(QStringLiteral(".bad")).error);
    QVERIFY(result.entries.at(3).error.contains(QStringLiteral("post")));

    const BulkParseResult csv =
        BulkParser::parse(QStringLiteral("id,username\n7\n8,  \n\"9\",\"\"\n"));
    QCOMPARE(csv.entries.size(), 3);
    QCOMPARE(csv.entries.at(0).input, QStringLiteral("7")); // the row stands as the input
    QCOMPARE(csv.entries.at(1).input, QStringLiteral("8,"));
    QCOMPARE(csv.entries.at(2).input, QStringLiteral("\"9\",\"\""));
    QCOMPARE(
        csv.entries.at(0).error, QStringLiteral("The row has no column 2 (the username column)."));
    QCOMPARE(
        csv.entries.at(1).error, QStringLiteral("The row has no username: column 2 is empty."));
}

void TestBulkParser::largeText()
{
    // 100,000 lines: every tenth line repeats an earlier name in another form, every
    // thousandth is invalid.
    QString text;
    text.reserve(2'000'000);
    for (int i = 0; i < 100'000; ++i) {
        if (i % 1000 == 999)
            text += QStringLiteral(".bad%1").arg(i);
        else if (i % 10 == 5)
            text += QStringLiteral("@User%1").arg(i - 5);
        else
            text += QStringLiteral("user%1").arg(i);
        text += (i % 2 == 0) ? QStringLiteral("\n") : QStringLiteral("\r\n");
    }
    const BulkParseResult result = BulkParser::parse(text);
    QCOMPARE(result.entries.size(), 100'000);
    QCOMPARE(result.invalid, 100);
    QCOMPARE(result.duplicates, 10'000);
    QCOMPARE(result.valid, 89'900);
    QVERIFY(!result.csv);
    QCOMPARE(describe(result.entries.at(0)), QStringLiteral("1:valid:user0"));
    QCOMPARE(describe(result.entries.at(5)), QStringLiteral("6:dup:user0:0"));
    QCOMPARE(describe(result.entries.at(999)), QStringLiteral("1000:invalid:.bad999"));
    QCOMPARE(describe(result.entries.at(99'995)), QStringLiteral("99996:dup:user99990:99990"));
    QCOMPARE(describe(result.entries.at(99'998)), QStringLiteral("99999:valid:user99998"));
    checkInvariants(result);
}

void TestBulkParser::largeCsv()
{
    QString text = QStringLiteral("id,\"Username\",followers\r\n");
    for (int i = 0; i < 100'000; ++i)
        text += QStringLiteral("%1,\"User%2\",%3\r\n").arg(i).arg(i % 50'000).arg(i * 7);
    const BulkParseResult result = BulkParser::parse(text, Format::Csv);
    QVERIFY(result.csv);
    QCOMPARE(result.csvColumn, 1);
    QCOMPARE(result.entries.size(), 100'000);
    QCOMPARE(result.valid, 50'000);
    QCOMPARE(result.duplicates, 50'000);
    QCOMPARE(result.invalid, 0);
    QCOMPARE(describe(result.entries.at(0)), QStringLiteral("2:valid:user0"));
    QCOMPARE(describe(result.entries.at(50'001)), QStringLiteral("50003:dup:user1:1"));
    checkInvariants(result);
}

void TestBulkParser::randomInputKeepsInvariants()
{
    QRandomGenerator random(1128);
    const QString alphabet = QStringLiteral("aB1._@/:\",;\t \r\n\n") + QChar(0) + QChar(0xd800) +
        QChar(0xfeff) + QChar(0x00a0);
    const QStringList prefixes = { QString(), QStringLiteral("username\n"),
        QStringLiteral("x;username\n"), QStringLiteral("\"") };
    for (int round = 0; round < 3'000; ++round) {
        QString text = prefixes.at(random.bounded(int(prefixes.size())));
        const int length = random.bounded(200);
        for (int i = 0; i < length; ++i)
            text += alphabet.at(random.bounded(int(alphabet.size())));
        for (const Format format : { Format::Auto, Format::Text, Format::Csv }) {
            checkInvariants(BulkParser::parse(text, format));
            if (QTest::currentTestFailed())
                QFAIL(qPrintable(text));
        }
    }
}

void TestBulkParser::formatForFileName_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<Format>("format");
    QTest::newRow("csv") << QStringLiteral("/tmp/list.csv") << Format::Csv;
    QTest::newRow("CSV upper") << QStringLiteral("LIST.CSV") << Format::Csv;
    QTest::newRow("mixed case") << QStringLiteral("a.CsV") << Format::Csv;
    QTest::newRow("txt") << QStringLiteral("names.txt") << Format::Auto;
    QTest::newRow("no extension") << QStringLiteral("csv") << Format::Auto;
    QTest::newRow("csv then txt") << QStringLiteral("a.csv.txt") << Format::Auto;
    QTest::newRow("empty") << QString() << Format::Auto;
}

void TestBulkParser::formatForFileName()
{
    QFETCH(QString, fileName);
    QFETCH(Format, format);
    QCOMPARE(BulkParser::formatForFileName(fileName), format);
}

QTEST_GUILESS_MAIN(TestBulkParser)
#include "tst_bulkparser.moc"
