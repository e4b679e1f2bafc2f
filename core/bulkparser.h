#pragma once

#include <QList>
#include <QString>

namespace ViralSpot {

struct BulkEntry
{
    enum class Status { Valid, Invalid, Duplicate };

    int line = 0;        // 1-based line of the text the token came from
    QString input;       // the token as it stood (trimmed)
    QString username;    // normalized (may be set for invalid input, for display)
    Status status = Status::Valid;
    QString error;       // why invalid
    int duplicateOf = -1; // index into entries of the first occurrence, for Duplicate
};

struct BulkParseResult
{
    QList<BulkEntry> entries; // input order
    int valid = 0;            // unique valid usernames
    int invalid = 0;
    int duplicates = 0;
    bool csv = false;          // parsed as CSV
    int csvColumn = -1;        // column used when csv
};

namespace BulkParser {

enum class Format {
    Auto, // CSV when the first line is a header naming a `username` column, else free text
    Text, // tokens separated by new lines, commas, semicolons, tabs or spaces (any mix)
    Csv,  // a CSV file: its `username` column when the header has one, else its first column
};

BulkParseResult parse(QStringView text, Format format = Format::Auto);

// Format for a file name: Csv for *.csv, else Auto.
Format formatForFileName(const QString &fileName);

} // namespace BulkParser
} // namespace ViralSpot
