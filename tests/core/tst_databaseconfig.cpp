#include "core/databaseconfig.h"

#include <QDir>
#include <QTest>

using ViralSpot::DatabaseConfig;
using ViralSpot::ValueResult;

class TestDatabaseConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void transactionPooler();
    void parse_data();
    void parse();
    void rejects_data();
    void rejects();
    void displayUrlHidesPassword();
    void roundTrip();
    void resolveOrder();
    void connectionString_data();
    void connectionString();
    void connectionStringRejects_data();
    void connectionStringRejects();
    void looksLikeConnectionString_data();
    void looksLikeConnectionString();
    void setOption();
};

void TestDatabaseConfig::parse_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("postgres");
    QTest::addColumn<QString>("pathOrHost");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("options");

    QTest::newRow("sqlite absolute")
        << "sqlite:/var/lib/vs/q.sqlite" << false << "/var/lib/vs/q.sqlite" << 0 << ""
        << ""
        << ""
        << "";
    QTest::newRow("sqlite triple slash") << "sqlite:///tmp/q.db" << false << "/tmp/q.db" << 0 << ""
                                         << ""
                                         << ""
                                         << "";
    QTest::newRow("sqlite relative")
        << "sqlite:rel/q.db" << false
        << QDir::current().absoluteFilePath(QStringLiteral("rel/q.db")) << 0 << ""
        << ""
        << ""
        << "";
    // Found by fuzz_databaseconfig: a leading ':' is a file name here, not a Qt resource.
    QTest::newRow("sqlite colon name") << "sqlite::/.." << false << QDir::currentPath() << 0 << ""
                                       << ""
                                       << ""
                                       << "";
    QTest::newRow("sqlite colon file")
        << "sqlite::q.db" << false << QDir::currentPath() + QStringLiteral("/:q.db") << 0 << ""
        << ""
        << ""
        << "";
    QTest::newRow("pg full") << "postgresql://alice:s3cret@db.local:6543/viral" << true
                             << "db.local" << 6543 << "viral"
                             << "alice"
                             << "s3cret"
                             << "";
    QTest::newRow("pg default port")
        << "postgresql://bob@127.0.0.1/q" << true << "127.0.0.1" << 5432 << "q"
        << "bob"
        << ""
        << "";
    QTest::newRow("postgres scheme") << "postgres://u@h/d" << true << "h" << 5432 << "d"
                                     << "u"
                                     << ""
                                     << "";
    QTest::newRow("encoded password")
        << "postgresql://u:p%40ss%2Fw@h:1/d" << true << "h" << 1 << "d"
        << "u"
        << "p@ss/w"
        << "";
    QTest::newRow("options") << "postgresql://u@h/d?sslmode=require&connect_timeout=10" << true
                             << "h" << 5432 << "d"
                             << "u"
                             << ""
                             << "sslmode=require;connect_timeout=10";
    QTest::newRow("socket host option")
        << "postgresql://u@/d?host=/run/postgresql" << true << "/run/postgresql" << 5432 << "d"
        << "u"
        << ""
        << "";
}

void TestDatabaseConfig::parse()
{
    QFETCH(QString, url);
    QFETCH(bool, postgres);
    QFETCH(QString, pathOrHost);
    QFETCH(int, port);
    QFETCH(QString, database);
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(QString, options);

    const ValueResult<DatabaseConfig> parsed = DatabaseConfig::fromUrl(url);
    QVERIFY2(parsed.ok, qPrintable(parsed.error));
    QVERIFY(parsed.error.isEmpty());
    const DatabaseConfig &c = parsed.value;
    QVERIFY(c.isValid());
    QCOMPARE(c.engine == DatabaseConfig::Engine::PostgreSQL, postgres);
    if (postgres) {
        QCOMPARE(c.host, pathOrHost);
        QCOMPARE(c.port, port);
        QCOMPARE(c.databaseName, database);
        QCOMPARE(c.user, user);
        QCOMPARE(c.password, password);
        QCOMPARE(c.options, options);
    } else {
        QCOMPARE(c.sqlitePath, pathOrHost);
    }
}

