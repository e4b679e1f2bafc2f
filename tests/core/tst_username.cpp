#include "core/username.h"

#include <QRandomGenerator>
#include <QSet>
#include <QTest>

using namespace ViralSpot;

namespace {

QString repeated(QChar c, int count)
{
    return QString(count, c);
}

// The rules (contract: Usernames), written independently of the implementation.
bool followsRules(const QString &name)
{
    if (name.isEmpty() || name.size() > Username::MaxLength)
        return false;
    if (name.startsWith(u'.') || name.endsWith(u'.') || name.contains(QStringLiteral("..")))
        return false;
    for (const QChar c : name) {
        const bool allowed =
            (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'.' || c == u'_';
        if (!allowed)
            return false;
    }
    return true;
}

} // namespace

class TestUsername : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void normalize_data();
    void normalize();
    void normalizeIsIdempotent_data();
    void normalizeIsIdempotent();
    void errorsAreSentences();
    void hugeInput();
    void randomInputKeepsTheRules();
    void source_data();
    void source();
};

void TestUsername::normalize_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("username"); // expected normalized (display) form
    QTest::addColumn<QString>("error"); // empty: valid; else a fragment the reason must hold

    const QString ok;
    // Plain names and their decorations
    QTest::newRow("plain") << QStringLiteral("foo") << QStringLiteral("foo") << ok;
    QTest::newRow("mixed case") << QStringLiteral("FoO") << QStringLiteral("foo") << ok;
    QTest::newRow("all allowed characters")
        << QStringLiteral("Foo_Bar.9") << QStringLiteral("foo_bar.9") << ok;
    QTest::newRow("at") << QStringLiteral("@foo") << QStringLiteral("foo") << ok;
    QTest::newRow("at mixed case") << QStringLiteral("@Foo.Bar") << QStringLiteral("foo.bar") << ok;
    QTest::newRow("spaces around") << QStringLiteral("  foo  ") << QStringLiteral("foo") << ok;
    QTest::newRow("tab and new line around")
        << QStringLiteral("\tfoo\r\n") << QStringLiteral("foo") << ok;
    QTest::newRow("unicode spaces around")
        << QStringLiteral("\u00a0\u2003foo\u3000\u202f") << QStringLiteral("foo") << ok;
    QTest::newRow("zero-width and BOM around")
        << QStringLiteral("\u200bfoo\ufeff") << QStringLiteral("foo") << ok;
    QTest::newRow("spaces around at") << QStringLiteral("  @foo ") << QStringLiteral("foo") << ok;
    QTest::newRow("one letter") << QStringLiteral("a") << QStringLiteral("a") << ok;
    QTest::newRow("one underscore") << QStringLiteral("_") << QStringLiteral("_") << ok;
    QTest::newRow("digits only") << QStringLiteral("123") << QStringLiteral("123") << ok;
    QTest::newRow("single dots inside") << QStringLiteral("a.b.c") << QStringLiteral("a.b.c") << ok;
    QTest::newRow("underscores at edges")
        << QStringLiteral("__a__") << QStringLiteral("__a__") << ok;
    QTest::newRow("dot between underscores")
        << QStringLiteral("_._") << QStringLiteral("_._") << ok;
    QTest::newRow("exactly 30") << repeated(u'a', 30) << repeated(u'a', 30) << ok;
    QTest::newRow("exactly 30 upper") << repeated(u'Z', 30) << repeated(u'z', 30) << ok;
    QTest::newRow("looks like a domain")
        << QStringLiteral("foo.com") << QStringLiteral("foo.com") << ok;
    QTest::newRow("starts like instagram.com")
        << QStringLiteral("instagram.company") << QStringLiteral("instagram.company") << ok;

    // Links of every accepted shape
    QTest::newRow("https www slash")
        << QStringLiteral("https://www.instagram.com/foo/") << QStringLiteral("foo") << ok;
    QTest::newRow("https no www") << QStringLiteral("https://instagram.com/foo")
                                  << QStringLiteral("foo") << ok;
    QTest::newRow("http reels") << QStringLiteral("http://instagram.com/foo/reels/")
                                << QStringLiteral("foo") << ok;
    QTest::newRow("no scheme igsh")
        << QStringLiteral("instagram.com/foo?igsh=MWZ0a2xyZ3R2") << QStringLiteral("foo") << ok;
    QTest::newRow("no scheme slash")
        << QStringLiteral("instagram.com/foo/") << QStringLiteral("foo") << ok;
    QTest::newRow("www no scheme")
        << QStringLiteral("www.instagram.com/Foo") << QStringLiteral("foo") << ok;
    QTest::newRow("mobile host") << QStringLiteral("m.instagram.com/foo") << QStringLiteral("foo")
                                 << ok;
    QTest::newRow("mobile https query")
        << QStringLiteral("https://m.instagram.com/foo/?hl=en") << QStringLiteral("foo") << ok;
    QTest::newRow("upper-case link")
        << QStringLiteral("HTTPS://WWW.INSTAGRAM.COM/FOO.BAR/") << QStringLiteral("foo.bar") << ok;
    QTest::newRow("fragment") << QStringLiteral("https://www.instagram.com/foo#top")
                              << QStringLiteral("foo") << ok;
    QTest::newRow("query with several values")
        << QStringLiteral("https://www.instagram.com/foo/?igsh=abc&utm_source=qr")
        << QStringLiteral("foo") << ok;
    QTest::newRow("tagged tab") << QStringLiteral("https://www.instagram.com/foo/tagged/")
                                << QStringLiteral("foo") << ok;
    QTest::newRow("post under a profile")
        << QStringLiteral("https://www.instagram.com/foo/p/ABC123/") << QStringLiteral("foo") << ok;
    QTest::newRow("story of a profile")
        << QStringLiteral("https://www.instagram.com/stories/foo/3141592653/")
        << QStringLiteral("foo") << ok;
    QTest::newRow("port") << QStringLiteral("https://instagram.com:443/foo")
                          << QStringLiteral("foo") << ok;
    QTest::newRow("scheme-relative")
        << QStringLiteral("//instagram.com/foo") << QStringLiteral("foo") << ok;
    QTest::newRow("link with spaces around")
        << QStringLiteral("  https://instagram.com/foo \n") << QStringLiteral("foo") << ok;
    QTest::newRow("at in link path")
        << QStringLiteral("instagram.com/@foo") << QStringLiteral("foo") << ok;
    QTest::newRow("short host") << QStringLiteral("instagr.am/foo") << QStringLiteral("foo") << ok;
    QTest::newRow("doubled slashes")
        << QStringLiteral("https://www.instagram.com//foo//") << QStringLiteral("foo") << ok;
    QTest::newRow("fully qualified host")
        << QStringLiteral("https://www.instagram.com./foo") << QStringLiteral("foo") << ok;

    // Empty
    QTest::newRow("empty") << QString() << QString() << QStringLiteral("The username is empty.");
    QTest::newRow("spaces only") << QStringLiteral("   ") << QString()
                                 << QStringLiteral("The username is empty.");
    QTest::newRow("unicode white space only") << QStringLiteral("\n\t \u3000\u00a0") << QString()
                                              << QStringLiteral("The username is empty.");
    QTest::newRow("at only") << QStringLiteral("@") << QString()
                             << QStringLiteral("There is no username after the '@'.");

    // Length
    QTest::newRow("31 characters") << repeated(u'a', 31) << repeated(u'a', 31)
                                   << QStringLiteral("31 characters long; the limit is 30");
    QTest::newRow("100 characters") << repeated(u'b', 100) << repeated(u'b', 100)
                                    << QStringLiteral("100 characters long; the limit is 30");
    QTest::newRow("31 after at") << QString(QLatin1Char('@') + repeated(u'a', 31))
                                 << repeated(u'a', 31) << QStringLiteral("31 characters long");

    // Dots
    QTest::newRow("leading dot") << QStringLiteral(".foo") << QStringLiteral(".foo")
                                 << QStringLiteral("starts with a dot");
    QTest::newRow("trailing dot") << QStringLiteral("foo.") << QStringLiteral("foo.")
                                  << QStringLiteral("ends with a dot");
    QTest::newRow("consecutive dots") << QStringLiteral("foo..bar") << QStringLiteral("foo..bar")
                                      << QStringLiteral("two dots in a row");
    QTest::newRow("a dot only") << QStringLiteral(".") << QStringLiteral(".")
                                << QStringLiteral("starts with a dot");
    QTest::newRow("leading dot in link")
        << QStringLiteral("https://www.instagram.com/.foo/") << QStringLiteral(".foo")
        << QStringLiteral("starts with a dot");

    // Disallowed characters, each named
    QTest::newRow("inner space") << QStringLiteral("foo bar") << QStringLiteral("foo bar")
                                 << QStringLiteral("a space (U+0020)");
    QTest::newRow("inner tab") << QStringLiteral("foo\tbar") << QStringLiteral("foo\tbar")
                               << QStringLiteral("white space (U+0009)");
    QTest::newRow("hyphen") << QStringLiteral("foo-bar") << QStringLiteral("foo-bar")
                            << QStringLiteral("'-' (U+002D)");
    QTest::newRow("accented") << QStringLiteral("caf\u00e9") << QStringLiteral("caf\u00e9")
                              << QStringLiteral("'\u00e9' (U+00E9)");
    QTest::newRow("accented upper") << QStringLiteral("CAF\u00c9") << QStringLiteral("caf\u00e9")
                                    << QStringLiteral("'\u00c9' (U+00C9)");
    QTest::newRow("greek") << QStringLiteral("\u03a9mega") << QStringLiteral("\u03c9mega")
                           << QStringLiteral("'\u03a9' (U+03A9)");
    QTest::newRow("fullwidth") << QStringLiteral("\uff26\uff2f\uff2f")
                               << QStringLiteral("\uff46\uff4f\uff4f")
                               << QStringLiteral("'\uff26' (U+FF26)");
    QTest::newRow("emoji") << QStringLiteral("foo\U0001F600") << QStringLiteral("foo\U0001F600")
                           << QStringLiteral("'\U0001F600' (U+1F600)");
    QTest::newRow("NUL") << QString(QStringLiteral("foo") + QChar(0) + QStringLiteral("bar"))
                         << QString(QStringLiteral("foo") + QChar(0) + QStringLiteral("bar"))
                         << QStringLiteral("a NUL character (U+0000)");
    QTest::newRow("unpaired high surrogate")
        << QString(QStringLiteral("foo") + QChar(0xd800)) << QString()
        << QStringLiteral("an unpaired surrogate (U+D800)");
    QTest::newRow("unpaired low surrogate")
        << QString(QChar(0xdc00) + QStringLiteral("foo")) << QString()
        << QStringLiteral("an unpaired surrogate (U+DC00)");
    QTest::newRow("zero-width inside") << QStringLiteral("foo\u200bbar") << QString()
                                       << QStringLiteral("an invisible character (U+200B)");
    QTest::newRow("control character") << QStringLiteral("foo\u0007") << QString()
                                       << QStringLiteral("an invisible character (U+0007)");
    QTest::newRow("double at") << QStringLiteral("@@foo") << QStringLiteral("@foo")
                               << QStringLiteral("'@' (U+0040)");
    QTest::newRow("e-mail address")
        << QStringLiteral("foo@example") << QString() << QStringLiteral("'@' (U+0040)");
    QTest::newRow("slash without host")
        << QStringLiteral("foo/bar") << QString() << QStringLiteral("'/' (U+002F)");
    QTest::newRow("question mark")
        << QStringLiteral("foo?x") << QString() << QStringLiteral("'?' (U+003F)");
    QTest::newRow("hyphen in link") << QStringLiteral("https://www.instagram.com/foo-bar/")
                                    << QStringLiteral("foo-bar") << QStringLiteral("'-' (U+002D)");
    QTest::newRow("disallowed before length") << QString(QStringLiteral("a b") + repeated(u'c', 40))
                                              << QString() << QStringLiteral("a space");

    // Links that are not profiles
    QTest::newRow("post") << QStringLiteral("https://www.instagram.com/p/ABC123/") << QString()
                          << QStringLiteral("The link is to an Instagram post, not to a profile.");
    QTest::newRow("post no scheme") << QStringLiteral("instagram.com/p/ABC123") << QString()
                                    << QStringLiteral("Instagram post");
    QTest::newRow("reel") << QStringLiteral("https://www.instagram.com/reel/ABC/") << QString()
                          << QStringLiteral("Instagram reel, not to a profile");
    QTest::newRow("reels") << QStringLiteral("instagram.com/reels/ABC") << QString()
                           << QStringLiteral("Instagram reel");
    QTest::newRow("tv") << QStringLiteral("instagram.com/tv/ABC") << QString()
                        << QStringLiteral("Instagram video");
    QTest::newRow("explore") << QStringLiteral("https://www.instagram.com/explore/tags/cats/")
                             << QString() << QStringLiteral("Explore page");
    QTest::newRow("accounts page") << QStringLiteral("https://www.instagram.com/accounts/login/")
                                   << QString() << QStringLiteral("\"accounts\" page");
    QTest::newRow("story highlight")
        << QStringLiteral("https://www.instagram.com/stories/highlights/123/") << QString()
        << QStringLiteral("story highlight");
    QTest::newRow("stories without name")
        << QStringLiteral("https://www.instagram.com/stories/") << QString()
        << QStringLiteral("The link is to Instagram's \"stories\" page, not to a profile.");
    QTest::newRow("link without name") << QStringLiteral("https://www.instagram.com/") << QString()
                                       << QStringLiteral("The Instagram link has no username");
    QTest::newRow("bare host") << QStringLiteral("instagram.com") << QString()
                               << QStringLiteral("no username in it");
    QTest::newRow("bare www host")
        << QStringLiteral("WWW.Instagram.com") << QString() << QStringLiteral("no username in it");
    QTest::newRow("host after at")
        << QStringLiteral("@Instagram.com") << QString() << QStringLiteral("no username in it");
    QTest::newRow("link pasted twice") << QStringLiteral("https://instagram.com/instagram.com/foo")
                                       << QString() << QStringLiteral("no username in it");
    QTest::newRow("bare host with query") << QStringLiteral("https://www.instagram.com/?igsh=abc")
                                          << QString() << QStringLiteral("no username in it");
    QTest::newRow("at only in link") << QStringLiteral("instagram.com/@") << QString()
                                     << QStringLiteral("no username after the '@'");
    QTest::newRow("other host") << QStringLiteral("https://www.tiktok.com/@foo") << QString()
                                << QStringLiteral("The link points to www.tiktok.com, not to "
                                                  "Instagram.");
    QTest::newRow("other host no scheme") << QStringLiteral("facebook.com/foo") << QString()
                                          << QStringLiteral("points to facebook.com");
    QTest::newRow("lookalike host") << QStringLiteral("https://instagram.com.evil.net/foo")
                                    << QString() << QStringLiteral("instagram.com.evil.net");
    QTest::newRow("other scheme") << QStringLiteral("ftp://instagram.com/foo") << QString()
                                  << QStringLiteral("Only http:// and https:// links");
    QTest::newRow("scheme only") << QStringLiteral("https://") << QString()
                                 << QStringLiteral("The link has no host");
}

