#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringDecoder>

namespace ViralSpot::TextEncoding {

// What a list of usernames from a file or standard input is written in. Spreadsheets save
// "Unicode text" as UTF-16 with a byte-order mark, and CSV in the system's legacy code page
// (Windows-1252 in western Europe); read as UTF-8, the first became a NUL between every two
// letters and the second was refused whole for one accented letter in another column.
enum class Encoding
{
    Utf8,
    Utf16LE,
    Utf16BE,
    Utf32LE,
    Utf32BE,
    Windows1252, // Latin-1 where Qt has no ICU to read Windows-1252
};

// How many bytes of an input's head detect() wants to see (fewer when the input is shorter).
inline constexpr qsizetype HeadBytes = 64 * 1024;

// From the first bytes of an input (`complete`: the whole input): a byte-order mark; else
// UTF-16 without one (ASCII text in UTF-16 has a NUL in every other byte); else UTF-8 when the
// bytes are valid UTF-8 (a sequence cut at the end of an incomplete head allowed); else
// Windows-1252. Later bytes that are not valid UTF-8 in a UTF-8 input become U+FFFD.
Encoding detect(QByteArrayView head, bool complete);

// "UTF-8", "UTF-16LE", ..., "Windows-1252": technical names, not translated.
QString name(Encoding encoding);

// A decoder for `encoding` (Qt's: an initial byte-order mark is left out of the text).
QStringDecoder decoder(Encoding encoding);

// The whole of `bytes` as text, in the encoding detect() finds (stored in *used when given),
// without a byte-order mark.
QString decode(const QByteArray &bytes, Encoding *used = nullptr);

} // namespace ViralSpot::TextEncoding
