#pragma once

#include <QMetaType>
#include <QString>

#include <optional>

namespace ViralSpot {

// What happened to one input of a request. Exactly one per input (contract: Outcomes, Bulk).
enum class Outcome
{
    Queued, // a new PENDING/HIGH row was committed durably
    AlreadyProcessed, // the username is in primary_profiles
    AlreadyQueued, // a PENDING/PROCESSING row exists (a LOW PENDING row was raised to HIGH)
    Invalid, // the username or source breaks the rules; nothing written
    DuplicateInBatch, // repeats an earlier input of the same batch; nothing written
    Error, // the database failed; nothing claimed
    Cancelled, // the batch was cancelled before this input was sent; nothing written
};

// Why an `error` outcome happened, so that each front door can answer it in its own way (the
// endpoint's status code, the window's banner) without reading the message.
enum class ErrorKind
{
    None, // not an error
    Unavailable, // the database could not be reached (or the connection was lost)
    Failed, // the database answered with an error
    // The queue holds duplicate active rows left by an older tool: requests wait for
    // `viralspot-admin repair-duplicates --apply` (or the window's repair). Reading works.
    RepairRequired,
    // The database role may not do what the request needs: the schema is behind and the role
    // may not migrate it, or a grant on one of the app's tables is missing. The message says
    // which, and what the owner should run.
    SetupRequired,
};

// Stable machine names: "queued", "already_processed", "already_queued", "invalid",
// "duplicate_in_batch", "error", "cancelled".
QString outcomeName(Outcome outcome);
std::optional<Outcome> outcomeFromName(QStringView name);

// True for outcomes that mean "the profile is (now) on the queue or done": queued,
// already_processed, already_queued, duplicate_in_batch.
bool outcomeIsHandled(Outcome outcome);

// The user-facing message (contract: Endpoint) for queued / already_processed / already_queued,
// e.g. "Profile foo has been added to the high priority queue". For the other outcomes it
// returns `detail` (the reason or error text), or a generic sentence when detail is empty.
QString outcomeMessage(Outcome outcome, const QString &username, const QString &detail = {});

// What a `queued` message adds when the profile also has a PAUSED row (an admin paused an
// earlier request): "Note: an earlier request for foo is paused …". Not part of the endpoint's
// fixed messages.
QString pausedRowNote(const QString &username);

// One input's result, in input order.
struct RequestResult
{
    QString input; // as given by the caller (one token of a bulk text)
    QString username; // normalized; empty when the input could not be parsed at all
    QString source;
    Outcome outcome = Outcome::Error;
    QString message; // outcomeMessage(), or why it is invalid / what failed
    ErrorKind errorKind = ErrorKind::None; // set for Error
    QString requestId; // set for Queued
    QString queueId; // set for Queued
    int line = 0; // 1-based input line for bulk input, 0 otherwise
    // Queued while a PAUSED row of the same profile exists (the message carries the note).
    bool pausedRowExists = false;
};

} // namespace ViralSpot

Q_DECLARE_METATYPE(ViralSpot::RequestResult)
