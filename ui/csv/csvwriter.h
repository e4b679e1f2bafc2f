#pragma once

#include "core/queuequery.h"
#include "core/result.h"

#include <QString>
#include <QStringList>
#include <QStringView>

class QAbstractItemModel;

// The one CSV writer of the window: every export (bulk results, queue view, audit log) goes
// through field() / line(), so none of them can hand a spreadsheet a live formula.
namespace ViralSpot::Ui::Csv {

// True when a spreadsheet could run the cell as a formula (or DDE command): it starts with
// = + - @, a tab or a carriage return, or with spaces before = + - @ (importers that trim
// spaces would see the formula).
bool looksLikeFormula(QStringView value);

// One cell. A cell that looksLikeFormula() gets a leading ' so that spreadsheets show it as
// text. Quoted (quotes doubled, RFC 4180) when it holds a comma, a quote, a line break, a
// semicolon or a tab: the last two are the separators spreadsheets guess in some locales, and
// an unquoted "a;=1+1" would become a second, live cell there.
QString field(QStringView value);
// One cell of tab-separated text for the clipboard (pasted into spreadsheets): the same guard;
// tabs and line breaks inside become spaces, since such text has no quoting.
QString tsvField(QStringView value);
// A record: guarded, quoted fields joined by commas, ended by CRLF (RFC 4180).
QString line(const QStringList &fields);
void appendLine(QString &out, const QStringList &fields);

// The path an export writes to for the name the user chose: the name as given when it ends
// in .csv (any case), else with .csv appended, so the import dialog's filter finds the file
// again; empty when nothing was chosen (the dialog was cancelled). Fails, saying so, when the
// appended name is a file that already exists: the save dialog confirmed the name the user
// typed, not that one, so nothing is overwritten.
ValueResult<QString> exportPath(const QString &chosen);

// The columns of a queue export and one row of it (timestamps ISO-8601 UTC).
QStringList queueHeader();
QStringList queueFields(const QueueRow &row);

// Every row and column of a (small, fully loaded) model, with its horizontal headers.
Result writeModel(const QAbstractItemModel &model, const QString &path);

} // namespace ViralSpot::Ui::Csv
