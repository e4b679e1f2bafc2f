#pragma once

#include "core/batches/batches.h"
#include "core/bulkparser.h"
#include "core/outcome.h"

#include <QDateTime>
#include <QMetaType>
#include <QString>

#include <array>

namespace ViralSpot::Ui {

// A file too big for the editor, submitted as it is read: RequestWorker::submitFile() reads
// it piece by piece (BulkChunkReader) on the request thread, and each piece is requested and
// recorded into the batch in one transaction (BatchOptions::record, appended after the first).
// Nothing per line is kept: the batch's items are the record, FileImportProgress the counts.
struct FileImportRequest
{
    QString path;
    ViralSpot::BulkParser::Format format = ViralSpot::BulkParser::Format::Auto;
    QString source;
    int linesPerPiece = 10000;
    ViralSpot::NewBatch record; // id, name, origin, submitter; positions are set per piece
    // The file as it was when the import started: a retry goes on only in the same file.
    qint64 size = -1;
    QDateTime modified;
};

// Where a file import stands: what was read, what the committed pieces' inputs came to, and
// why it stopped early. Also what a retry carries on from (the pieces already committed are
// read again but not sent).
struct FileImportProgress
{
    qint64 bytesRead = 0;
    qint64 bytesTotal = 0;
    int lines = 0; // lines of the file read, through the last committed piece
    int pieces = 0; // pieces committed (their inputs are all items of the batch)
    int inputs = 0; // inputs of the committed pieces (= items recorded)
    std::array<int, int(ViralSpot::Outcome::Cancelled) + 1> counts {}; // per Outcome
    bool recorded = false; // the batch row exists (a piece committed)
    bool finished = false; // the whole file was read
    // The piece the database failed on: nothing of it was written. A retry sends it again.
    int failedInputs = 0;
    int failedFromLine = 0;
    QString error; // the database's message, or why the file could not be read

    int count(ViralSpot::Outcome outcome) const { return counts[std::size_t(outcome)]; }
};

} // namespace ViralSpot::Ui

Q_DECLARE_METATYPE(ViralSpot::Ui::FileImportRequest)
Q_DECLARE_METATYPE(ViralSpot::Ui::FileImportProgress)