void TestDatabaseConfig::rejects_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("errorPart");
    QTest::newRow("empty") << ""
                           << "empty";
    QTest::newRow("mysql") << "mysql://u@h/d"
                           << "Unsupported";
    QTest::newRow("sqlite no path") << "sqlite:"
                                    << "no file";
    QTest::newRow("pg no db") << "postgresql://u@h"
                              << "no database";
    QTest::newRow("pg bad port") << "postgresql://u@h:99999/d"
                                 << "";
    QTest::newRow("option with space") << "postgresql://u@h/d?options=-c%20x"
                                       << "key=value";
    // Found by fuzz_databaseconfig: a key decoding to "=b" read back as key "" (the
    // "key=value;…" form cannot hold it).
    QTest::newRow("option key with =") << "postgresql://u@h/d?%3Db=1"
                                       << "key=value";
    QTest::newRow("plain word") << "queue.db"
                                << "Unsupported";
}

void TestDatabaseConfig::rejects()
{
    QFETCH(QString, url);
    QFETCH(QString, errorPart);
    const ValueResult<DatabaseConfig> parsed = DatabaseConfig::fromUrl(url);
    QVERIFY2(!parsed.ok, qPrintable(url));
    QVERIFY2(!parsed.error.isEmpty(), qPrintable(url));
    QVERIFY2(parsed.error.contains(errorPart), qPrintable(parsed.error));
    QVERIFY(!parsed.value.isValid());
}

void TestDatabaseConfig::displayUrlHidesPassword()
{
    const DatabaseConfig c =
        DatabaseConfig::fromUrl(QStringLiteral("postgresql://u:topsecret@h:5/d")).value;
    QVERIFY(!c.displayUrl().contains(QLatin1String("topsecret")));
    QVERIFY(c.displayUrl().contains(QLatin1String("***")));
    QVERIFY(c.toUrl().contains(QLatin1String("topsecret")));
}

void TestDatabaseConfig::roundTrip()
{
    const ValueResult<DatabaseConfig> first =
        DatabaseConfig::fromUrl(QStringLiteral("postgresql://u:p%40w@h:7/d?sslmode=disable"));
    const ValueResult<DatabaseConfig> parsedAgain = DatabaseConfig::fromUrl(first.value.toUrl());
    QVERIFY(first.ok && parsedAgain.ok);
    const DatabaseConfig &again = parsedAgain.value;
    QCOMPARE(again.password, QStringLiteral("p@w"));
    QCOMPARE(again.options, QStringLiteral("sslmode=disable"));
    QCOMPARE(again.port, 7);
}

void TestDatabaseConfig::resolveOrder()
{
    qputenv("VIRALSPOT_DATABASE_URL", "sqlite:/tmp/from-env.sqlite");
    QCOMPARE(DatabaseConfig::resolveUrl(QStringLiteral("sqlite:/x")), QStringLiteral("sqlite:/x"));
    QCOMPARE(DatabaseConfig::resolveUrl({}), QStringLiteral("sqlite:/tmp/from-env.sqlite"));
    qunsetenv("VIRALSPOT_DATABASE_URL");
    QVERIFY(DatabaseConfig::resolveUrl({}).startsWith(QLatin1String("sqlite:")));
    QVERIFY(
        DatabaseConfig::resolveUrl({}).endsWith(QLatin1String("/viralspot-admin/queue.sqlite")));
}

