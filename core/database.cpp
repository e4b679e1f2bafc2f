#include "core/database.h"

#include "core/logging.h"
#include "core/sqlitecheckpointer.h"
#include "core/sqlitefileguard.h"
#include "core/sqlitewal.h"

#include <QCoreApplication>
#include <QDate>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

#include <cmath>
#include <sqlite3.h>

namespace ViralSpot::Database {

namespace {

// The translation context of this file's messages (as lupdate files them).
struct DatabaseText
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::Database)
};

// libpq options that make a dead or unreachable server fail in seconds instead of hanging.
const QLatin1String PostgresDefaultOptions(
    "connect_timeout=3;keepalives=1;keepalives_idle=5;keepalives_interval=2;"
    "keepalives_count=2;application_name=viralspot-admin");

Result exec(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (q.exec(sql))
        return Result::success();
    return Result::failure(q.lastError().text());
}

int sqliteBusyTimeoutMs()
{
    return qEnvironmentVariableIsSet("VIRALSPOT_SQLITE_BUSY_TIMEOUT_MS")
        ? qEnvironmentVariableIntValue("VIRALSPOT_SQLITE_BUSY_TIMEOUT_MS")
        : 10000;
}

Result configureSqlite(QSqlDatabase &db)
{
    // WAL lets readers work beside the writer; FULL makes every commit durable (contract:
    // Outcomes). The mode is kept in the file, so only a new database changes it; that needs the
    // file to itself, and when several processes open the same new file at once SQLite answers
    // "database is locked" at once, without its busy timeout. So retry for that long.
    QSqlQuery q(db);
    const QDeadlineTimer deadline(sqliteBusyTimeoutMs());
    for (int attempt = 1;; ++attempt) {
        if (q.exec(QStringLiteral("PRAGMA journal_mode=WAL")) && q.next())
            break;
        if (!isBusy(q.lastError()) || deadline.hasExpired())
            return Result::failure(q.lastError().text());
        q.finish();
        QThread::msleep(qMin(5 * attempt, 50));
    }
    const QString mode = q.value(0).toString();
    if (mode.compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0)
        qCWarning(lcCore) << "SQLite journal mode is" << mode << "instead of WAL";
    const QString pragmas[] = {
        QStringLiteral("PRAGMA synchronous=FULL"),
        // A larger page cache (64 MiB) keeps a 100,000-row batch's index pages in memory.
        QStringLiteral("PRAGMA cache_size=-65536"),
        // A batch's RETURNING rows and IN (json_each) lists need temporary b-trees: in memory,
        // not a temp file created and unlinked on every commit.
        QStringLiteral("PRAGMA temp_store=MEMORY"),
        QStringLiteral("PRAGMA foreign_keys=ON"),
    };
    for (const QString &pragma : pragmas) {
        if (Result done = exec(db, pragma); !done.ok)
            return done;
    }
    return Result::success();
}

} // namespace