void TestUsername::normalize()
{
    QFETCH(QString, input);
    QFETCH(QString, username);
    QFETCH(QString, error);

    const Username::Parsed parsed = Username::normalize(input);
    if (error.isEmpty()) {
        QVERIFY2(parsed.isValid(), qPrintable(parsed.error));
        QCOMPARE(parsed.username, username);
        QVERIFY(followsRules(parsed.username));
    } else {
        QVERIFY2(!parsed.isValid(), qPrintable(parsed.username));
        QVERIFY2(parsed.error.contains(error),
            qPrintable(QStringLiteral("'%1' lacks '%2'").arg(parsed.error, error)));
        if (!username.isEmpty())
            QCOMPARE(parsed.username, username);
    }
}

void TestUsername::normalizeIsIdempotent_data()
{
    QTest::addColumn<QString>("input");
    QTest::newRow("plain") << QStringLiteral("Foo.Bar_1");
    QTest::newRow("link") << QStringLiteral("https://www.instagram.com/Some.One/?igsh=x");
    QTest::newRow("at") << QStringLiteral(" @X_y ");
}

void TestUsername::normalizeIsIdempotent()
{
    QFETCH(QString, input);
    const Username::Parsed once = Username::normalize(input);
    QVERIFY(once.isValid());
    const Username::Parsed twice = Username::normalize(once.username);
    QVERIFY(twice.isValid());
    QCOMPARE(twice.username, once.username);
}

