#include "core/textencoding.h"

#include <initializer_list>
#include <optional>

namespace ViralSpot::TextEncoding {
namespace {

bool startsWith(QByteArrayView bytes, std::initializer_list<unsigned char> prefix)
{
    if (bytes.size() < qsizetype(prefix.size()))
        return false;
    qsizetype i = 0;
    for (const unsigned char c : prefix) {
        if (uchar(bytes[i++]) != c)
            return false;
    }
    return true;
}

// UTF-16 without a byte-order mark: in text that is mostly ASCII, the high byte of nearly every
// code unit is NUL, and UTF-8 or a legacy code page has no NUL bytes at all.
std::optional<Encoding> utf16WithoutMark(QByteArrayView head)
{
    const qsizetype pairs = qMin<qsizetype>(head.size(), 4096) / 2;
    if (pairs < 2)
        return std::nullopt;
    qsizetype evenNul = 0;
    qsizetype oddNul = 0;
    for (qsizetype i = 0; i < pairs; ++i) {
        evenNul += head[2 * i] == '\0';
        oddNul += head[2 * i + 1] == '\0';
    }
    if (oddNul * 10 >= pairs * 4 && evenNul * 20 < pairs)
        return Encoding::Utf16LE;
    if (evenNul * 10 >= pairs * 4 && oddNul * 20 < pairs)
        return Encoding::Utf16BE;
    return std::nullopt;
}

bool isUtf8(QByteArrayView head, bool complete)
{
    // Stateless, a sequence cut at the end is an error; stateful, it waits for the next bytes
    // (the head of a longer input may end inside one).
    QStringDecoder utf8(QStringDecoder::Utf8,
        complete ? QStringDecoder::Flag::Stateless : QStringDecoder::Flag::Default);
    const QString text = utf8.decode(head); // decoding happens here, not in decode()
    return !utf8.hasError();
}

} // namespace

Encoding detect(QByteArrayView head, bool complete)
{
    if (startsWith(head, { 0xEF, 0xBB, 0xBF }))
        return Encoding::Utf8;
    if (startsWith(head, { 0xFF, 0xFE, 0x00, 0x00 }))
        return Encoding::Utf32LE;
    if (startsWith(head, { 0x00, 0x00, 0xFE, 0xFF }))
        return Encoding::Utf32BE;
    if (startsWith(head, { 0xFF, 0xFE }))
        return Encoding::Utf16LE;
    if (startsWith(head, { 0xFE, 0xFF }))
        return Encoding::Utf16BE;
    if (const std::optional<Encoding> utf16 = utf16WithoutMark(head))
        return *utf16;
    return isUtf8(head, complete) ? Encoding::Utf8 : Encoding::Windows1252;
}

QString name(Encoding encoding)
{
    switch (encoding) {
    case Encoding::Utf8:
        return QStringLiteral("UTF-8");
    case Encoding::Utf16LE:
        return QStringLiteral("UTF-16LE");
    case Encoding::Utf16BE:
        return QStringLiteral("UTF-16BE");
    case Encoding::Utf32LE:
        return QStringLiteral("UTF-32LE");
    case Encoding::Utf32BE:
        return QStringLiteral("UTF-32BE");
    case Encoding::Windows1252:
        return QStringLiteral("Windows-1252");
    }
    return QString();
}

QStringDecoder decoder(Encoding encoding)
{
    switch (encoding) {
    case Encoding::Utf8:
        return QStringDecoder(QStringDecoder::Utf8);
    case Encoding::Utf16LE:
        return QStringDecoder(QStringDecoder::Utf16LE);
    case Encoding::Utf16BE:
        return QStringDecoder(QStringDecoder::Utf16BE);
    case Encoding::Utf32LE:
        return QStringDecoder(QStringDecoder::Utf32LE);
    case Encoding::Utf32BE:
        return QStringDecoder(QStringDecoder::Utf32BE);
    case Encoding::Windows1252: {
        // Through ICU, which Debian's Qt is built with; Latin-1 differs only in 0x80-0x9F.
        QStringDecoder cp1252("windows-1252");
        if (cp1252.isValid())
            return cp1252;
        return QStringDecoder(QStringDecoder::Latin1);
    }
    }
    return QStringDecoder(QStringDecoder::Utf8);
}

QString decode(const QByteArray &bytes, Encoding *used)
{
    const Encoding encoding = detect(bytes, true);
    if (used)
        *used = encoding;
    QStringDecoder toText = decoder(encoding); // skips a byte-order mark
    return toText(bytes);
}

} // namespace ViralSpot::TextEncoding
