// libFuzzer entry point for Username::normalize and Username::sourceError.
// Built by tests/fuzz/CMakeLists.txt (-DVIRALSPOT_FUZZ=ON), or by hand:
//   clang++-14 -std=c++17 -g -O1 -fsanitize=fuzzer,address $(pkg-config --cflags Qt6Core) \
//     -Icore -I<build>/core tests/fuzz/fuzz_username.cpp <build>/core/libviralspot_core.a \
//     $(pkg-config --libs Qt6Core) -o fuzz_username
//   ./fuzz_username -max_total_time=60 tests/fuzz/corpus/fuzz_username
// Invariants are hard checks (abort), independent of Q_ASSERT and the build type.

#include "core/username.h"

#include <QString>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace ViralSpot;

namespace {

[[noreturn]] void fail(const char *what, QStringView input)
{
    std::fprintf(
        stderr, "invariant broken: %s\ninput (UTF-8): %s\n", what, input.toUtf8().constData());
    std::abort();
}

void require(bool condition, const char *what, QStringView input)
{
    if (!condition)
        fail(what, input);
}

bool followsUsernameRules(QStringView name)
{
    if (name.isEmpty() || name.size() > Username::MaxLength)
        return false;
    if (name.startsWith(u'.') || name.endsWith(u'.'))
        return false;
    for (qsizetype i = 0; i < name.size(); ++i) {
        const char16_t c = name[i].unicode();
        const bool allowed =
            (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'.' || c == u'_';
        if (!allowed || (c == u'.' && i > 0 && name[i - 1] == u'.'))
            return false;
    }
    return true;
}

bool followsSourceRules(QStringView source)
{
    if (source.isEmpty() || source.size() > Username::MaxSourceLength)
        return false;
    for (const QChar ch : source) {
        const char16_t c = ch.unicode();
        const bool allowed = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
            (c >= u'0' && c <= u'9') || c == u'_' || c == u'.' || c == u':' || c == u'-';
        if (!allowed)
            return false;
    }
    return true;
}

void check(QStringView input)
{
    const Username::Parsed parsed = Username::normalize(input);
    if (parsed.isValid()) {
        require(followsUsernameRules(parsed.username), "valid username breaks the rules", input);
        // The normalized form is a fixed point, and every accepted decoration of it maps back.
        const QString &name = parsed.username;
        for (const QString &form : { name, QString(QStringLiteral("@") + name), name.toUpper(),
                 QString(QStringLiteral(" \t") + name + QStringLiteral("\n")) }) {
            const Username::Parsed again = Username::normalize(form);
            require(again.isValid() && again.username == name, "normalized form not stable", input);
        }
        // As a link it maps back too, unless the name is one of Instagram's own pages
        // (instagram.com/p/, /explore/, ...), which a link cannot name as a profile.
        for (const QString &link :
            { QString(QStringLiteral("https://www.instagram.com/") + name + QStringLiteral("/")),
                QString(QStringLiteral("instagram.com/") + name + QStringLiteral("?igsh=x")) }) {
            const Username::Parsed again = Username::normalize(link);
            require((again.isValid() && again.username == name) ||
                    (!again.isValid() && again.error.contains(QStringLiteral("not to a profile"))),
                "link to a valid name not accepted", input);
        }
    } else {
        require(!parsed.error.isEmpty(), "invalid without a reason", input);
        require(parsed.error.endsWith(u'.'), "reason is not a sentence", input);
        require(parsed.error.size() < 400, "reason is too long", input);
    }
    const std::optional<QString> sourceError = Username::sourceError(input);
    require(!sourceError == followsSourceRules(input), "source rules disagree", input);
    require(!sourceError || sourceError->endsWith(u'.'), "source reason not a sentence", input);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // As UTF-8 (invalid sequences become U+FFFD).
    check(QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size)));
    // As raw UTF-16: unpaired surrogates, NULs and any code unit reach the parser unchanged.
    QString raw(qsizetype(size / 2), Qt::Uninitialized);
    if (!raw.isEmpty())
        std::memcpy(raw.data(), data, size_t(raw.size()) * sizeof(char16_t));
    check(raw);
    return 0;
}