void TestUsername::errorsAreSentences()
{
    // Every reason is one sentence that a person can read: capitalised, ending with a full stop.
    const QStringList inputs = { QString(), QStringLiteral("@"), repeated(u'a', 31),
        QStringLiteral(".a"), QStringLiteral("a."), QStringLiteral("a..b"), QStringLiteral("a b"),
        QStringLiteral("instagram.com/p/x"), QStringLiteral("example.com/x"),
        QStringLiteral("instagram.com"), QStringLiteral("ftp://x") };
    QSet<QString> reasons;
    for (const QString &input : inputs) {
        const QString error = Username::normalize(input).error;
        QVERIFY2(!error.isEmpty(), qPrintable(input));
        QVERIFY2(error.front().isUpper(), qPrintable(error));
        QVERIFY2(error.endsWith(u'.'), qPrintable(error));
        reasons.insert(error);
    }
    QCOMPARE(reasons.size(), inputs.size()); // each reason has its own sentence
}

void TestUsername::hugeInput()
{
    const QString huge = repeated(u'a', 5'000'000);
    const Username::Parsed parsed = Username::normalize(huge);
    QVERIFY(!parsed.isValid());
    QVERIFY(parsed.error.contains(QStringLiteral("5000000 characters long")));

    const QString link = QStringLiteral("https://instagram.com/") + repeated(u'/', 1'000'000) +
        repeated(u'?', 1'000'000);
    QVERIFY(Username::normalize(link).error.contains(QStringLiteral("no username")));

    // A huge host is shortened in the message.
    const QString host =
        QStringLiteral("https://") + repeated(u'x', 1'000'000) + QStringLiteral(".com/foo");
    const QString hostError = Username::normalize(host).error;
    QVERIFY(hostError.startsWith(QStringLiteral("The link points to xxx")));
    QVERIFY(hostError.size() < 200);
}

