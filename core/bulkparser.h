#pragma once

#include "core/textencoding.h"

#include <QByteArray>
#include <QIODevice>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

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

// A list of inputs given one by one (POST /api/batches' JSON array): each is one entry (line =
// its 1-based index), never split; duplicates collapse to the first as in parse().
BulkParseResult fromInputs(const QStringList &inputs);

// Format for a file name: Csv for *.csv, else Auto.
Format formatForFileName(const QString &fileName);

} // namespace BulkParser

// The same rules over a text given piece by piece (a streamed `submit -`, a big file), so that
// memory does not grow with the input. Each piece must end at a line break (or the end of the
// input) and, in CSV, outside a quoted field; BulkChunkReader cuts pieces so. The first
// non-blank piece decides what parse() decides from the whole text: Auto's format, the CSV
// delimiter and header (with its `username` column); later pieces use them. Line numbers
// carry on. Duplicates are collapsed within a piece only: BulkEntry::duplicateOf indexes the
// piece's entries, and a repeat of an earlier piece's username is Valid here (the batch's
// recorded items find it: NewBatch::appendToExisting). A text given as one piece parses
// exactly as BulkParser::parse().
class BulkStreamParser final
{
public:
    explicit BulkStreamParser(BulkParser::Format format = BulkParser::Format::Auto);

    BulkParseResult parse(QStringView piece);

    // Whether the input is read as CSV (known after the first non-blank piece), and with which
    // delimiter (for cutting pieces outside quoted fields).
    bool isCsv() const { return m_format == BulkParser::Format::Csv; }
    char16_t delimiter() const { return m_delimiter; }
    bool decided() const { return m_decided; }
    int nextLine() const { return m_line; }

private:
    BulkParser::Format m_format;
    bool m_decided = false; // a non-blank piece was seen
    bool m_first = true; // no piece yet (a byte order mark may start it)
    char16_t m_delimiter = u',';
    int m_column = 0;
    int m_line = 1;
};

// Reads UTF-8 bulk text from a device in pieces of about `linesPerPiece` lines, cut where
// BulkStreamParser needs them (after a line break; in CSV, outside a quoted field: a quoted
// field that never closes is cut after MaxPieceFactor pieces' worth of lines), and parses each.
class BulkChunkReader final
{
public:
    BulkChunkReader(QIODevice *device, BulkParser::Format format, int linesPerPiece = 10000);

    // The next piece, parsed; false at the end of the input.
    bool next(BulkParseResult *piece);
    const BulkStreamParser &parser() const { return m_parser; }
    // Bytes of the input in the pieces returned so far (what was read ahead not counted; for an
    // input that is not UTF-8, in proportion to what was decoded so far).
    qint64 bytesConsumed() const;
    // What the input is written in (TextEncoding::detect() on its first 64 KiB), once read.
    std::optional<TextEncoding::Encoding> encoding() const { return m_encoding; }

    static constexpr int MaxPieceFactor = 16;

private:
    // Moves the next piece's bytes out of the buffer (reading more as needed); empty at the end.
    QByteArray takePiece();
    bool fill(); // reads one block; false at the end of the input

    QIODevice *m_device;
    BulkStreamParser m_parser;
    int m_linesPerPiece;
    QByteArray m_buffer;
    bool m_atEnd = false;
    bool m_quoteAware = true;
    qint64 m_consumed = 0;
    std::optional<TextEncoding::Encoding> m_encoding;
    QStringDecoder m_decoder; // valid when the input is not UTF-8: to UTF-8 as it is read
    qint64 m_sourceBytes = 0; // of such an input: read and decoded so far
    qint64 m_utf8Bytes = 0; // ... and what they became
};
} // namespace ViralSpot
