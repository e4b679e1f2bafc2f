#pragma once

#include "queuequery.h"

#include <QString>
#include <QStringList>

class QAbstractItemModel;
class QIODevice;

namespace ViralSpot::Ui::Csv {

// RFC 4180: quoted when needed, quotes doubled, CRLF line ends. Cells starting with = + - @
// are prefixed with ' so spreadsheets do not run them as formulas.
QString field(const QString &value);
QString line(const QStringList &fields);

// The columns of a queue export and one row of it (timestamps ISO-8601 UTC).
QStringList queueHeader();
QStringList queueFields(const QueueRow &row);

// Every row and column of a (small, fully loaded) model, with its horizontal headers.
bool writeModel(const QAbstractItemModel &model, const QString &path, QString *error);

} // namespace ViralSpot::Ui::Csv
