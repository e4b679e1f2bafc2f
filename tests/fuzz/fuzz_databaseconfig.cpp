// libFuzzer entry point for DatabaseConfig::fromUrl (contract: Command line database URLs) and the
// URLs it builds back (toUrl, displayUrl). Invariants are hard checks (abort):
// - a URL that parses gives a valid configuration; one that does not gives a bounded reason;
// - toUrl() of a parsed configuration parses again to the same configuration (what the app
//   hands to child processes must mean the same database);
// - displayUrl() never shows the password.

#include "core/databaseconfig.h"

#include <QString>
#include <QStringList>
#include <QUrl>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace ViralSpot;

namespace {

[[noreturn]] void fail(const char *what, const QString &input, const QString &detail = {})
{
    std::fprintf(stderr, "invariant broken: %s\ninput (UTF-8): %s\ndetail: %s\n", what,
        input.toUtf8().constData(), detail.toUtf8().constData());
    std::abort();
}

bool same(const DatabaseConfig &a, const DatabaseConfig &b)
{
    return a.engine == b.engine && a.sqlitePath == b.sqlitePath && a.host == b.host &&
        a.port == b.port && a.databaseName == b.databaseName && a.user == b.user &&
        a.password == b.password && a.options == b.options;
}

void check(const QString &input)
{
    const ValueResult<DatabaseConfig> parsed = DatabaseConfig::fromUrl(input);
    if (!parsed.ok) {
        if (parsed.error.isEmpty())
            fail("refused without a reason", input);
        if (parsed.error.size() > 1000)
            fail("reason too long", input, parsed.error);
        return;
    }
    const DatabaseConfig &config = parsed.value;
    if (!config.isValid())
        fail("accepted URL gives an invalid configuration", input);

    // Known and accepted: a SQLite path whose last name ends in white space (only reachable as
    // "sqlite:name   /") does not survive the round trip, because URLs are trimmed.
    if (config.sqlitePath != config.sqlitePath.trimmed())
        return;
    // Also accepted: QUrl does not round-trip every code point above U+D7FF (surrogates,
    // private use, supplementary planes) in query keys; such URLs are not a real use.
    for (const QString *field :
        { &config.host, &config.databaseName, &config.user, &config.password, &config.options }) {
        for (const QChar c : *field) {
            if (c.unicode() >= 0xD800)
                return;
        }
    }
    const QString url = config.toUrl();
    const ValueResult<DatabaseConfig> parsedAgain = DatabaseConfig::fromUrl(url);
    if (!parsedAgain.ok)
        fail("toUrl() does not parse again", input,
            url + QStringLiteral(" -> ") + parsedAgain.error);
    const DatabaseConfig &reparsed = parsedAgain.value;
    if (!same(config, reparsed)) {
        const auto show = [](const DatabaseConfig &c) {
            return QStringList { c.sqlitePath, c.host, QString::number(c.port), c.databaseName,
                c.user, c.password, c.options }
                .join(QStringLiteral(" | "));
        };
        fail("toUrl() parses to a different configuration", input,
            url + QStringLiteral("\nfirst:  ") + show(config) + QStringLiteral("\nsecond: ") +
                show(reparsed));
    }

    if (!config.password.isEmpty()) {
        const QString display = config.displayUrl();
        const ValueResult<DatabaseConfig> shown = DatabaseConfig::fromUrl(display);
        if (!shown.ok || shown.value.password != QLatin1String("***"))
            fail("displayUrl() does not mask the password", input, display);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    check(text);
    // The same bytes behind each scheme, so that the fuzzer need not find the prefixes itself.
    check(QStringLiteral("postgresql://") + text);
    check(QStringLiteral("sqlite:") + text);
    return 0;
}