void TestUsername::randomInputKeepsTheRules()
{
    // Deterministic junk drawn from characters that matter to the parser.
    QRandomGenerator random(20261128);
    const QString alphabet = QStringLiteral("aZ09._@/:?#. -\t\n") + QChar(0) + QChar(0xd800) +
        QChar(0xdc00) + QChar(0x00e9) + QChar(0x200b) + QChar(0x3000);
    const QStringList prefixes = { QString(), QStringLiteral("https://instagram.com/"),
        QStringLiteral("instagram.com/"), QStringLiteral("@"),
        QStringLiteral("http://www.instagram.com/stories/") };
    for (int round = 0; round < 20'000; ++round) {
        QString input = prefixes.at(random.bounded(int(prefixes.size())));
        const int length = random.bounded(40);
        for (int i = 0; i < length; ++i)
            input += alphabet.at(random.bounded(int(alphabet.size())));
        const Username::Parsed parsed = Username::normalize(input);
        if (parsed.isValid()) {
            QVERIFY2(followsRules(parsed.username), qPrintable(input));
            QCOMPARE(Username::normalize(parsed.username).username, parsed.username);
        } else {
            QVERIFY(parsed.error.endsWith(u'.'));
        }
    }
}

void TestUsername::source_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("error");

    const QString ok;
    QTest::newRow("default") << Username::DefaultSource.toString() << ok;
    QTest::newRow("all classes") << QStringLiteral("Admin-UI:v1.2_bulk") << ok;
    QTest::newRow("one character") << QStringLiteral("x") << ok;
    QTest::newRow("exactly 100") << repeated(u's', 100) << ok;
    QTest::newRow("empty") << QString() << QStringLiteral("The source is empty.");
    QTest::newRow("101") << repeated(u's', 101)
                         << QStringLiteral("101 characters long; the limit is 100");
    QTest::newRow("space") << QStringLiteral("front end") << QStringLiteral("a space (U+0020)");
    QTest::newRow("slash") << QStringLiteral("a/b") << QStringLiteral("'/' (U+002F)");
    QTest::newRow("at") << QStringLiteral("me@host") << QStringLiteral("'@'");
    QTest::newRow("unicode") << QStringLiteral("caf\u00e9") << QStringLiteral("'\u00e9' (U+00E9)");
    QTest::newRow("NUL") << QString(QStringLiteral("a") + QChar(0)) << QStringLiteral("U+0000");
    QTest::newRow("leading space kept") << QStringLiteral(" frontend") << QStringLiteral("a space");
}

void TestUsername::source()
{
    QFETCH(QString, source);
    QFETCH(QString, error);
    const std::optional<QString> actual = Username::sourceError(source);
    if (error.isEmpty())
        QVERIFY2(!actual, qPrintable(actual.value_or(QString())));
    else
        QVERIFY2(actual && actual->contains(error), qPrintable(actual.value_or(QString())));
}

QTEST_GUILESS_MAIN(TestUsername)
#include "tst_username.moc"
