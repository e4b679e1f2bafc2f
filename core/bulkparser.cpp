#include "core/bulkparser.h"

#include "core/textencoding.h"
#include "core/username.h"

#include <QHash>
#include <QLatin1String>

#include <vector>

namespace ViralSpot {
namespace {

constexpr char16_t ByteOrderMark = 0xFEFF;

bool isLineBreak(char16_t c)
{
    return c == u'\n' || c == u'\r';
}

// Text mode separators: commas, semicolons and any white space (tabs, spaces, new lines).
bool isTextSeparator(char16_t c)
{
    return c == u',' || c == u';' || QChar::isSpace(c);
}

QStringView trimmed(QStringView s)
{
    qsizetype begin = 0;
    qsizetype end = s.size();
    while (begin < end && s[begin].isSpace())
        ++begin;
    while (end > begin && s[end - 1].isSpace())
        --end;
    return s.sliced(begin, end - begin);
}

qsizetype countLineBreaks(QStringView s)
{
    qsizetype count = 0;
    for (const QChar c : s)
        count += c == u'\n';
    return count;
}

// Gathers entries in input order, collapsing in-batch duplicates of valid usernames.
class Collector
{
public:
    Collector(BulkParseResult &result, qsizetype expected)
        : m_result(result)
    {
        m_result.entries.reserve(expected);
        m_seen.reserve(expected);
    }

    void add(QStringView token, int line)
    {
        const QStringView input = trimmed(token);
        Username::Parsed parsed = Username::normalize(input);
        BulkEntry entry;
        entry.line = line;
        // Share the buffer when the input already is the normalized name (the common case).
        entry.input = parsed.username == input ? parsed.username : input.toString();
        entry.username = std::move(parsed.username);
        if (!parsed.isValid()) {
            entry.status = BulkEntry::Status::Invalid;
            entry.error = std::move(parsed.error);
            ++m_result.invalid;
            m_result.entries.append(std::move(entry));
            return;
        }
        const int index = int(m_result.entries.size());
        m_result.entries.append(std::move(entry));
        // The key views the entry's own buffer, which moves with the QString, never copies.
        // One lookup: the slot holds the first occurrence's index + 1, 0 when new.
        int &first = m_seen[m_result.entries.constLast().username];
        if (first == 0) {
            first = index + 1;
            ++m_result.valid;
            return;
        }
        BulkEntry &duplicate = m_result.entries.last();
        duplicate.status = BulkEntry::Status::Duplicate;
        duplicate.duplicateOf = first - 1;
        ++m_result.duplicates;
    }