bool beginWrite(QSqlDatabase &db, QSqlError *error, int patienceMs)
{
    const bool postgres = isPostgres(db);
    const QDeadlineTimer patience(patienceMs);
    QSqlQuery q(db);
    for (;;) {
        if (q.exec(postgres ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE")))
            return true;
        // The busy handler has waited one busy timeout within this try.
        if (postgres || !isBusy(q.lastError()) || patience.hasExpired()) {
            if (error)
                *error = q.lastError();
            return false;
        }
        QThread::msleep(5); // not a hot loop when the busy timeout is set very short
    }
}

bool isBusy(const QSqlError &error)
{
    // SQLite reports extended result codes (SQLITE_BUSY_RECOVERY is 261, …): the primary code
    // is the low byte. PostgreSQL's SQLSTATEs are five characters and never count here.
    const QString code = error.nativeErrorCode();
    bool numeric = false;
    const int value = code.toInt(&numeric);
    if (!numeric || code.size() >= 5)
        return false;
    const int primary = value & 0xff;
    return primary == 5 /* SQLITE_BUSY */ || primary == 6 /* SQLITE_LOCKED */;
}

QString placeholders(int count, const QString &one)
{
    QString result;
    for (int i = 0; i < count; ++i) {
        if (i)
            result += QLatin1String(", ");
        result += one;
    }
    return result;
}

QVariant timestampValue(const QSqlDatabase &db, const QDateTime &when)
{
    if (isPostgres(db))
        return when.toUTC();
    return when.toUTC().toString(Qt::ISODateWithMs);
}

bool isUniqueViolation(const QSqlError &error)
{
    const QString code = error.nativeErrorCode();
    return code == QLatin1String("23505") || code == QLatin1String("2067") ||
        code == QLatin1String("1555");
}

void initializeDrivers()
{
    // Qt 6.4 registers its driver table's clean-up routine behind an unsynchronized flag: two
    // threads making their first connection at the same moment can both register it, and then
    // the process spins forever in ~QCoreApplication (seen in tst_concurrency; 3 exits in 200
    // hung in a plain Qt reproduction). A function-local static runs it once, with the other
    // threads waiting, before any connection is made.
    static const bool initialized = [] {
        QSqlDatabase::drivers();
        return true;
    }();
    Q_UNUSED(initialized)
}

ValueResult<QSqlDatabase> open(const DatabaseConfig &config, const QString &connectionName)
{
    using Opened = ValueResult<QSqlDatabase>;
    initializeDrivers();
    QSqlDatabase db;
    if (QSqlDatabase::contains(connectionName)) {
        db = QSqlDatabase::database(connectionName, false);
        if (db.isOpen())
            return Opened::success(db);
    } else {
        const bool sqlite = config.engine == DatabaseConfig::Engine::SQLite;
        db = QSqlDatabase::addDatabase(
            sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL"), connectionName);
        if (!db.isValid()) {
            return Opened::failure(
                DatabaseText::tr("The Qt SQL driver for %1 is not installed (package %2).")
                    .arg(config.engineName(),
                        sqlite ? QStringLiteral("libqt6sql6-sqlite")
                               : QStringLiteral("libqt6sql6-psql")),
                ErrorKind::Unavailable);
        }
        if (sqlite) {
            // Before the first SQLite connection: when asked for (opt-in), the WAL-gathering VFS
            // becomes the default (see sqlitewal.h).
            SqliteWal::install();
            db.setDatabaseName(config.sqlitePath);
            db.setConnectOptions(
                QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(sqliteBusyTimeoutMs()));
        } else {
            db.setHostName(config.host);
            db.setPort(config.port);
            db.setDatabaseName(config.databaseName);
            db.setUserName(config.user);
            db.setPassword(config.password);
            QString options = PostgresDefaultOptions;
            if (const QString libpq = config.libpqOptions(); !libpq.isEmpty())
                options += QLatin1Char(';') + libpq;
            db.setConnectOptions(options);
        }
    }

    if (config.engine == DatabaseConfig::Engine::SQLite) {
        const QFileInfo file(config.sqlitePath);
        if (!file.dir().exists() && !QDir().mkpath(file.absolutePath())) {
            return Opened::failure(
                DatabaseText::tr("Cannot create the folder %1 for the SQLite database.")
                    .arg(file.absolutePath()),
                ErrorKind::Unavailable);
        }
        if (const Result allowed = SqliteFileGuard::mayOpen(config.sqlitePath); !allowed.ok)
            return Opened::failure(allowed.error, ErrorKind::Unavailable);
    }

    if (!db.open()) {
        const QSqlError e = db.lastError();
        return Opened::failure(
            DatabaseText::tr("Cannot connect to %1 at %2: %3")
                .arg(config.engineName(), config.displayUrl(),
                    QString(e.driverText() + QLatin1Char(' ') + e.databaseText()).trimmed()),
            ErrorKind::Unavailable);
    }
    if (config.engine == DatabaseConfig::Engine::PostgreSQL) {
        // NOTICEs ("already exists, skipping") are not news for an application. Cosmetic only:
        // behind a transaction pooler this lands in one server session of the pool, and
        // nothing relies on it. Durability is asked for inside each writing transaction
        // instead (SET LOCAL synchronous_commit, see RequestService), for the same reason.
        exec(db, QStringLiteral("SET client_min_messages = warning"));
    } else {
        if (const Result configured = configureSqlite(db); !configured.ok) {
            db.close();
            return Opened::failure(DatabaseText::tr("Cannot use the SQLite database %1: %2")
                                       .arg(config.sqlitePath, configured.error),
                ErrorKind::Unavailable);
        }
        // Records the files this connection holds, for SqliteFileGuard::check().
        if (const Result attached = SqliteFileGuard::attach(db); !attached.ok) {
            db.close();
            return Opened::failure(attached.error, ErrorKind::Unavailable);
        }
        // Its commits leave checkpoints to the checkpoint thread (sqlitecheckpointer.h).
        SqliteCheckpointer::attach(sqliteHandle(db));
    }
    return Opened::success(db);
}

void close(const QString &connectionName)
{
    if (!QSqlDatabase::contains(connectionName))
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(connectionName, false);
        SqliteCheckpointer::detach(sqliteHandle(db));
        db.close();
    }
    SqliteFileGuard::detach(connectionName);
    QSqlDatabase::removeDatabase(connectionName);
}

QString threadConnectionName(const QString &purpose)
{
    return QStringLiteral("viralspot_%1_%2")
        .arg(purpose)
        .arg(reinterpret_cast<quintptr>(QThread::currentThread()), 0, 16);
}

sqlite3 *sqliteHandle(const QSqlDatabase &db)
{
    if (!db.isOpen() || db.driverName() != QLatin1String("QSQLITE"))
        return nullptr;
    const QVariant handle = db.driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(handle.constData());
}

bool isPostgres(const QSqlDatabase &db)
{
    return db.driverName() == QLatin1String("QPSQL");
}

bool isConnectionLost(const QSqlDatabase &db)
{
    if (!db.isOpen())
        return true;
    // A connection whose files were replaced underneath is as good as lost (and worse: it
    // would go on answering from a file nobody else sees).
    if (!SqliteFileGuard::check(db).ok)
        return true;
    QSqlQuery q(db);
    return !q.exec(QStringLiteral("SELECT 1"));
}

ValueResult<QString> postgresLiteral(const QVariant &value)
{
    using Literal = ValueResult<QString>;
    if (value.isNull() || !value.isValid())
        return Literal::success(QStringLiteral("NULL"));
    // Negative numbers in parentheses: written after a `-` ("a-?") they would start a comment.
    const auto number = [](const QString &digits) {
        return digits.startsWith(QLatin1Char('-')) ? QLatin1Char('(') + digits + QLatin1Char(')')
                                                   : digits;
    };
    switch (value.metaType().id()) {
    case QMetaType::Bool:
        return Literal::success(value.toBool() ? QStringLiteral("TRUE") : QStringLiteral("FALSE"));
    case QMetaType::Int:
    case QMetaType::Short:
    case QMetaType::SChar:
    case QMetaType::Long:
    case QMetaType::LongLong:
        return Literal::success(number(QString::number(value.toLongLong())));
    case QMetaType::UInt:
    case QMetaType::UShort:
    case QMetaType::UChar:
    case QMetaType::ULong:
    case QMetaType::ULongLong:
        return Literal::success(QString::number(value.toULongLong()));
    case QMetaType::Double:
    case QMetaType::Float: {
        const double d = value.toDouble();
        if (std::isnan(d))
            return Literal::success(QStringLiteral("'NaN'::float8"));
        if (std::isinf(d))
            return Literal::success(d > 0 ? QStringLiteral("'Infinity'::float8")
                                          : QStringLiteral("'-Infinity'::float8"));
        return Literal::success(number(QString::number(d, 'g', 17)));
    }
    case QMetaType::QDateTime: {
        const QDateTime dt = value.toDateTime();
        if (!dt.isValid())
            return Literal::success(QStringLiteral("NULL"));
        return Literal::success(QLatin1Char('\'') + dt.toUTC().toString(Qt::ISODateWithMs) +
            QStringLiteral("'::timestamptz"));
    }
    case QMetaType::QDate: {
        const QDate d = value.toDate();
        if (!d.isValid())
            return Literal::success(QStringLiteral("NULL"));
        return Literal::success(
            QLatin1Char('\'') + d.toString(Qt::ISODate) + QStringLiteral("'::date"));
    }
    case QMetaType::QByteArray:
        return Literal::success(QStringLiteral("E'\\\\x") +
            QString::fromLatin1(value.toByteArray().toHex()) + QStringLiteral("'::bytea"));
    default:
        break;
    }
    const QString text = value.toString();
    if (text.contains(QChar(0)))
        return Literal::failure(
            DatabaseText::tr("A value holds a NUL character, which PostgreSQL cannot store."));
    const bool backslash = text.contains(QLatin1Char('\\'));
    QString out;
    out.reserve(text.size() + 3);
    if (backslash)
        out += QLatin1Char('E');
    out += QLatin1Char('\'');
    for (const QChar c : text) {
        if (c == QLatin1Char('\'') || (backslash && c == QLatin1Char('\\')))
            out += c;
        out += c;
    }
    out += QLatin1Char('\'');
    return Literal::success(out);
}

ValueResult<QString> withPostgresLiterals(const QString &sql, const QVariantList &values)
{
    using Statement = ValueResult<QString>;
    QString out;
    out.reserve(sql.size() + values.size() * 16);
    qsizetype next = 0; // the value for the next placeholder
    const qsizetype n = sql.size();
    const auto isWordChar = [](QChar c) {
        return c.isLetterOrNumber() || c == QLatin1Char('_') || c == QLatin1Char('$');
    };
    for (qsizetype i = 0; i < n;) {
        const QChar c = sql.at(i);
        const QChar after = i + 1 < n ? sql.at(i + 1) : QChar();
        qsizetype end = i + 1; // the text from i to end is copied as it is
        if (c == QLatin1Char('\'')) {
            // A string literal; E'...' also escapes with backslashes.
            const bool escapes = i > 0 &&
                (sql.at(i - 1) == QLatin1Char('E') || sql.at(i - 1) == QLatin1Char('e')) &&
                (i < 2 || !isWordChar(sql.at(i - 2)));
            while (end < n) {
                const QChar d = sql.at(end++);
                if (escapes && d == QLatin1Char('\\')) {
                    ++end;
                } else if (d == QLatin1Char('\'')) {
                    if (end < n && sql.at(end) == QLatin1Char('\''))
                        ++end;
                    else
                        break;
                }
            }
        } else if (c == QLatin1Char('"')) {
            while (end < n) {
                if (sql.at(end++) == QLatin1Char('"')) {
                    if (end < n && sql.at(end) == QLatin1Char('"'))
                        ++end;
                    else
                        break;
                }
            }
        } else if (c == QLatin1Char('-') && after == QLatin1Char('-')) {
            end = sql.indexOf(QLatin1Char('\n'), i);
            end = end < 0 ? n : end;
        } else if (c == QLatin1Char('/') && after == QLatin1Char('*')) {
            int depth = 1; // PostgreSQL nests block comments
            end = i + 2;
            while (end < n && depth > 0) {
                if (sql.at(end) == QLatin1Char('/') && end + 1 < n &&
                    sql.at(end + 1) == QLatin1Char('*')) {
                    ++depth;
                    end += 2;
                } else if (sql.at(end) == QLatin1Char('*') && end + 1 < n &&
                    sql.at(end + 1) == QLatin1Char('/')) {
                    --depth;
                    end += 2;
                } else {
                    ++end;
                }
            }
        } else if (c == QLatin1Char('$') && (i == 0 || !isWordChar(sql.at(i - 1)))) {
            // A dollar-quoted string: $tag$ ... $tag$ (a tag does not start with a digit).
            qsizetype tagEnd = i + 1;
            while (tagEnd < n && isWordChar(sql.at(tagEnd)) && sql.at(tagEnd) != QLatin1Char('$'))
                ++tagEnd;
            if (tagEnd < n && sql.at(tagEnd) == QLatin1Char('$') &&
                (tagEnd == i + 1 || !sql.at(i + 1).isDigit())) {
                const QString tag = sql.mid(i, tagEnd - i + 1);
                const qsizetype close = sql.indexOf(tag, tagEnd + 1);
                end = close < 0 ? n : close + tag.size();
            }
        } else if (c == QLatin1Char('?')) {
            if (next >= values.size())
                return Statement::failure(
                    DatabaseText::tr("The statement has more placeholders than values."));
            const ValueResult<QString> literal = postgresLiteral(values.at(next++));
            if (!literal.ok)
                return Statement::failure(literal.error);
            // Spaces keep a literal from joining a neighbouring token.
            out += QLatin1Char(' ') + literal.value + QLatin1Char(' ');
            i = end;
            continue;
        }
        out += QStringView(sql).mid(i, end - i);
        i = end;
    }
    if (next != values.size())
        return Statement::failure(
            DatabaseText::tr("The statement has fewer placeholders than values."));
    return Statement::success(out);
}

bool exec(QSqlQuery &query, const QString &sql, const QVariantList &values, QSqlError *error)
{
    const auto fail = [&](const QSqlError &why) {
        if (error)
            *error = why;
        return false;
    };
    const QSqlDriver *driver = query.driver();
    if (driver && driver->dbmsType() == QSqlDriver::PostgreSQL) {
        const ValueResult<QString> text = values.isEmpty() ? ValueResult<QString>::success(sql)
                                                           : withPostgresLiterals(sql, values);
        if (!text.ok)
            return fail(QSqlError(text.error, QString(), QSqlError::StatementError));
        return query.exec(text.value) || fail(query.lastError());
    }
    if (!query.prepare(sql))
        return fail(query.lastError());
    for (const QVariant &value : values)
        query.addBindValue(value);
    return query.exec() || fail(query.lastError());
}

bool execWithSettings(QSqlQuery &query, const QList<std::pair<QString, QString>> &settings,
    const QString &sql, const QVariantList &values, QSqlError *error)
{
    const QSqlDriver *driver = query.driver();
    if (settings.isEmpty() || !driver || driver->dbmsType() != QSqlDriver::PostgreSQL)
        return exec(query, sql, values, error);
    QStringList calls;
    for (const auto &[name, value] : settings)
        calls << QStringLiteral("set_config(%1, %2, true)")
                     .arg(postgresLiteral(name).value, postgresLiteral(value).value);
    // The first result is the settings'; the statement's rows (or its error) come next.
    if (!exec(query,
            QStringLiteral("SELECT ") + calls.join(QStringLiteral(", ")) + QStringLiteral("; ") +
                sql,
            values, error))
        return false;
    if (query.nextResult())
        return true;
    if (error)
        *error = query.lastError();
    return false;
}

} // namespace ViralSpot::Database
