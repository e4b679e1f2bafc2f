#include "ui/csv/csvwriter.h"

#include <QAbstractItemModel>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

namespace ViralSpot::Ui::Csv {

namespace {

bool isFormulaStart(QChar c)
{
    return c == QLatin1Char('=') || c == QLatin1Char('+') || c == QLatin1Char('-') ||
        c == QLatin1Char('@');
}

bool needsQuotes(QStringView value)
{
    for (const QChar c : value) {
        switch (c.unicode()) {
        case ',':
        case '"':
        case '\n':
        case '\r':
        case ';':
        case '\t':
            return true;
        default:
            break;
        }
    }
    return false;
}

QString iso(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

} // namespace

bool looksLikeFormula(QStringView value)
{
    if (value.isEmpty())
        return false;
    if (value.front() == QLatin1Char('\t') || value.front() == QLatin1Char('\r'))
        return true;
    qsizetype i = 0;
    while (i < value.size() && value.at(i) == QLatin1Char(' '))
        ++i;
    return i < value.size() && isFormulaStart(value.at(i));
}

QString field(QStringView value)
{
    const bool guard = looksLikeFormula(value);
    if (!guard && !needsQuotes(value))
        return value.toString();
    QString text;
    text.reserve(value.size() + 3);
    if (needsQuotes(value)) {
        text += QLatin1Char('"');
        if (guard)
            text += QLatin1Char('\'');
        for (const QChar c : value) {
            if (c == QLatin1Char('"'))
                text += QLatin1Char('"');
            text += c;
        }
        text += QLatin1Char('"');
        return text;
    }
    text += QLatin1Char('\'');
    text += value;
    return text;
}

QString tsvField(QStringView value)
{
    QString text;
    text.reserve(value.size() + 1);
    if (looksLikeFormula(value))
        text += QLatin1Char('\'');
    for (const QChar c : value) {
        const bool breaks =
            c == QLatin1Char('\t') || c == QLatin1Char('\r') || c == QLatin1Char('\n');
        text += breaks ? QChar(QLatin1Char(' ')) : c;
    }
    return text;
}

void appendLine(QString &out, const QStringList &fields)
{
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (i > 0)
            out += QLatin1Char(',');
        out += field(fields.at(i));
    }
    out += QLatin1String("\r\n");
}

QString line(const QStringList &fields)
{
    QString out;
    appendLine(out, fields);
    return out;
}

ValueResult<QString> exportPath(const QString &chosen)
{
    if (chosen.isEmpty() || chosen.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive))
        return ValueResult<QString>::success(chosen);
    const QString path = chosen + QLatin1String(".csv");
    if (QFileInfo::exists(path)) {
        return ValueResult<QString>::failure(QCoreApplication::translate("ViralSpot::Ui::Csv",
            "%1 already exists and was not replaced. To replace it, choose it in the file "
            "dialog; or type another name.")
                                                 .arg(QDir::toNativeSeparators(path)));
    }
    return ValueResult<QString>::success(path);
}

QStringList queueHeader()
{
    return { QStringLiteral("id"), QStringLiteral("username"), QStringLiteral("status"),
        QStringLiteral("priority"), QStringLiteral("source"), QStringLiteral("attempts"),
        QStringLiteral("last_attempt"), QStringLiteral("error_message"),
        QStringLiteral("request_id"), QStringLiteral("created_at"), QStringLiteral("updated_at") };
}

QStringList queueFields(const QueueRow &row)
{
    return { row.id, row.username, row.status, row.priority, row.source,
        QString::number(row.attempts), iso(row.lastAttempt), row.errorMessage, row.requestId,
        iso(row.createdAt), iso(row.updatedAt) };
}

Result writeModel(const QAbstractItemModel &model, const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Result::failure(file.errorString());
    QStringList header;
    for (int c = 0; c < model.columnCount(); ++c)
        header << model.headerData(c, Qt::Horizontal).toString();
    file.write(line(header).toUtf8());
    for (int r = 0; r < model.rowCount(); ++r) {
        QStringList fields;
        for (int c = 0; c < model.columnCount(); ++c)
            fields << model.index(r, c).data().toString();
        file.write(line(fields).toUtf8());
    }
    if (!file.commit())
        return Result::failure(file.errorString());
    return Result::success();
}

} // namespace ViralSpot::Ui::Csv
