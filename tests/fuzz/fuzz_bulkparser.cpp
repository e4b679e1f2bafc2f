// libFuzzer entry point for BulkParser::parse in every format.
// Built by tests/fuzz/CMakeLists.txt (-DVIRALSPOT_FUZZ=ON), or by hand:
//   clang++-14 -std=c++17 -g -O1 -fsanitize=fuzzer,address $(pkg-config --cflags Qt6Core) \
//     -Icore -I<build>/core tests/fuzz/fuzz_bulkparser.cpp <build>/core/libviralspot_core.a \
//     $(pkg-config --libs Qt6Core) -o fuzz_bulkparser
//   ./fuzz_bulkparser -max_total_time=60 tests/fuzz/corpus/fuzz_bulkparser
// Invariants are hard checks (abort), independent of Q_ASSERT and the build type.

#include "core/bulkparser.h"
#include "core/username.h"

#include <QSet>
#include <QString>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace ViralSpot;
using Format = BulkParser::Format;

namespace {

[[noreturn]] void fail(const char *what, QStringView text, qsizetype entry)
{
    std::fprintf(stderr, "invariant broken at entry %lld: %s\ninput (UTF-8): %s\n",
        static_cast<long long>(entry), what, text.toUtf8().constData());
    std::abort();
}

int countLines(QStringView text)
{
    int lines = 1;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i] == u'\n' ||
            (text[i] == u'\r' && (i + 1 >= text.size() || text[i + 1] != u'\n')))
            ++lines;
    }
    return lines;
}

bool isTextSeparator(QChar c)
{
    return c == u',' || c == u';' || c.isSpace();
}

void check(QStringView text, Format format)
{
    const BulkParseResult result = BulkParser::parse(text, format);
    auto require = [&text](bool condition, const char *what, qsizetype entry) {
        if (!condition)
            fail(what, text, entry);
    };
    const int lines = countLines(text);
    int valid = 0;
    int invalid = 0;
    int duplicates = 0;
    int previousLine = 1;
    QSet<QString> seen;
    for (qsizetype i = 0; i < result.entries.size(); ++i) {
        const BulkEntry &entry = result.entries.at(i);
        require(entry.line >= previousLine && entry.line <= lines, "line out of order or range", i);
        previousLine = entry.line;
        if (!result.csv) {
            require(!entry.input.isEmpty(), "blank text token kept", i);
            for (const QChar c : entry.input)
                require(!isTextSeparator(c), "text token holds a separator", i);
        }
        const Username::Parsed parsed = Username::normalize(entry.input);
        switch (entry.status) {
        case BulkEntry::Status::Valid:
            ++valid;
            require(parsed.isValid() && parsed.username == entry.username,
                "valid entry is not its normalized input", i);
            require(entry.error.isEmpty() && entry.duplicateOf == -1, "valid entry with extras", i);
            require(!seen.contains(entry.username), "two valid entries for one username", i);
            seen.insert(entry.username);
            break;
        case BulkEntry::Status::Duplicate: {
            ++duplicates;
            require(parsed.isValid() && parsed.username == entry.username,
                "duplicate entry is not its normalized input", i);
            require(entry.duplicateOf >= 0 && entry.duplicateOf < i,
                "duplicate does not point backwards", i);
            const BulkEntry &first = result.entries.at(entry.duplicateOf);
            require(first.status == BulkEntry::Status::Valid && first.username == entry.username,
                "duplicate does not point at the valid first occurrence", i);
            break;
        }
        case BulkEntry::Status::Invalid:
            ++invalid;
            require(!entry.error.isEmpty(), "invalid without a reason", i);
            if (entry.error.startsWith(QStringLiteral("The row has no"))) {
                require(result.csv, "row error outside CSV", i);
                require(!entry.input.trimmed().isEmpty(), "row error without the row", i);
            } else {
                require(parsed.error == entry.error, "invalid reason differs from normalize()", i);
            }
            break;
        }
    }
    require(result.valid == valid && result.invalid == invalid && result.duplicates == duplicates,
        "counts do not match the entries", -1);
    require(result.csv == (result.csvColumn >= 0), "csv flag and column disagree", -1);
    require(format != Format::Text || !result.csv, "text parsed as CSV", -1);
}

void checkAllFormats(QStringView text)
{
    check(text, Format::Auto);
    check(text, Format::Text);
    check(text, Format::Csv);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    checkAllFormats(QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size)));
    QString raw(qsizetype(size / 2), Qt::Uninitialized);
    if (!raw.isEmpty())
        std::memcpy(raw.data(), data, size_t(raw.size()) * sizeof(char16_t));
    checkAllFormats(raw);
    return 0;
}