// What a user pastes from a hosting provider's page, whole (the Database dialog's paste).
void TestDatabaseConfig::connectionString_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("options");

    // Supabase's three strings (dashboard → Connect), password filled in.
    QTest::newRow("supabase transaction pooler")
        << "postgresql://postgres.abcdefghijklmnop:s3cret@aws-0-eu-central-1.pooler.supabase.com:"
           "6543/postgres"
        << "aws-0-eu-central-1.pooler.supabase.com" << 6543 << "postgres"
        << "postgres.abcdefghijklmnop"
        << "s3cret"
        << "sslmode=require";
    QTest::newRow("supabase session pooler")
        << "postgresql://postgres.abcdefghijklmnop:s3cret@aws-0-us-east-1.pooler.supabase.com:5432/"
           "postgres"
        << "aws-0-us-east-1.pooler.supabase.com" << 5432 << "postgres"
        << "postgres.abcdefghijklmnop"
        << "s3cret"
        << "sslmode=require";
    QTest::newRow("supabase direct")
        << "postgresql://postgres:s3cret@db.abcdefghijklmnop.supabase.co:5432/postgres"
        << "db.abcdefghijklmnop.supabase.co" << 5432 << "postgres"
        << "postgres"
        << "s3cret"
        << "sslmode=require";
    // As the dashboard shows it, before the password is put in: read as "no password yet".
    QTest::newRow("supabase placeholder")
        << "postgresql://postgres.abcdefghijklmnop:[YOUR-PASSWORD]@aws-0-eu-central-1.pooler."
           "supabase.com:6543/postgres"
        << "aws-0-eu-central-1.pooler.supabase.com" << 6543 << "postgres"
        << "postgres.abcdefghijklmnop"
        << ""
        << "sslmode=require";
    // Pasted with white space around it, as copying from a web page does.
    QTest::newRow("supabase with white space")
        << "  postgresql://postgres:pw@db.ref.supabase.co:5432/postgres\n"
        << "db.ref.supabase.co" << 5432 << "postgres"
        << "postgres"
        << "pw"
        << "sslmode=require";
    // A root certificate named: the host is verified too.
    QTest::newRow("supabase with root certificate")
        << "postgresql://postgres.ref:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres?"
           "sslrootcert=/home/me/prod-ca-2021.crt"
        << "aws-0-eu-central-1.pooler.supabase.com" << 6543 << "postgres"
        << "postgres.ref"
        << "pw"
        << "sslrootcert=/home/me/prod-ca-2021.crt;sslmode=verify-full";
    // The user's own choice of sslmode is kept.
    QTest::newRow("supabase explicit sslmode")
        << "postgresql://postgres:pw@db.ref.supabase.co:5432/postgres?sslmode=verify-ca&"
           "sslrootcert=/ca.crt"
        << "db.ref.supabase.co" << 5432 << "postgres"
        << "postgres"
        << "pw"
        << "sslmode=verify-ca;sslrootcert=/ca.crt";
    // Passwords as typed, not percent-encoded: '@', '/', '%', '#', '?', '[' and ']'.
    QTest::newRow("password not encoded")
        << "postgresql://postgres.ref:p@ss/w%rd#1?[x]@aws-0-eu-central-1.pooler.supabase.com:6543/"
           "postgres"
        << "aws-0-eu-central-1.pooler.supabase.com" << 6543 << "postgres"
        << "postgres.ref"
        << "p@ss/w%rd#1?[x]"
        << "sslmode=require";
    QTest::newRow("password encoded")
        << "postgresql://postgres.ref:p%40ss%2Fw@aws-0-eu-central-1.pooler.supabase.com:6543/"
           "postgres"
        << "aws-0-eu-central-1.pooler.supabase.com" << 6543 << "postgres"
        << "postgres.ref"
        << "p@ss/w"
        << "sslmode=require";
    // Not Supabase: nothing added.
    QTest::newRow("other host url") << "postgres://app@db.internal/queue"
                                    << "db.internal" << 5432 << "queue"
                                    << "app"
                                    << ""
                                    << "";
    QTest::newRow("other host verify-full")
        << "postgresql://app:pw@db.example.com:5433/q?sslmode=verify-full&sslrootcert=/etc/ca.pem"
        << "db.example.com" << 5433 << "q"
        << "app"
        << "pw"
        << "sslmode=verify-full;sslrootcert=/etc/ca.pem";
    // libpq's keyword=value form.
    QTest::newRow("keyword value supabase")
        << "host=aws-0-eu-central-1.pooler.supabase.com port=6543 dbname=postgres "
           "user=postgres.ref password=s3cret"
        << "aws-0-eu-central-1.pooler.supabase.com" << 6543 << "postgres"
        << "postgres.ref"
        << "s3cret"
        << "sslmode=require";
    QTest::newRow("keyword value quoted")
        << "host = db.example.com  port=5432 dbname='my db' user=app password='it\\'s a \\\\ "
           "secret' sslmode=verify-full sslrootcert=/etc/ca.pem"
        << "db.example.com" << 5432 << "my db"
        << "app"
        << "it's a \\ secret"
        << "sslmode=verify-full;sslrootcert=/etc/ca.pem";
    QTest::newRow("keyword value defaults") << "user=app"
                                            << "localhost" << 5432 << "app"
                                            << "app"
                                            << ""
                                            << "";
    QTest::newRow("keyword value hostaddr") << "hostaddr=10.0.0.5 dbname=q"
                                            << "10.0.0.5" << 5432 << "q"
                                            << ""
                                            << ""
                                            << "hostaddr=10.0.0.5";
}

