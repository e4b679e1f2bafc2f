#pragma once

#include "core/outcome.h"

#include <QString>

#include <utility>

namespace ViralSpot {

// The project's one error convention. A function that can fail returns
//  - `Result`: ok, or the reason in words for the user (and, when the database was the cause,
//    which way it failed: `errorKind`);
//  - `ValueResult<T>`: the same members plus the one `value` it computes (a connection, a
//    parsed configuration, a list of ids ...);
//  - a struct of its own whose first members are `bool ok; QString error;` (plus
//    `ErrorKind errorKind` where the database can be the cause), when it returns several
//    named pieces (Schema::MigrationResult, QueuePage, ResolvedRequests ...).
// Never a `bool` plus a `QString *error` out-parameter, and never an empty string meaning
// success. A *query* for a problem ("what is wrong with this source, if anything") returns
// std::optional<QString>: nullopt when there is none.
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

// A Result that carries the value an operation computes. `value` is default-constructed when
// !ok. Read it as: `const auto ids = QueueQuery::fetchIds(...); if (!ids.ok) ...; ids.value`.
template<typename T> struct ValueResult
{
    bool ok = false;
    QString error; // why not, when !ok
    ErrorKind errorKind = ErrorKind::None; // set when !ok and the database was the cause
    T value {};

    static ValueResult success(T value) { return { true, {}, ErrorKind::None, std::move(value) }; }
    static ValueResult failure(QString error, ErrorKind kind = ErrorKind::Failed)
    {
        return { false, std::move(error), kind, T {} };
    }
};

} // namespace ViralSpot
