// What a file or standard input is written in (TextEncoding) and BulkChunkReader reading it:
// UTF-16 and UTF-32 with a byte-order mark, UTF-16 without one, Windows-1252 from a spreadsheet,
// UTF-8 as before, code units cut at the reader's block boundaries.

#include "core/bulkparser.h"
#include "core/textencoding.h"

#include <QBuffer>
#include <QStringEncoder>
#include <QTest>

#include <cstring>

using namespace ViralSpot;
using Encoding = TextEncoding::Encoding;

namespace {

QByteArray encoded(const QString &text, QStringEncoder::Encoding encoding, bool mark)
{
    QStringEncoder encoder(
        encoding, mark ? QStringEncoder::Flag::WriteBom : QStringEncoder::Flag::Default);
    return encoder(text);
}

// Hands its data over at most `step` bytes per read, as a pipe does: the reader's blocks end
// at odd offsets, inside code units and surrogate pairs.
class TrickleDevice final : public QIODevice
{
public:
    TrickleDevice(QByteArray data, qint64 step)
        : m_data(std::move(data))
        , m_step(step)
    { }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char *out, qint64 max) override
    {
        const qint64 n = qMin(qMin(max, m_step), qint64(m_data.size()) - m_at);
        std::memcpy(out, m_data.constData() + m_at, size_t(n));
        m_at += n;
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    QByteArray m_data;
    qint64 m_step;
    qint64 m_at = 0;
};

// Every piece of `bytes` read through a BulkChunkReader (`format`, `lines` per piece).
struct ReadBack
{
    QStringList inputs;
    QStringList usernames;
    int invalid = 0;
    QList<qint64> consumed; // bytesConsumed() after each piece
    std::optional<Encoding> encoding;
};

ReadBack readBack(
    const QByteArray &bytes, BulkParser::Format format, int lines = 10000, qint64 step = 0)
{
    QBuffer buffer;
    buffer.setData(bytes);
    TrickleDevice trickle(bytes, step);
    QIODevice *device = step > 0 ? static_cast<QIODevice *>(&trickle) : &buffer;
    device->open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    BulkChunkReader reader(device, format, lines);
    ReadBack out;
    BulkParseResult piece;
    while (reader.next(&piece)) {
        for (const BulkEntry &e : std::as_const(piece.entries)) {
            out.inputs << e.input;
            if (e.status == BulkEntry::Status::Invalid)
                ++out.invalid;
            else
                out.usernames << e.username;
        }
        out.consumed << reader.bytesConsumed();
    }
    out.encoding = reader.encoding();
    return out;
}

} // namespace

class TestTextEncoding : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void detect_data();
    void detect();
    void decodeDropsTheMark();
    void readerReadsEveryEncoding_data();
    void readerReadsEveryEncoding();
    void readerCutsNoCodeUnitAcrossBlocks();
    void readerKeepsUtf8AsBefore();
    void readerLooksAtTheWholeHead();
};

void TestTextEncoding::detect_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<bool>("complete");
    QTest::addColumn<Encoding>("expected");

    const QString list = QStringLiteral("alice\nbob.two\ncarol_3\n");
    QTest::newRow("ascii") << list.toUtf8() << true << Encoding::Utf8;
    QTest::newRow("empty") << QByteArray() << true << Encoding::Utf8;
    QTest::newRow("utf-8 accents")
        << QStringLiteral("alice,José\n").toUtf8() << true << Encoding::Utf8;
    QTest::newRow("utf-8 mark") << encoded(list, QStringEncoder::Utf8, true) << true
                                << Encoding::Utf8;
    QTest::newRow("utf-16le mark")
        << encoded(list, QStringEncoder::Utf16LE, true) << true << Encoding::Utf16LE;
    QTest::newRow("utf-16be mark")
        << encoded(list, QStringEncoder::Utf16BE, true) << true << Encoding::Utf16BE;
    QTest::newRow("utf-32le mark")
        << encoded(list, QStringEncoder::Utf32LE, true) << true << Encoding::Utf32LE;
    QTest::newRow("utf-32be mark")
        << encoded(list, QStringEncoder::Utf32BE, true) << true << Encoding::Utf32BE;
    QTest::newRow("utf-16le no mark")
        << encoded(list, QStringEncoder::Utf16LE, false) << true << Encoding::Utf16LE;
    QTest::newRow("utf-16be no mark")
        << encoded(list, QStringEncoder::Utf16BE, false) << true << Encoding::Utf16BE;
    // A spreadsheet's CSV in Windows-1252: "José" and a typographic quote in another column.
    QTest::newRow("windows-1252") << QByteArray("username,name\nalice,Jos\xe9 \x93"
                                                "A\x94\n")
                                  << true << Encoding::Windows1252;
    // The head of a longer UTF-8 input may end inside a character: still UTF-8.
    const QByteArray cut = QStringLiteral("alice,José").toUtf8().chopped(1);
    QTest::newRow("utf-8 cut, more to come") << cut << false << Encoding::Utf8;
    QTest::newRow("utf-8 cut at the end") << cut << true << Encoding::Windows1252;
}

