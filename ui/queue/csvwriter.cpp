#include "csvwriter.h"

#include <QAbstractItemModel>
#include <QCoreApplication>
#include <QSaveFile>

namespace ViralSpot::Ui::Csv {

QString field(const QString &value)
{
    QString text = value;
    if (!text.isEmpty() &&
        (text.front() == QLatin1Char('=') || text.front() == QLatin1Char('+') ||
            text.front() == QLatin1Char('-') || text.front() == QLatin1Char('@')))
        text.prepend(QLatin1Char('\''));
    if (text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')) ||
        text.contains(QLatin1Char('\n')) || text.contains(QLatin1Char('\r'))) {
        text.replace(QLatin1String("\""), QLatin1String("\"\""));
        return QLatin1Char('"') + text + QLatin1Char('"');
    }
    return text;
}

QString line(const QStringList &fields)
{
    QStringList escaped;
    escaped.reserve(fields.size());
    for (const QString &f : fields)
        escaped << field(f);
    return escaped.join(QLatin1Char(',')) + QLatin1String("\r\n");
}

QStringList queueHeader()
{
    return { QStringLiteral("id"), QStringLiteral("username"), QStringLiteral("status"),
        QStringLiteral("priority"), QStringLiteral("source"), QStringLiteral("attempts"),
        QStringLiteral("last_attempt"), QStringLiteral("error_message"),
        QStringLiteral("request_id"), QStringLiteral("created_at"), QStringLiteral("updated_at") };
}

namespace {
QString iso(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}
} // namespace

QStringList queueFields(const QueueRow &row)
{
    return { row.id, row.username, row.status, row.priority, row.source,
        QString::number(row.attempts), iso(row.lastAttempt), row.errorMessage, row.requestId,
        iso(row.createdAt), iso(row.updatedAt) };
}

bool writeModel(const QAbstractItemModel &model, const QString &path, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = file.errorString();
        return false;
    }
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
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace ViralSpot::Ui::Csv
