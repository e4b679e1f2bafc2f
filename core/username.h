#pragma once

#include <QString>

#include <optional>

namespace ViralSpot::Username {

inline constexpr int MaxLength = 30;
inline constexpr int MaxSourceLength = 100;
inline constexpr QStringView DefaultSource = u"frontend";

struct Parsed
{
    QString username; // normalized (lower case); may be set even when invalid, for display
    QString error; // empty when valid; else a sentence saying why
    bool isValid() const { return error.isEmpty(); }
};

// Accepts `name`, `@name`, `https://www.instagram.com/name/`, `instagram.com/name?igsh=…`,
// `http://instagram.com/name/reels/`, surrounded by white space. Lower-cases and validates
// (contract: Usernames): 1–30 of a-z 0-9 . _, no leading or trailing dot, no "..".
Parsed normalize(QStringView input);

// Source rules (contract: Source): what is wrong with `source`, if anything (nullopt when it is
// valid). An empty source is invalid here; callers substitute DefaultSource for a missing one
// before calling.
std::optional<QString> sourceError(QStringView source);

} // namespace ViralSpot::Username
