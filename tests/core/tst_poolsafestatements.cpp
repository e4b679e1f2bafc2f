// Statements that leave no state in the server session (Database::exec): on PostgreSQL the
// values are written into the statement as literals instead of QPSQL's PREPARE/EXECUTE, so
// they must arrive exactly as given whatever they hold (quotes, backslashes, placeholders and
// comment marks inside strings) and must never become SQL. Runs on SQLite (prepared, for the
// same results), PostgreSQL directly, and through PgBouncer in transaction mode.

#include "core/auditlog.h"
#include "core/database.h"
#include "core/schema.h"
#include "tests/support/testdatabase.h"

#include <QSqlQuery>
#include <QTest>

using namespace ViralSpot;

class TestPoolSafeStatements : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void placeholdersOutsideLiteralsOnly_data();
    void placeholdersOutsideLiteralsOnly();
    void refusesWhatCannotBeWritten();
    void hostileValuesRoundTrip_data();
    void hostileValuesRoundTrip();
    void valuesOfOtherTypes();
    void auditLogKeepsHostileText();
    void noPreparedStatementLeftInTheSession();
};

void TestPoolSafeStatements::placeholdersOutsideLiteralsOnly_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QVariantList>("values");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain") << QStringLiteral("SELECT ?, ?")
                           << QVariantList { 1, QStringLiteral("a") }
                           << QStringLiteral("SELECT  1 ,  'a' ");
    QTest::newRow("in a string") << QStringLiteral("SELECT '?', ?") << QVariantList { 2 }
                                 << QStringLiteral("SELECT '?',  2 ");
    QTest::newRow("doubled quote") << QStringLiteral("SELECT 'it''s ?', ?") << QVariantList { 3 }
                                   << QStringLiteral("SELECT 'it''s ?',  3 ");
    QTest::newRow("E string") << QStringLiteral("SELECT E'\\' ?', ?") << QVariantList { 4 }
                              << QStringLiteral("SELECT E'\\' ?',  4 ");
    QTest::newRow("identifier") << QStringLiteral("SELECT 1 AS \"a?\", ?") << QVariantList { 5 }
                                << QStringLiteral("SELECT 1 AS \"a?\",  5 ");
    QTest::newRow("line comment") << QStringLiteral("SELECT ? -- ?\n") << QVariantList { 6 }
                                  << QStringLiteral("SELECT  6  -- ?\n");
    QTest::newRow("block comment")
        << QStringLiteral("SELECT /* ? /* ? */ ? */ ?") << QVariantList { 7 }
        << QStringLiteral("SELECT /* ? /* ? */ ? */  7 ");
    QTest::newRow("dollar quote") << QStringLiteral("SELECT $x$ ? $x$, $$?$$, ?")
                                  << QVariantList { 8 }
                                  << QStringLiteral("SELECT $x$ ? $x$, $$?$$,  8 ");
    QTest::newRow("cast") << QStringLiteral("SELECT ?::text[]")
                          << QVariantList { QStringLiteral("{a}") }
                          << QStringLiteral("SELECT  '{a}' ::text[]");
    // After a minus, a negative number must not start a comment ("--").
    QTest::newRow("negative") << QStringLiteral("SELECT 1-?") << QVariantList { -5 }
                              << QStringLiteral("SELECT 1- (-5) ");
    QTest::newRow("quote and backslash")
        << QStringLiteral("SELECT ?") << QVariantList { QStringLiteral("a'b\\c") }
        << QStringLiteral("SELECT  E'a''b\\\\c' ");
    QTest::newRow("null") << QStringLiteral("SELECT ?") << QVariantList { QVariant() }
                          << QStringLiteral("SELECT  NULL ");
}

void TestPoolSafeStatements::placeholdersOutsideLiteralsOnly()
{
    QFETCH(QString, sql);
    QFETCH(QVariantList, values);
    QFETCH(QString, expected);
    const ValueResult<QString> written = Database::withPostgresLiterals(sql, values);
    QVERIFY2(written.ok, qPrintable(written.error));
    QCOMPARE(written.value, expected);
}

void TestPoolSafeStatements::refusesWhatCannotBeWritten()
{
    const ValueResult<QString> tooFewValues =
        Database::withPostgresLiterals(QStringLiteral("SELECT ?, ?"), { 1 });
    QVERIFY(!tooFewValues.ok);
    QVERIFY(tooFewValues.value.isEmpty());
    QVERIFY(!tooFewValues.error.isEmpty());
    const ValueResult<QString> tooManyValues =
        Database::withPostgresLiterals(QStringLiteral("SELECT ?"), { 1, 2 });
    QVERIFY(!tooManyValues.ok);
    QVERIFY(tooManyValues.value.isEmpty());
    QVERIFY(!tooManyValues.error.isEmpty());
    // libpq would cut the statement at a NUL character.
    const ValueResult<QString> nul = Database::withPostgresLiterals(QStringLiteral("SELECT ?"),
        { QString(QStringLiteral("a") + QChar(0) + QStringLiteral("'; DROP TABLE queue; --")) });
    QVERIFY(!nul.ok);
    QVERIFY(nul.value.isEmpty());
    QVERIFY(!nul.error.isEmpty());
}

void TestPoolSafeStatements::hostileValuesRoundTrip_data()
{
    QTest::addColumn<QString>("value");
    QTest::newRow("quote") << QStringLiteral("O'Brien");
    QTest::newRow("backslash") << QStringLiteral("back\\slash\\");
    QTest::newRow("backslash quote") << QStringLiteral("\\'; DROP TABLE queue; --");
    QTest::newRow("quote injection") << QStringLiteral("x'); DELETE FROM queue; --");
    QTest::newRow("placeholder") << QStringLiteral("? ?? $1 :name");
    QTest::newRow("dollar quote") << QStringLiteral("$$ $x$ ' \" ");
    QTest::newRow("comment marks") << QStringLiteral("/* -- */ */");
    QTest::newRow("unicode") << QStringLiteral("Grüße ✓ \u202e");
    QTest::newRow("newlines") << QStringLiteral("a\nb\r\nc\td");
    QTest::newRow("empty") << QString(QLatin1String(""));
}

