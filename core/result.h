#pragma once

#include "core/outcome.h"

#include <QString>

namespace ViralSpot {

// What a core operation that can fail returns: ok, or the reason in words for the user (and,
// when the database was the cause, which way it failed). Operations that also return data use
// a struct of their own that starts with the same `ok` and `error` members.
struct Result
{
    bool ok = false;
    QString error; // why not, when !ok
    ErrorKind errorKind = ErrorKind::None; // set when !ok and the database was the cause

    static Result success() { return { true, {}, ErrorKind::None }; }
    static Result failure(QString error, ErrorKind kind = ErrorKind::Failed)
    {
        return { false, std::move(error), kind };
    }
};

} // namespace ViralSpot
