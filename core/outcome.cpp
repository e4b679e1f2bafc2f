#include "core/outcome.h"

#include <QCoreApplication>

namespace ViralSpot {

namespace {
struct OutcomeName
{
    Outcome outcome;
    QLatin1String name;
};
constexpr OutcomeName Names[] = {
    { Outcome::Queued, QLatin1String("queued") },
    { Outcome::AlreadyProcessed, QLatin1String("already_processed") },
    { Outcome::AlreadyQueued, QLatin1String("already_queued") },
    { Outcome::Invalid, QLatin1String("invalid") },
    { Outcome::DuplicateInBatch, QLatin1String("duplicate_in_batch") },
    { Outcome::Error, QLatin1String("error") },
    { Outcome::Cancelled, QLatin1String("cancelled") },
};
} // namespace

QString outcomeName(Outcome outcome)
{
    for (const auto &entry : Names) {
        if (entry.outcome == outcome)
            return entry.name;
    }
    return QStringLiteral("error");
}

std::optional<Outcome> outcomeFromName(QStringView name)
{
    for (const auto &entry : Names) {
        if (name == entry.name)
            return entry.outcome;
    }
    return std::nullopt;
}

bool outcomeIsHandled(Outcome outcome)
{
    return outcome == Outcome::Queued || outcome == Outcome::AlreadyProcessed ||
        outcome == Outcome::AlreadyQueued || outcome == Outcome::DuplicateInBatch;
}

QString outcomeMessage(Outcome outcome, const QString &username, const QString &detail)
{
    // The three contract messages are fixed text (contract: Endpoint): they are not translated.
    switch (outcome) {
    case Outcome::Queued:
        return QStringLiteral("Profile %1 has been added to the high priority queue").arg(username);
    case Outcome::AlreadyProcessed:
        return QStringLiteral("Profile %1 is already fully processed").arg(username);
    case Outcome::AlreadyQueued:
        return QStringLiteral("Profile %1 is already in the high priority queue").arg(username);
    case Outcome::DuplicateInBatch:
        return detail.isEmpty()
            ? QCoreApplication::translate("Outcome", "Repeats an earlier input of this batch")
            : detail;
    case Outcome::Invalid:
        return detail.isEmpty() ? QCoreApplication::translate("Outcome", "Invalid input") : detail;
    case Outcome::Error:
        return detail.isEmpty() ? QCoreApplication::translate("Outcome", "The database failed")
                                : detail;
    case Outcome::Cancelled:
        return detail.isEmpty()
            ? QCoreApplication::translate("Outcome", "Not sent: the batch was cancelled")
            : detail;
    }
    return detail;
}

QString pausedRowNote(const QString &username)
{
    return QCoreApplication::translate("Outcome",
        "Note: an earlier request for %1 is paused (an admin paused it). It stays paused; "
        "this new request waits beside it.")
        .arg(username);
}

} // namespace ViralSpot