void TestPoolSafeStatements::hostileValuesRoundTrip()
{
    QFETCH(QString, value);
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    QSqlDatabase connection = db.connection();
    QVERIFY(connection.isOpen());
    QVERIFY(db.exec(QStringLiteral("CREATE TABLE t (v text)")));
    const bool postgres = Database::isPostgres(connection);
    // The other reading of backslashes too: an E'' literal means the same under both.
    const QStringList settings = postgres
        ? QStringList { QStringLiteral("on"), QStringLiteral("off") }
        : QStringList { QString() };
    for (const QString &setting : settings) {
        QSqlQuery q(connection);
        QSqlError error;
        const QString prefix = setting.isEmpty()
            ? QString()
            : QStringLiteral("SET LOCAL standard_conforming_strings = %1; ").arg(setting);
        QVERIFY2(Database::exec(
                     q, prefix + QStringLiteral("INSERT INTO t (v) VALUES (?)"), { value }, &error),
            qPrintable(error.text()));
        QSqlQuery read(connection);
        QVERIFY2(Database::exec(read, QStringLiteral("SELECT v, ? FROM t WHERE v = ?"),
                     { value, value }, &error),
            qPrintable(error.text()));
        QVERIFY(read.next());
        QCOMPARE(read.value(0).toString(), value);
        QCOMPARE(read.value(1).toString(), value);
        QVERIFY(!read.next());
        QVERIFY(db.exec(QStringLiteral("DELETE FROM t")));
    }
    // Nothing ran but the statements: the table is there and empty.
    QCOMPARE(db.scalar(QStringLiteral("SELECT COUNT(*) FROM t")).toInt(), 0);
}

void TestPoolSafeStatements::valuesOfOtherTypes()
{
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    QSqlDatabase connection = db.connection();
    QSqlQuery q(connection);
    QSqlError error;
    QVERIFY2(Database::exec(q, QStringLiteral("SELECT ? + 1, ? - 1, ?, ? IS NULL, ? * 2"),
                 { 41, qint64(-9000000000), true, QVariant(), 1.5 }, &error),
        qPrintable(error.text()));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toLongLong(), 42);
    QCOMPARE(q.value(1).toLongLong(), qint64(-9000000001));
    QVERIFY(q.value(2).toBool());
    QVERIFY(q.value(3).toBool());
    QCOMPARE(q.value(4).toDouble(), 3.0);
}

void TestPoolSafeStatements::auditLogKeepsHostileText()
{
    // A real writer and reader of free text (OS user and host names, details).
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    QSqlDatabase connection = db.connection();
    QString error;
    const Schema::MigrationResult migration = Schema::migrate(connection);
    QVERIFY2(migration.ok, qPrintable(migration.error));
    AuditEntry entry = AuditEntry::forOrigin(QStringLiteral("terminal"), QStringLiteral("submit"));
    entry.osUser = QStringLiteral("o'brien\\'); DROP TABLE audit_log; --");
    entry.host = QStringLiteral("host ? $$ \\x00");
    entry.usernames = { QStringLiteral("a\"b"), QStringLiteral("c\\d") };
    entry.total = 2;
    entry.details = { { QStringLiteral("note"), QStringLiteral("it's \\ fine") } };
    const Result recorded = AuditLog::record(connection, entry);
    QVERIFY2(recorded.ok, qPrintable(recorded.error));
    AuditFilter filter;
    filter.text = QStringLiteral("o'brien\\");
    const AuditPage page = AuditLog::read(connection, filter, 10);
    QVERIFY2(page.error.isEmpty(), qPrintable(page.error));
    QCOMPARE(page.entries.size(), 1);
    QCOMPARE(page.entries.first().osUser, entry.osUser);
    QCOMPARE(page.entries.first().host, entry.host);
    QCOMPARE(page.entries.first().usernames, entry.usernames);
    QCOMPARE(page.entries.first().details, entry.details);
}

void TestPoolSafeStatements::noPreparedStatementLeftInTheSession()
{
    // The app's own work on a connection leaves no named statement in its server session,
    // which a transaction pooler would hand to another client.
    if (Test::engine() != DatabaseConfig::Engine::PostgreSQL)
        return;
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    QSqlDatabase connection = db.connection();
    QString error;
    const Schema::MigrationResult migration = Schema::migrate(connection);
    QVERIFY2(migration.ok, qPrintable(migration.error));
    const Result recorded = AuditLog::record(
        connection, AuditEntry::forOrigin(QStringLiteral("terminal"), QStringLiteral("submit")));
    QVERIFY2(recorded.ok, qPrintable(recorded.error));
    QCOMPARE(AuditLog::read(connection, {}, 10).entries.size(), 1);
    // One transaction, so that a pooler keeps the same server session for the check.
    QVERIFY(db.exec(QStringLiteral("BEGIN")));
    QSqlQuery q(connection);
    QSqlError sqlError;
    QVERIFY2(Database::exec(q, QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE total = ?"),
                 { 0 }, &sqlError),
        qPrintable(sqlError.text()));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toInt(), 1);
    QCOMPARE(db.scalar(QStringLiteral("SELECT COUNT(*) FROM pg_prepared_statements")).toInt(), 0);
    QVERIFY(db.exec(QStringLiteral("COMMIT")));
}

QTEST_GUILESS_MAIN(TestPoolSafeStatements)
#include "tst_poolsafestatements.moc"