void TestDatabaseConfig::connectionString()
{
    QFETCH(QString, text);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, database);
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(QString, options);

    const ValueResult<DatabaseConfig> parsed = DatabaseConfig::fromConnectionString(text);
    QVERIFY2(parsed.ok, qPrintable(parsed.error));
    QVERIFY(parsed.error.isEmpty());
    const DatabaseConfig &c = parsed.value;
    QVERIFY(c.isValid());
    QVERIFY(c.engine == DatabaseConfig::Engine::PostgreSQL);
    QCOMPARE(c.host, host);
    QCOMPARE(c.port, port);
    QCOMPARE(c.databaseName, database);
    QCOMPARE(c.user, user);
    QCOMPARE(c.password, password);
    QCOMPARE(c.options, options);
    // What the dialog hands on is a URL that reads back to the same configuration.
    const ValueResult<DatabaseConfig> parsedAgain = DatabaseConfig::fromUrl(c.toUrl());
    QVERIFY2(parsedAgain.ok, qPrintable(parsedAgain.error));
    const DatabaseConfig &again = parsedAgain.value;
    QCOMPARE(again.host, host);
    QCOMPARE(again.user, user);
    QCOMPARE(again.password, password);
    QCOMPARE(again.options, options);
    QVERIFY(!c.displayUrl().contains(QLatin1String("s3cret")));
}

void TestDatabaseConfig::connectionStringRejects_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("errorPart");
    QTest::newRow("empty") << ""
                           << "empty";
    QTest::newRow("a word") << "db.example.com"
                            << "Unsupported";
    QTest::newRow("unterminated quote") << "host=h password='abc"
                                        << "unterminated";
    QTest::newRow("no value") << "host=h port"
                              << "keyword=value";
    QTest::newRow("bad port") << "host=h port=99999"
                              << "port";
    QTest::newRow("port not a number") << "host=h port=abc"
                                       << "port";
    QTest::newRow("url without database") << "postgresql://u:p@db.ref.supabase.co:5432"
                                          << "no database";
    QTest::newRow("option with space") << "host=h options='-c x=1'"
                                       << "space";
    QTest::newRow("not an option name") << "host=h a&b=1"
                                        << "not a connection option";
    QTest::newRow("upper-case option name") << "host=h SSLMODE=require"
                                            << "not a connection option";
}

void TestDatabaseConfig::connectionStringRejects()
{
    QFETCH(QString, text);
    QFETCH(QString, errorPart);
    const ValueResult<DatabaseConfig> parsed = DatabaseConfig::fromConnectionString(text);
    QVERIFY2(!parsed.ok, qPrintable(text));
    QVERIFY2(parsed.error.contains(errorPart), qPrintable(parsed.error));
    const DatabaseConfig &c = parsed.value;
    QVERIFY(!c.isValid() || c.engine == DatabaseConfig::Engine::SQLite);
}