void TestTextEncoding::detect()
{
    QFETCH(QByteArray, head);
    QFETCH(bool, complete);
    QFETCH(Encoding, expected);
    QCOMPARE(TextEncoding::detect(head, complete), expected);
}

void TestTextEncoding::decodeDropsTheMark()
{
    const QString text = QStringLiteral("alice\r\nbob\r\n");
    Encoding used = Encoding::Utf8;
    QCOMPARE(TextEncoding::decode(encoded(text, QStringEncoder::Utf16LE, true), &used), text);
    QCOMPARE(used, Encoding::Utf16LE);
    QCOMPARE(TextEncoding::decode(encoded(text, QStringEncoder::Utf8, true), &used), text);
    QCOMPARE(used, Encoding::Utf8);
    QCOMPARE(TextEncoding::decode(QByteArray("Jos\xe9 \x80"), &used), QStringLiteral("José €"));
    QCOMPARE(used, Encoding::Windows1252);
    QCOMPARE(TextEncoding::name(Encoding::Windows1252), QStringLiteral("Windows-1252"));
    QCOMPARE(TextEncoding::name(Encoding::Utf16BE), QStringLiteral("UTF-16BE"));
}

void TestTextEncoding::readerReadsEveryEncoding_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<BulkParser::Format>("format");
    QTest::addColumn<Encoding>("expected");

    const QString text = QStringLiteral("alice\r\nbob.two, carol_3\r\n@dave\r\n");
    QTest::newRow("utf-16le mark") << encoded(text, QStringEncoder::Utf16LE, true)
                                   << BulkParser::Format::Auto << Encoding::Utf16LE;
    QTest::newRow("utf-16be mark") << encoded(text, QStringEncoder::Utf16BE, true)
                                   << BulkParser::Format::Text << Encoding::Utf16BE;
    QTest::newRow("utf-16le no mark") << encoded(text, QStringEncoder::Utf16LE, false)
                                      << BulkParser::Format::Auto << Encoding::Utf16LE;
    QTest::newRow("utf-32le mark") << encoded(text, QStringEncoder::Utf32LE, true)
                                   << BulkParser::Format::Auto << Encoding::Utf32LE;
    // "Unicode text" from a spreadsheet: UTF-16, tab-separated, a header.
    const QString sheet = QStringLiteral("username\tname\r\nalice\tAlice\r\nbob.two\tBob\r\n"
                                         "carol_3\tCarol\r\ndave\tDavé\r\n");
    QTest::newRow("spreadsheet unicode text") << encoded(sheet, QStringEncoder::Utf16LE, true)
                                              << BulkParser::Format::Csv << Encoding::Utf16LE;
    QTest::newRow("spreadsheet windows-1252 csv")
        << QByteArray("username;name\r\nalice;Alice\r\nbob.two;Bob \x96 Jr\r\ncarol_3;Carol\r\n"
                      "dave;Dav\xe9\r\n")
        << BulkParser::Format::Csv << Encoding::Windows1252;
}