    void addInvalid(QStringView token, int line, QString error)
    {
        BulkEntry entry;
        entry.line = line;
        entry.input = trimmed(token).toString();
        entry.status = BulkEntry::Status::Invalid;
        entry.error = std::move(error);
        ++m_result.invalid;
        m_result.entries.append(std::move(entry));
    }

private:
    BulkParseResult &m_result;
    QHash<QStringView, int> m_seen;
};

void parseText(QStringView text, int line, Collector &collector)
{
    const qsizetype n = text.size();
    qsizetype i = 0;
    while (i < n) {
        const char16_t c = text[i].unicode();
        if (c == u'\n') {
            ++line;
            ++i;
            continue;
        }
        if (c == u'\r') {
            ++line;
            ++i;
            if (i < n && text[i] == u'\n')
                ++i;
            continue;
        }
        if (isTextSeparator(c)) {
            ++i;
            continue;
        }
        const qsizetype begin = i;
        while (i < n && !isTextSeparator(text[i].unicode()))
            ++i;
        QStringView token = text.sliced(begin, i - begin);
        // A quoted list ("foo", 'bar') is a common paste: the quotes are not part of the name.
        if (token.size() >= 2 && (token.front() == u'"' || token.front() == u'\'') &&
            token.back() == token.front()) {
            token = token.sliced(1, token.size() - 2);
            if (trimmed(token).isEmpty())
                continue;
        }
        collector.add(token, line);
    }
}

// ---- CSV -------------------------------------------------------------------------------------

bool isUsernameHeader(QStringView field)
{
    // "username", "UserName", "user_name", "user name", "user-name"
    QStringView f = trimmed(field);
    if (f.size() < 8 || f.size() > 9)
        return false;
    if (f.size() == 9) {
        const QChar sep = f[4];
        if (sep != u'_' && sep != u' ' && sep != u'-')
            return false;
        return f.first(4).compare(QLatin1String("user"), Qt::CaseInsensitive) == 0 &&
            f.sliced(5).compare(QLatin1String("name"), Qt::CaseInsensitive) == 0;
    }
    return f.compare(QLatin1String("username"), Qt::CaseInsensitive) == 0;
}

// Header words that name a column of usernames without saying "username".
bool isHeaderWord(QStringView field)
{
    const QStringView f = trimmed(field);
    for (const char *word : { "name", "names", "user", "users", "usernames", "handle", "handles",
             "account", "accounts", "profile", "profiles", "instagram", "ig", "login" }) {
        if (f.compare(QLatin1String(word), Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

struct CsvRecord
{
    int line = 0; // line the record starts on
    int fieldCount = 0;
    bool blank = true; // every field is empty after trimming
    bool hasWanted = false; // the wanted column exists in this record
    QString wanted; // that column's value (unquoted, trimmed)
    std::vector<QString> fields; // every field, when all were asked for
    QStringView text; // the whole record, without its line break
};

class CsvReader
{
public:
    CsvReader(QStringView text, qsizetype pos, int line, char16_t delimiter)
        : m_text(text)
        , m_pos(pos)
        , m_line(line)
        , m_delimiter(delimiter)
    { }

    bool atEnd() const { return m_pos >= m_text.size(); }
    qsizetype position() const { return m_pos; }
    int line() const { return m_line; }

    // Reads one record, up to an unquoted line break. `wanted` < 0 collects every field.
    CsvRecord read(int wanted)
    {
        CsvRecord record;
        record.line = m_line;
        const qsizetype n = m_text.size();
        const qsizetype start = m_pos;
        qsizetype end = n;
        int column = 0;
        for (;;) {
            QString owned;
            const QStringView value = readField(&owned);
            const QStringView field = owned.isNull() ? value : QStringView(owned);
            if (!field.isEmpty())
                record.blank = false;
            if (wanted < 0) {
                record.fields.push_back(field.toString());
            } else if (column == wanted) {
                record.hasWanted = true;
                record.wanted = owned.isNull() ? value.toString() : std::move(owned);
            }
            ++column;
            if (m_pos >= n)
                break;
            const char16_t c = m_text[m_pos].unicode();
            if (c == m_delimiter) {
                ++m_pos;
                if (m_pos >= n) { // a trailing delimiter ends with an empty field
                    if (wanted < 0)
                        record.fields.emplace_back();
                    else if (column == wanted)
                        record.hasWanted = true;
                    ++column;
                    break;
                }
                continue;
            }
            // A line break ends the record.
            end = m_pos;
            ++m_pos;
            ++m_line;
            if (c == u'\r' && m_pos < n && m_text[m_pos] == u'\n')
                ++m_pos;
            break;
        }
        record.fieldCount = column;
        record.text = m_text.sliced(start, end - start);
        return record;
    }

private:
    bool isInlineSpace(char16_t c) const
    {
        return c != m_delimiter && !isLineBreak(c) && QChar::isSpace(c);
    }

    // Reads one field and leaves m_pos on the delimiter, the line break or the end. Returns a
    // view into the text, or fills `owned` when the field had to be unescaped.
    QStringView readField(QString *owned)
    {
        const qsizetype n = m_text.size();
        qsizetype p = m_pos;
        while (p < n && isInlineSpace(m_text[p].unicode()))
            ++p;
        if (p < n && m_text[p] == u'"') {
            const qsizetype close = findClosingQuote(p + 1);
            if (close >= 0)
                return readQuoted(p, owned);
            // No closing quote anywhere: take the quote literally instead of swallowing the rest.
        }
        qsizetype end = p;
        while (end < n && m_text[end] != m_delimiter && !isLineBreak(m_text[end].unicode()))
            ++end;
        m_pos = end;
        return trimmed(m_text.sliced(p, end - p));
    }

    // Index of the quote that closes a quoted field whose content starts at `from`, or -1.
    qsizetype findClosingQuote(qsizetype from) const
    {
        const qsizetype n = m_text.size();
        qsizetype q = from;
        for (;;) {
            q = m_text.indexOf(u'"', q);
            if (q < 0)
                return -1;
            if (q + 1 < n && m_text[q + 1] == u'"') {
                q += 2;
                continue;
            }
            return q;
        }
    }

    QStringView readQuoted(qsizetype open, QString *owned)
    {
        const qsizetype n = m_text.size();
        qsizetype segment = open + 1;
        qsizetype q = segment;
        bool escaped = false;
        QStringView content;
        for (;;) {
            const qsizetype quote = m_text.indexOf(u'"', q);
            countLines(q, quote);
            if (quote + 1 < n && m_text[quote + 1] == u'"') {
                if (!escaped) {
                    escaped = true;
                    *owned = QString();
                }
                owned->append(m_text.sliced(segment, quote + 1 - segment));
                segment = quote + 2;
                q = segment;
                continue;
            }
            if (escaped) {
                owned->append(m_text.sliced(segment, quote - segment));
            } else {
                content = m_text.sliced(segment, quote - segment);
            }
            q = quote + 1;
            break;
        }
        // Anything between the closing quote and the delimiter is kept (leniently).
        qsizetype end = q;
        while (end < n && m_text[end] != m_delimiter && !isLineBreak(m_text[end].unicode()))
            ++end;
        const QStringView trailing = trimmed(m_text.sliced(q, end - q));
        m_pos = end;
        if (!trailing.isEmpty()) {
            if (!escaped) {
                *owned = content.toString();
                escaped = true;
            }
            owned->append(trailing);
        }
        if (escaped) {
            *owned = trimmed(*owned).toString();
            return *owned;
        }
        return trimmed(content);
    }

    void countLines(qsizetype from, qsizetype to)
    {
        for (qsizetype i = from; i < to; ++i) {
            const char16_t c = m_text[i].unicode();
            if (c == u'\n' || (c == u'\r' && (i + 1 >= to || m_text[i + 1] != u'\n')))
                ++m_line;
        }
    }

    QStringView m_text;
    qsizetype m_pos = 0;
    int m_line = 1;
    char16_t m_delimiter = u',';
};

// The delimiter of a CSV text: the most frequent of , ; and tab on its first record (outside
// quotes), comma when there is none.
char16_t detectDelimiter(QStringView text, qsizetype from)
{
    int commas = 0;
    int semicolons = 0;
    int tabs = 0;
    bool quoted = false;
    for (qsizetype i = from; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        if (c == u'"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (isLineBreak(c))
            break;
        else if (c == u',')
            ++commas;
        else if (c == u';')
            ++semicolons;
        else if (c == u'\t')
            ++tabs;
    }
    if (semicolons > commas && semicolons >= tabs)
        return u';';
    if (tabs > commas && tabs > semicolons)
        return u'\t';
    return u',';
}

// Skips blank lines (only white space) from `pos`, counting them into `line`.
qsizetype skipBlankLines(QStringView text, qsizetype pos, int &line)
{
    qsizetype lineStart = pos;
    for (qsizetype i = pos; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        if (c == u'\n' || c == u'\r') {
            if (c == u'\r' && i + 1 < text.size() && text[i + 1] == u'\n')
                ++i;
            ++line;
            lineStart = i + 1;
        } else if (!QChar::isSpace(c)) {
            return lineStart;
        }
    }
    return text.size();
}

int usernameColumn(const std::vector<QString> &fields)
{
    for (size_t i = 0; i < fields.size(); ++i) {
        if (isUsernameHeader(fields[i]))
            return int(i);
    }
    return -1;
}

// Adds one CSV record's username field (column `column`) to the collector.
void addCsvRecord(Collector &collector, const CsvRecord &record, int column)
{
    if (record.blank)
        return;
    // The row itself stands as the input, so that the user can find it.
    if (!record.hasWanted) {
        collector.addInvalid(record.text, record.line,
            QStringLiteral("The row has no column %1 (the username column).").arg(column + 1));
    } else if (trimmed(record.wanted).isEmpty()) {
        collector.addInvalid(record.text, record.line,
            QStringLiteral("The row has no username: column %1 is empty.").arg(column + 1));
    } else {
        collector.add(record.wanted, record.line);
    }
}

// The rows of a CSV text whose layout (delimiter, column) is known: a later piece of a stream.
void parseCsvRows(QStringView text, int line, char16_t delimiter, int column, Collector &collector)
{
    CsvReader reader(text, 0, line, delimiter);
    while (!reader.atEnd())
        addCsvRecord(collector, reader.read(column), column);
}

// A CSV text from its start: finds the delimiter and the header, then reads the rows.
// *delimiterOut and *columnOut say what was chosen (for the later pieces of a stream).
void parseCsv(QStringView text, qsizetype pos, int line, Collector &collector,
    BulkParseResult &result, char16_t *delimiterOut = nullptr, int *columnOut = nullptr)
{
    pos = skipBlankLines(text, pos, line);
    if (pos >= text.size())
        return;
    const char16_t delimiter = detectDelimiter(text, pos);
    CsvReader reader(text, pos, line, delimiter);
    const CsvRecord first = reader.read(-1);

    int column = usernameColumn(first.fields);
    bool header = column >= 0;
    if (!header) {
        column = 0;
        const QString firstField = first.fields.empty() ? QString() : first.fields.front();
        if (isHeaderWord(firstField)) {
            header = true;
        } else if (!Username::normalize(firstField).isValid()) {
            // A header when later rows hold valid usernames where the first row does not.
            CsvReader peek = reader;
            while (!peek.atEnd()) {
                const CsvRecord next = peek.read(0);
                if (next.blank)
                    continue;
                header = Username::normalize(next.wanted).isValid();
                break;
            }
        }
    }
    result.csv = true;
    result.csvColumn = column;
    if (delimiterOut)
        *delimiterOut = delimiter;
    if (columnOut)
        *columnOut = column;

    if (!header) {
        CsvRecord record;
        record.line = first.line;
        record.fieldCount = first.fieldCount;
        record.blank = first.blank;
        record.text = first.text;
        record.hasWanted = !first.fields.empty();
        if (record.hasWanted)
            record.wanted = first.fields.front();
        addCsvRecord(collector, record, column);
    }
    while (!reader.atEnd())
        addCsvRecord(collector, reader.read(column), column);
}

// Line breaks as the parsers count them: \n, \r\n and a lone \r are one each.
int lineBreaks(QStringView s)
{
    int count = 0;
    for (qsizetype i = 0; i < s.size(); ++i) {
        const char16_t c = s[i].unicode();
        if (c == u'\n' || (c == u'\r' && (i + 1 >= s.size() || s[i + 1] != u'\n')))
            ++count;
    }
    return count;
}

// Auto: CSV when the first non-blank line is a header naming a username column.
bool looksLikeCsvHeader(QStringView text, qsizetype pos, int line)
{
    pos = skipBlankLines(text, pos, line);
    if (pos >= text.size())
        return false;
    CsvReader reader(text, pos, line, detectDelimiter(text, pos));
    return usernameColumn(reader.read(-1).fields) >= 0;
}

} // namespace

namespace BulkParser {

BulkParseResult parse(QStringView text, Format format)
{
    BulkParseResult result;
    qsizetype start = 0;
    if (!text.isEmpty() && text.front() == ByteOrderMark)
        start = 1;
    const QStringView body = text.sliced(start);
    Collector collector(result, countLineBreaks(body) + 1);
    if (format == Format::Auto)
        format = looksLikeCsvHeader(body, 0, 1) ? Format::Csv : Format::Text;
    if (format == Format::Csv)
        parseCsv(body, 0, 1, collector, result);
    else
        parseText(body, 1, collector);
    return result;
}

BulkParseResult fromInputs(const QStringList &inputs)
{
    BulkParseResult result;
    Collector collector(result, inputs.size());
    for (qsizetype i = 0; i < inputs.size(); ++i)
        collector.add(inputs[i], int(i + 1)); // an empty one is invalid, as it says
    return result;
}

Format formatForFileName(const QString &fileName)
{
    return fileName.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive) ? Format::Csv
                                                                         : Format::Auto;
}

} // namespace BulkParser

BulkStreamParser::BulkStreamParser(BulkParser::Format format)
    : m_format(format)
{ }

BulkParseResult BulkStreamParser::parse(QStringView piece)
{
    BulkParseResult result;
    QStringView body = piece;
    if (m_first && !body.isEmpty() && body.front() == ByteOrderMark)
        body = body.sliced(1);
    m_first = false;
    Collector collector(result, countLineBreaks(body) + 1);
    if (!m_decided) {
        int line = m_line;
        if (skipBlankLines(body, 0, line) < body.size()) {
            m_decided = true;
            if (m_format == BulkParser::Format::Auto)
                m_format = looksLikeCsvHeader(body, 0, m_line) ? BulkParser::Format::Csv
                                                               : BulkParser::Format::Text;
            if (m_format == BulkParser::Format::Csv)
                parseCsv(body, 0, m_line, collector, result, &m_delimiter, &m_column);
            else
                parseText(body, m_line, collector);
        }
    } else if (m_format == BulkParser::Format::Csv) {
        result.csv = true;
        result.csvColumn = m_column;
        parseCsvRows(body, m_line, m_delimiter, m_column, collector);
    } else {
        parseText(body, m_line, collector);
    }
    m_line += lineBreaks(body);
    return result;
}

namespace {

constexpr qint64 ReadBlock = 1 << 20;
// A text line this long without a break is cut at a separator (text) so that a list pasted on
// one line does not have to fit in memory at once.
constexpr qsizetype LongLine = 8 << 20;

// The CSV delimiter of the first non-blank line of `bytes` (as detectDelimiter()).
char byteDelimiter(const QByteArray &bytes)
{
    qsizetype start = 0;
    while (start < bytes.size() && QChar::isSpace(uchar(bytes[start])))
        ++start;
    qsizetype lineStart = start;
    while (lineStart > 0 && bytes[lineStart - 1] != '\n' && bytes[lineStart - 1] != '\r')
        --lineStart;
    const QString line = QString::fromUtf8(
        bytes.constData() + lineStart, qMin<qsizetype>(bytes.size() - lineStart, 1 << 16));
    return char(detectDelimiter(line, 0));
}

} // namespace

BulkChunkReader::BulkChunkReader(QIODevice *device, BulkParser::Format format, int linesPerPiece)
    : m_device(device)
    , m_parser(format)
    , m_linesPerPiece(qMax(1, linesPerPiece))
{
    m_quoteAware = format != BulkParser::Format::Text;
}

bool BulkChunkReader::fill()
{
    if (m_atEnd)
        return false;
    QByteArray block = m_device->read(ReadBlock);
    if (!m_encoding) {
        // The encoding from the input's head (a pipe hands it over in several reads).
        while (!block.isEmpty() && block.size() < TextEncoding::HeadBytes) {
            const QByteArray more = m_device->read(ReadBlock);
            if (more.isEmpty())
                break;
            block += more;
        }
        m_encoding = TextEncoding::detect(block, block.size() < TextEncoding::HeadBytes);
        if (*m_encoding != TextEncoding::Encoding::Utf8)
            m_decoder = TextEncoding::decoder(*m_encoding);
    }
    if (block.isEmpty()) {
        m_atEnd = true;
        return false;
    }
    if (m_decoder.isValid()) {
        // Split and parsed as UTF-8, like every other input; the decoder keeps a code unit
        // cut at the end of a block for the next one.
        m_sourceBytes += block.size();
        block = QString(m_decoder.decode(block)).toUtf8();
        m_utf8Bytes += block.size();
    }
    m_buffer += block;
    return true;
}

qint64 BulkChunkReader::bytesConsumed() const
{
    if (!m_decoder.isValid() || m_utf8Bytes == 0)
        return m_consumed;
    // In the input's own bytes, as far as read: what its UTF-8 pieces stand for.
    return qint64(double(m_consumed) * double(m_sourceBytes) / double(m_utf8Bytes));
}

QByteArray BulkChunkReader::takePiece()
{
    // Until the input's layout is known: quote-aware for CSV and Auto (a cut inside a quoted
    // field would split a record; for text the cut place does not matter).
    bool quoteAware = m_parser.decided() ? m_parser.isCsv() : m_quoteAware;
    char delimiter = ',';
    if (quoteAware) {
        if (m_parser.decided()) {
            delimiter = char(m_parser.delimiter());
        } else {
            // The delimiter comes from the first non-blank line: have it whole.
            while (true) {
                qsizetype start = 0;
                while (start < m_buffer.size() && QChar::isSpace(uchar(m_buffer[start])))
                    ++start;
                if (m_buffer.indexOf('\n', start) >= 0 || !fill())
                    break;
            }
            delimiter = byteDelimiter(m_buffer);
        }
    }
    enum class State
    {
        FieldStart,
        Unquoted,
        InQuote,
        QuoteSeen
    };
    State state = State::FieldStart;
    int lines = 0; // record ends seen
    qint64 rawLines = 0; // line breaks seen, also inside quoted fields
    // In 64 bits: a piece size of "everything" (INT_MAX lines) must not overflow.
    const qint64 forcedLines = qint64(m_linesPerPiece) * MaxPieceFactor;
    qsizetype pos = 0;
    qsizetype lastSeparator = -1; // text: the last separator, for a very long line
    qsizetype lineStart = 0;
    for (;;) {
        while (pos < m_buffer.size()) {
            const char c = m_buffer[pos++];
            if (quoteAware) {
                switch (state) {
                case State::FieldStart:
                    if (c == '"')
                        state = State::InQuote;
                    else if (c != delimiter && c != '\n' && c != '\r' && c != ' ' && c != '\t')
                        state = State::Unquoted;
                    break;
                case State::Unquoted:
                    if (c == delimiter || c == '\n' || c == '\r')
                        state = State::FieldStart;
                    break;
                case State::InQuote:
                    if (c == '"')
                        state = State::QuoteSeen;
                    break;
                case State::QuoteSeen:
                    if (c == '"')
                        state = State::InQuote;
                    else if (c == delimiter || c == '\n' || c == '\r')
                        state = State::FieldStart;
                    else
                        state = State::Unquoted;
                    break;
                }
            } else if (c == ',' || c == ';' || c == ' ' || c == '\t') {
                lastSeparator = pos;
            }
            if (c != '\n')
                continue;
            lineStart = pos;
            ++rawLines;
            if (state != State::InQuote)
                ++lines;
            if (lines >= m_linesPerPiece || rawLines >= forcedLines) {
                QByteArray piece = m_buffer.left(pos);
                m_buffer.remove(0, pos);
                return piece;
            }
        }
        if (!quoteAware && pos - lineStart >= LongLine && lastSeparator > lineStart) {
            QByteArray piece = m_buffer.left(lastSeparator);
            m_buffer.remove(0, lastSeparator);
            return piece;
        }
        if (!fill()) {
            QByteArray piece;
            piece.swap(m_buffer);
            return piece;
        }
    }
}

bool BulkChunkReader::next(BulkParseResult *piece)
{
    for (;;) {
        const QByteArray bytes = takePiece();
        if (bytes.isEmpty())
            return false;
        m_consumed += bytes.size();
        *piece = m_parser.parse(QString::fromUtf8(bytes));
        // A piece of blank lines only says nothing; read on (its lines are counted).
        if (!piece->entries.isEmpty())
            return true;
    }
}

} // namespace ViralSpot
