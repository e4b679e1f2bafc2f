#pragma once

#include <QList>
#include <QString>

namespace ViralSpot {

struct BulkEntry
{
    enum class Status
    {
        Valid,
        Invalid,
        Duplicate
    };

    int line = 0; // 1-based line of the text the token came from
    QString input; // the token as it stood (trimmed)
    QString username; // normalized (may be set for invalid input, for display)
    Status status = Status::Valid;
    QString error; // why invalid
    int duplicateOf = -1; // index into entries of the first occurrence, for Duplicate
};

struct BulkParseResult
{
    QList<BulkEntry> entries; // input order
    int valid = 0; // unique valid usernames
    int invalid = 0;
    int duplicates = 0;
    bool csv = false; // parsed as CSV
    int csvColumn = -1; // column used when csv
};

namespace BulkParser {

enum class Format
{
    Auto, // CSV when the first line is a header naming a `username` column, else free text
    Text, // tokens separated by new lines, commas, semicolons, tabs or spaces (any mix)
    Csv, // a CSV file: its `username` column when the header has one, else its first column
};

// Rules shared by every format: a byte order mark at the start is ignored; blank tokens and
// blank lines are skipped; every other token or CSV row gets one entry, in input order, with
// the 1-based line it starts on; duplicates are found after normalization (`Foo`, `@foo` and
// `instagram.com/foo` are one profile) among valid usernames only.
//
// Text: separators are new lines (\n, \r\n, \r), commas, semicolons and any white space. A
// token wrapped in matching quotes ("foo" or 'foo') loses them.
//
// CSV: the delimiter is the most frequent of `,` `;` and tab in the first non-blank line
// (outside quotes), comma when none. Fields follow RFC 4180 (quoted fields may hold
// delimiters, new lines and doubled quotes); a quote that is never closed is taken literally.
// Fields are trimmed. The first non-blank row is a header when
//   1. one of its fields is `username` (case-insensitive; `user_name`, `user name` and
//      `user-name` too) — that column is used; or else
//   2. its first field is a common header word (`name`, `user`, `handle`, `account`,
//      `profile`, `instagram`, `ig`, `login`, or their plurals, `usernames`); or
//   3. its first field is not a valid username while the first field of the next non-blank
//      row is.
// Without a `username` column the first column is used. A row whose username field is
// missing or empty becomes an Invalid entry whose input is the whole row; an all-blank row is
// skipped.
// Auto picks CSV only by rule 1, so pasted text is never mistaken for a headerless CSV.

BulkParseResult parse(QStringView text, Format format = Format::Auto);

// Format for a file name: Csv for *.csv, else Auto.
Format formatForFileName(const QString &fileName);

} // namespace BulkParser
} // namespace ViralSpot