void TestTextEncoding::readerReadsEveryEncoding()
{
    QFETCH(QByteArray, bytes);
    QFETCH(BulkParser::Format, format);
    QFETCH(Encoding, expected);
    const ReadBack r = readBack(bytes, format);
    QCOMPARE(r.usernames,
        QStringList({ QStringLiteral("alice"), QStringLiteral("bob.two"), QStringLiteral("carol_3"),
            QStringLiteral("dave") }));
    QCOMPARE(r.invalid, 0);
    QCOMPARE(r.encoding, std::optional<Encoding>(expected));
    // The progress is in the input's own bytes: all of them at the end.
    QVERIFY(!r.consumed.isEmpty());
    QCOMPARE(r.consumed.last(), qint64(bytes.size()));
}

void TestTextEncoding::readerCutsNoCodeUnitAcrossBlocks()
{
    // 150,000 names in UTF-16LE without a mark, a non-BMP character in some (a surrogate pair,
    // invalid as a username but kept whole), handed over 4,093 bytes at a time: the reader's
    // blocks end at odd byte offsets and inside pairs.
    QString text;
    QStringList expected;
    for (int i = 0; i < 150000; ++i) {
        const QString name = QStringLiteral("user_%1").arg(i);
        if (i % 1000 == 7) {
            text += name + QStringLiteral("\U0001F600\n");
        } else {
            text += name + QLatin1Char('\n');
            expected << name;
        }
    }
    const QByteArray bytes = encoded(text, QStringEncoder::Utf16LE, false);
    QVERIFY(bytes.size() > 3 * (1 << 20));
    const ReadBack r = readBack(bytes, BulkParser::Format::Text, 7001, 4093);
    QCOMPARE(r.encoding, std::optional<Encoding>(Encoding::Utf16LE));
    QCOMPARE(r.usernames, expected);
    QCOMPARE(r.invalid, 150);
    for (const QString &input : std::as_const(r.inputs))
        QVERIFY2(!input.contains(QChar::ReplacementCharacter), qPrintable(input));
    QVERIFY(r.consumed.size() > 10);
    for (qsizetype i = 1; i < r.consumed.size(); ++i)
        QVERIFY(r.consumed[i] > r.consumed[i - 1]);
    QCOMPARE(r.consumed.last(), qint64(bytes.size()));
}

void TestTextEncoding::readerKeepsUtf8AsBefore()
{
    // UTF-8 (with its mark) is read as it always was; a stray invalid byte after the head is
    // one U+FFFD in that input, not a different reading of the whole input.
    QByteArray bytes = encoded(QStringLiteral("alice\n"), QStringEncoder::Utf8, true);
    for (int i = 0; i < 20000; ++i)
        bytes += "name_" + QByteArray::number(i) + '\n';
    bytes += "bad\xff"
             "name\nzed\n";
    const ReadBack r = readBack(bytes, BulkParser::Format::Auto);
    QCOMPARE(r.encoding, std::optional<Encoding>(Encoding::Utf8));
    QCOMPARE(r.usernames.size(), 20002);
    QCOMPARE(r.usernames.first(), QStringLiteral("alice"));
    QCOMPARE(r.usernames.last(), QStringLiteral("zed"));
    QCOMPARE(r.invalid, 1);
    QVERIFY(r.inputs.contains(QStringLiteral("bad\uFFFDname")));
    QCOMPARE(r.consumed.last(), qint64(bytes.size()));
}

void TestTextEncoding::readerLooksAtTheWholeHead()
{
    // A pipe hands over a few KiB per read; the first accent of a Windows-1252 list comes after
    // the first read but within the head: the input is read as Windows-1252, not as UTF-8 with
    // a replacement character.
    QByteArray bytes;
    for (int i = 0; i < 1000; ++i)
        bytes += "name_" + QByteArray::number(i) + '\n';
    QVERIFY(bytes.size() > 4093 && bytes.size() < TextEncoding::HeadBytes);
    bytes += "Jos\xe9\n";
    const ReadBack r = readBack(bytes, BulkParser::Format::Text, 10000, 4093);
    QCOMPARE(r.encoding, std::optional<Encoding>(Encoding::Windows1252));
    QCOMPARE(r.inputs.last(), QStringLiteral("José"));
    QCOMPARE(r.usernames.size(), 1000);
}

QTEST_GUILESS_MAIN(TestTextEncoding)
#include "tst_textencoding.moc"
