#include "core/username.h"

#include <QLatin1String>

#include <string_view>

namespace ViralSpot::Username {
namespace {

// Invisible characters that copy-paste often leaves around a name; not white space for QChar.
bool isInvisibleEdge(char16_t c)
{
    return c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF;
}

bool isEdgeSpace(QChar c)
{
    return c.isSpace() || isInvisibleEdge(c.unicode());
}

QStringView trimmed(QStringView s)
{
    qsizetype begin = 0;
    qsizetype end = s.size();
    while (begin < end && isEdgeSpace(s[begin]))
        ++begin;
    while (end > begin && isEdgeSpace(s[end - 1]))
        --end;
    return s.sliced(begin, end - begin);
}

// ASCII case-insensitive comparisons against lower-case literals, without Qt's Unicode folding
// (they run for every link of a batch).
bool equalsAscii(QStringView s, std::string_view lower)
{
    if (s.size() != qsizetype(lower.size()))
        return false;
    for (qsizetype i = 0; i < s.size(); ++i) {
        char16_t c = s[i].unicode();
        if (c >= u'A' && c <= u'Z')
            c = char16_t(c + (u'a' - u'A'));
        if (c != char16_t(lower[size_t(i)]))
            return false;
    }
    return true;
}

bool startsWithAscii(QStringView s, std::string_view lower)
{
    return s.size() >= qsizetype(lower.size()) && equalsAscii(s.first(lower.size()), lower);
}

bool isAsciiLetter(char16_t c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
}

bool isAsciiDigit(char16_t c)
{
    return c >= u'0' && c <= u'9';
}

// Describes the character at `index` for an error message: "'é' (U+00E9)", "a space (U+0020)",
// "an unpaired surrogate (U+D800)". Handles surrogate pairs as one character.
QString describeCharacter(QStringView s, qsizetype index)
{
    const char16_t c = s[index].unicode();
    char32_t codePoint = c;
    bool unpaired = false;
    if (QChar::isHighSurrogate(c) && index + 1 < s.size() &&
        QChar::isLowSurrogate(s[index + 1].unicode())) {
        codePoint = QChar::surrogateToUcs4(c, s[index + 1].unicode());
    } else if (QChar::isSurrogate(c)) {
        unpaired = true;
    }
    // "U+00E9": at least four upper-case hex digits. Built by hand: this runs for every invalid
    // line of a batch.
    char16_t digits[8];
    int count = 0;
    for (char32_t rest = codePoint; rest != 0 || count < 4; rest >>= 4)
        digits[count++] = u"0123456789ABCDEF"[rest & 0xF];
    QString code(count + 2, Qt::Uninitialized);
    QChar *out = code.data();
    *out++ = u'U';
    *out++ = u'+';
    while (count > 0)
        *out++ = QChar(digits[--count]);

    if (unpaired)
        return QLatin1String("an unpaired surrogate (") + code + QLatin1Char(')');
    if (codePoint == u' ')
        return QLatin1String("a space (") + code + QLatin1Char(')');
    if (QChar::isSpace(codePoint))
        return QLatin1String("white space (") + code + QLatin1Char(')');
    if (codePoint == 0)
        return QLatin1String("a NUL character (") + code + QLatin1Char(')');
    if (!QChar::isPrint(codePoint))
        return QLatin1String("an invisible character (") + code + QLatin1Char(')');
    return QLatin1Char('\'') + s.sliced(index, codePoint > 0xFFFF ? 2 : 1) + QLatin1String("' (") +
        code + QLatin1Char(')');
}

QString elided(QStringView s)
{
    constexpr qsizetype limit = 60;
    if (s.size() <= limit)
        return s.toString();
    return s.first(limit).toString() + QChar(0x2026);
}

bool isInstagramHost(QStringView host)
{
    for (const std::string_view known : { "instagram.com", "www.instagram.com", "m.instagram.com",
             "instagr.am", "www.instagr.am" }) {
        if (equalsAscii(host, known))
            return true;
    }
    return false;
}

// The first path segments of instagram.com that are pages, not profiles: why `segment` is not
// a profile, if it is one of them.
std::optional<QString> reservedPathError(QStringView segment)
{
    if (segment.size() > 10) // longer than any page name: the common case of a profile
        return std::nullopt;
    auto is = [segment](std::string_view page) { return equalsAscii(segment, page); };
    if (is("p"))
        return QStringLiteral("The link is to an Instagram post, not to a profile.");
    if (is("reel") || is("reels"))
        return QStringLiteral("The link is to an Instagram reel, not to a profile.");
    if (is("tv"))
        return QStringLiteral("The link is to an Instagram video, not to a profile.");
    if (is("explore"))
        return QStringLiteral("The link is to Instagram's Explore page, not to a profile.");
    for (const std::string_view page :
        { "accounts", "direct", "about", "legal", "developer", "web", "challenge", "privacy",
            "emails", "directory", "session", "oauth", "ar", "topics", "locations", "static" }) {
        if (is(page))
            return QStringLiteral("The link is to Instagram's \"%1\" page, not to a profile.")
                .arg(QLatin1String(page.data(), qsizetype(page.size())));
    }
    return {};
}

struct Candidate
{
    QStringView name;
    QString error; // set when the input is a link that holds no usable profile name
    bool afterAt = false;
};

// Finds the profile name in a link. When `s` is not shaped like a link at all, the whole of it
// is the candidate (and its '/', ':' or '?' is reported as a disallowed character).
Candidate fromLink(QStringView s)
{
    Candidate result;
    QStringView rest = s;
    bool hasScheme = false;
    if (startsWithAscii(rest, "https://")) {
        rest = rest.sliced(8);
        hasScheme = true;
    } else if (startsWithAscii(rest, "http://")) {
        rest = rest.sliced(7);
        hasScheme = true;
    } else if (startsWithAscii(rest, "//")) {
        rest = rest.sliced(2);
        hasScheme = true;
    } else {
        const qsizetype schemeEnd = rest.indexOf(QLatin1String("://"));
        if (schemeEnd > 0) {
            bool schemeShaped = isAsciiLetter(rest[0].unicode());
            for (qsizetype i = 1; i < schemeEnd && schemeShaped; ++i) {
                const char16_t c = rest[i].unicode();
                schemeShaped =
                    isAsciiLetter(c) || isAsciiDigit(c) || c == u'+' || c == u'-' || c == u'.';
            }
            if (schemeShaped) {
                result.error = QStringLiteral("Only http:// and https:// links to Instagram are "
                                              "accepted, not %1://.")
                                   .arg(elided(rest.first(schemeEnd)));
                return result;
            }
        }
    }

    qsizetype hostEnd = 0;
    while (hostEnd < rest.size() && rest[hostEnd] != u'/' && rest[hostEnd] != u'?' &&
        rest[hostEnd] != u'#')
        ++hostEnd;
    QStringView host = rest.first(hostEnd);
    if (!hasScheme && !host.contains(u'.')) {
        result.name = s; // not a link: the caller reports the '/', '?' or ':' it holds
        return result;
    }
    // A port ("instagram.com:443") and a trailing dot of a fully qualified host are harmless.
    const qsizetype colon = host.lastIndexOf(u':');
    if (colon >= 0) {
        bool digits = true;
        for (qsizetype i = colon + 1; i < host.size() && digits; ++i)
            digits = isAsciiDigit(host[i].unicode());
        if (digits)
            host = host.first(colon);
    }
    if (host.endsWith(u'.'))
        host.chop(1);
    if (!isInstagramHost(host)) {
        if (host.isEmpty())
            result.error = QStringLiteral("The link has no host; expected instagram.com/name.");
        else
            result.error =
                QStringLiteral("The link points to %1, not to Instagram.").arg(elided(host));
        return result;
    }

    QStringView path = rest.sliced(hostEnd);
    const qsizetype pathEnd = [path] {
        for (qsizetype i = 0; i < path.size(); ++i) {
            if (path[i] == u'?' || path[i] == u'#')
                return i;
        }
        return path.size();
    }();
    path = path.first(pathEnd);

    // The first two non-empty segments are all we look at.
    QStringView segments[2];
    int count = 0;
    qsizetype i = 0;
    while (i < path.size() && count < 2) {
        while (i < path.size() && path[i] == u'/')
            ++i;
        const qsizetype begin = i;
        while (i < path.size() && path[i] != u'/')
            ++i;
        if (i > begin)
            segments[count++] = path.sliced(begin, i - begin);
    }
    const QString noName = QStringLiteral("The Instagram link has no username in it.");
    if (count == 0) {
        result.error = noName;
        return result;
    }
    QStringView name = segments[0];
    if (equalsAscii(name, "stories")) {
        // instagram.com/stories/name/123 is a profile's story: the profile is the second segment.
        if (count < 2) {
            result.error =
                QStringLiteral("The link is to Instagram's \"stories\" page, not to a profile.");
            return result;
        }
        if (equalsAscii(segments[1], "highlights")) {
            result.error = QStringLiteral("The link is to an Instagram story highlight, not to "
                                          "a profile.");
            return result;
        }
        name = segments[1];
    } else {
        if (std::optional<QString> page = reservedPathError(name)) {
            result.error = std::move(*page);
            return result;
        }
    }
    if (name.startsWith(u'@')) {
        name = name.sliced(1);
        result.afterAt = true;
    }
    result.name = name;
    return result;
}

Candidate extract(QStringView s)
{
    for (const QChar c : s) {
        const char16_t u = c.unicode();
        if (u == u'/' || u == u':' || u == u'?' || u == u'#')
            return fromLink(s);
    }
    Candidate result;
    if (s.startsWith(u'@')) {
        result.name = s.sliced(1);
        result.afterAt = true;
    } else {
        result.name = s;
    }
    return result;
}

QString lowerForDisplay(QStringView name)
{
    return name.toString().toLower();
}

} // namespace

Parsed normalize(QStringView input)
{
    Parsed parsed;
    const QStringView s = trimmed(input);
    if (s.isEmpty()) {
        parsed.error = QStringLiteral("The username is empty.");
        return parsed;
    }
    Candidate candidate = extract(s);
    if (!candidate.error.isEmpty()) {
        parsed.error = std::move(candidate.error);
        return parsed;
    }
    const QStringView name = candidate.name;
    if (name.isEmpty()) {
        parsed.error = candidate.afterAt ? QStringLiteral("There is no username after the '@'.")
                                         : QStringLiteral("The username is empty.");
        return parsed;
    }

    // "instagram.com", "@instagram.com", "instagram.com/instagram.com/" (a link pasted twice)
    if (isInstagramHost(name)) {
        parsed.error = QStringLiteral("The Instagram link has no username in it.");
        return parsed;
    }

    // One pass: lower-case ASCII into the result and stop at the first disallowed character.
    QString lower(name.size(), Qt::Uninitialized);
    QChar *out = lower.data();
    qsizetype bad = -1;
    bool doubleDot = false;
    for (qsizetype i = 0; i < name.size(); ++i) {
        char16_t c = name[i].unicode();
        if (c >= u'A' && c <= u'Z') {
            c = char16_t(c + (u'a' - u'A'));
        } else if (c == u'.') {
            doubleDot = doubleDot || (i > 0 && out[i - 1] == u'.');
        } else if (!((c >= u'a' && c <= u'z') || isAsciiDigit(c) || c == u'_')) {
            bad = i;
            break;
        }
        out[i] = QChar(c);
    }
    if (bad >= 0) {
        parsed.username = lowerForDisplay(name);
        parsed.error = QLatin1String("The username contains ") + describeCharacter(name, bad) +
            QLatin1String(", which is not allowed: use only a-z, 0-9, '.' and '_'.");
        return parsed;
    }
    parsed.username = std::move(lower);
    const QString &u = parsed.username;
    if (u.size() > MaxLength) {
        parsed.error = QStringLiteral("The username is %1 characters long; the limit is %2.")
                           .arg(u.size())
                           .arg(MaxLength);
    } else if (u.startsWith(u'.')) {
        parsed.error = QStringLiteral("The username starts with a dot, which is not allowed.");
    } else if (u.endsWith(u'.')) {
        parsed.error = QStringLiteral("The username ends with a dot, which is not allowed.");
    } else if (doubleDot) {
        parsed.error = QStringLiteral("The username has two dots in a row (\"..\"), which is not "
                                      "allowed.");
    }
    return parsed;
}

std::optional<QString> sourceError(QStringView source)
{
    if (source.isEmpty())
        return QStringLiteral("The source is empty.");
    for (qsizetype i = 0; i < source.size(); ++i) {
        const char16_t c = source[i].unicode();
        if (!(isAsciiLetter(c) || isAsciiDigit(c) || c == u'_' || c == u'.' || c == u':' ||
                c == u'-')) {
            return QStringLiteral("The source contains %1, which is not allowed: use only A-Z, "
                                  "a-z, 0-9, '_', '.', ':' and '-'.")
                .arg(describeCharacter(source, i));
        }
    }
    if (source.size() > MaxSourceLength) {
        return QStringLiteral("The source is %1 characters long; the limit is %2.")
            .arg(source.size())
            .arg(MaxSourceLength);
    }
    return std::nullopt;
}

} // namespace ViralSpot::Username