void TestDatabaseConfig::looksLikeConnectionString_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("expected");
    QTest::newRow("host name") << "db.example.com" << false;
    QTest::newRow("ip") << "127.0.0.1" << false;
    QTest::newRow("empty") << "" << false;
    QTest::newRow("url") << "postgresql://u@h/d" << true;
    QTest::newRow("short scheme") << " Postgres://u@h/d" << true;
    QTest::newRow("keyword value") << "host=h dbname=d" << true;
    QTest::newRow("keyword value spaced") << "user = app" << true;
}

void TestDatabaseConfig::looksLikeConnectionString()
{
    QFETCH(QString, text);
    QFETCH(bool, expected);
    QCOMPARE(DatabaseConfig::looksLikeConnectionString(text), expected);
}

void TestDatabaseConfig::setOption()
{
    DatabaseConfig c;
    c.options = QStringLiteral("connect_timeout=10;sslmode=prefer;application_name=x");
    QCOMPARE(c.sslMode(), QStringLiteral("prefer"));
    c.setOption(QStringLiteral("sslmode"), QStringLiteral("verify-full"));
    QCOMPARE(
        c.options, QStringLiteral("connect_timeout=10;sslmode=verify-full;application_name=x"));
    c.setOption(QStringLiteral("sslrootcert"), QStringLiteral("/ca.pem"));
    QCOMPARE(c.sslRootCert(), QStringLiteral("/ca.pem"));
    c.setOption(QStringLiteral("sslmode"), QString());
    QCOMPARE(
        c.options, QStringLiteral("connect_timeout=10;application_name=x;sslrootcert=/ca.pem"));
    QCOMPARE(c.sslMode(), QString());
    QCOMPARE(DatabaseConfig::sslModes(),
        QStringList({ QStringLiteral("disable"), QStringLiteral("allow"), QStringLiteral("prefer"),
            QStringLiteral("require"), QStringLiteral("verify-ca"),
            QStringLiteral("verify-full") }));
}

void TestDatabaseConfig::transactionPooler()
{
    // Where LISTEN cannot work, the window's live updates poll (ChangeWatcher).
    const auto pooled = [](const QString &url) {
        const ValueResult<DatabaseConfig> config = DatabaseConfig::fromUrl(url);
        if (!config.ok)
            qWarning() << config.error;
        return config.value.isTransactionPooler();
    };
    QVERIFY(pooled(QStringLiteral("postgresql://u@127.0.0.1:6432/db?pool_mode=transaction")));
    QVERIFY(pooled(
        QStringLiteral("postgresql://u@127.0.0.1/db?sslmode=require&pool_mode=Transaction")));
    QVERIFY(pooled(QStringLiteral(
        "postgresql://postgres.ref@aws-0-eu-central-1.pooler.supabase.com:6543/postgres")));
    // Supabase's session pooler and direct connections keep a session.
    QVERIFY(!pooled(QStringLiteral(
        "postgresql://postgres.ref@aws-0-eu-central-1.pooler.supabase.com:5432/postgres")));
    QVERIFY(!pooled(QStringLiteral("postgresql://postgres@db.ref.supabase.co:5432/postgres")));
    QVERIFY(!pooled(QStringLiteral("postgresql://u@127.0.0.1:6543/db")));
    QVERIFY(!pooled(QStringLiteral("postgresql://u@127.0.0.1/db?pool_mode=session")));
    QVERIFY(!pooled(QStringLiteral("sqlite:/tmp/x.sqlite")));
    // The option is the app's own: kept in the URL, never handed to libpq.
    const ValueResult<DatabaseConfig> parsed = DatabaseConfig::fromUrl(QStringLiteral(
        "postgresql://u@h/db?sslmode=require&pool_mode=transaction&connect_timeout=5"));
    QVERIFY2(parsed.ok, qPrintable(parsed.error));
    const DatabaseConfig config = parsed.value;
    QCOMPARE(config.libpqOptions(), QStringLiteral("sslmode=require;connect_timeout=5"));
    QVERIFY(config.toUrl().contains(QLatin1String("pool_mode=transaction")));
}

QTEST_GUILESS_MAIN(TestDatabaseConfig)
#include "tst_databaseconfig.moc"
