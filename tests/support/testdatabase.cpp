#include "tests/support/testdatabase.h"

#include "core/database.h"

#include <QAtomicInteger>
#include <QCoreApplication>
#include <QDebug>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>

#include <unistd.h>

namespace ViralSpot::Test {

namespace {

QAtomicInteger<int> s_counter;

QString uniqueSuffix()
{
    return QStringLiteral("%1_%2_%3")
        .arg(QCoreApplication::applicationPid())
        .arg(s_counter.fetchAndAddRelaxed(1))
        .arg(QRandomGenerator::global()->bounded(1000000));
}

Result runAdmin(const QString &adminUrl, const QString &sql)
{
    const ValueResult<DatabaseConfig> admin = DatabaseConfig::fromUrl(adminUrl);
    if (!admin.ok)
        return Result::failure(admin.error);
    const QString name = QStringLiteral("test_admin_") + uniqueSuffix();
    Result ran = Result::success();
    {
        const ValueResult<QSqlDatabase> opened = Database::open(admin.value, name);
        if (opened.ok) {
            QSqlQuery q(opened.value);
            if (!q.exec(sql))
                ran = Result::failure(q.lastError().text());
        } else {
            ran = Result::failure(opened.error);
        }
    }
    Database::close(name);
    return ran;
}

} // namespace

QString pgBinDir()
{
    QDir dir(QStringLiteral("/usr/lib/postgresql"));
    QStringList versions = dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    std::sort(versions.begin(), versions.end(),
        [](const QString &a, const QString &b) { return a.toInt() < b.toInt(); });
    return versions.isEmpty() ? QString() : dir.filePath(versions.last() + QStringLiteral("/bin"));
}

int freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

DatabaseConfig::Engine engine()
{
    const QString name = qEnvironmentVariable("VIRALSPOT_TEST_ENGINE");
    return name == QLatin1String("postgresql") || name.startsWith(QLatin1String("pgbouncer_"))
        ? DatabaseConfig::Engine::PostgreSQL
        : DatabaseConfig::Engine::SQLite;
}

QString engineName()
{
    return engine() == DatabaseConfig::Engine::PostgreSQL ? QStringLiteral("postgresql")
                                                          : QStringLiteral("sqlite");
}

Pooler pooler()
{
    const QString name = qEnvironmentVariable("VIRALSPOT_TEST_ENGINE");
    if (name == QLatin1String("pgbouncer_tx"))
        return Pooler::Transaction;
    if (name == QLatin1String("pgbouncer_session"))
        return Pooler::Session;
    return Pooler::None;
}

QString appBinary()
{
    return qEnvironmentVariable("VIRALSPOT_BIN_DIR") + QStringLiteral("/viralspot-admin");
}

QString testBinary(const QString &name)
{
    return qEnvironmentVariable("VIRALSPOT_TEST_BIN_DIR") + QLatin1Char('/') + name;
}

TemporaryDatabase::TemporaryDatabase(DatabaseConfig::Engine engine)
    : m_connectionName(QStringLiteral("test_") + uniqueSuffix())
{
    if (engine == DatabaseConfig::Engine::SQLite) {
        m_dir = std::make_unique<QTemporaryDir>();
        m_config.engine = DatabaseConfig::Engine::SQLite;
        m_config.sqlitePath = m_dir->filePath(QStringLiteral("viralspot.sqlite"));
        return;
    }
    m_pgAdminUrl = qEnvironmentVariable("VIRALSPOT_TEST_PG_URL");
    if (m_pgAdminUrl.isEmpty()) {
        m_error = QStringLiteral("VIRALSPOT_TEST_PG_URL is not set: PostgreSQL tests need a "
                                 "server (scripts/test.sh starts one and sets it)");
        return;
    }
    const ValueResult<DatabaseConfig> admin = DatabaseConfig::fromUrl(m_pgAdminUrl);
    if (!admin.ok) {
        m_error = admin.error;
        return;
    }
    m_config = admin.value;
    m_config.databaseName = QStringLiteral("vs_test_") + uniqueSuffix();
    if (const Result created = runAdmin(
            m_pgAdminUrl, QStringLiteral("CREATE DATABASE \"%1\"").arg(m_config.databaseName));
        !created.ok) {
        m_error = QStringLiteral("could not create a test database: ") + created.error;
        return;
    }
    m_created = true;
    if (pooler() != Pooler::None) {
        const char *variable = pooler() == Pooler::Transaction
            ? "VIRALSPOT_TEST_PGBOUNCER_TX_URL"
            : "VIRALSPOT_TEST_PGBOUNCER_SESSION_URL";
        const QString poolerUrl = qEnvironmentVariable(variable);
        if (poolerUrl.isEmpty()) {
            m_error = QString::fromLatin1(variable) +
                QStringLiteral(" is not set: pooler tests need a PgBouncer "
                               "(scripts/test.sh starts one, scripts/pgbouncer-throwaway.sh)");
            return;
        }
        const ValueResult<DatabaseConfig> viaPooler = DatabaseConfig::fromUrl(poolerUrl);
        if (!viaPooler.ok) {
            m_error = viaPooler.error;
            return;
        }
        m_config.host = viaPooler.value.host;
        m_config.port = viaPooler.value.port;
        // As a user of a PgBouncer in transaction mode says so in the URL (the README's
        // configuration): the window's live updates poll there, a LISTEN would hear nothing.
        if (pooler() == Pooler::Transaction)
            m_config.setOption(QStringLiteral("pool_mode"), QStringLiteral("transaction"));
    }
}

TemporaryDatabase::~TemporaryDatabase()
{
    Database::close(m_connectionName);
    if (m_created) {
        if (const Result dropped = runAdmin(m_pgAdminUrl,
                QStringLiteral("DROP DATABASE IF EXISTS \"%1\" WITH (FORCE)")
                    .arg(m_config.databaseName));
            !dropped.ok)
            qWarning() << "could not drop test database" << m_config.databaseName << dropped.error;
    }
}

QSqlDatabase TemporaryDatabase::connection()
{
    const ValueResult<QSqlDatabase> opened = Database::open(m_config, m_connectionName);
    if (!opened.ok)
        qWarning() << "test connection failed:" << opened.error;
    return opened.value;
}

bool TemporaryDatabase::exec(const QString &sql)
{
    QSqlQuery q(connection());
    if (!q.exec(sql)) {
        qWarning() << "SQL failed:" << sql << q.lastError().text();
        return false;
    }
    return true;
}

QVariant TemporaryDatabase::scalar(const QString &sql)
{
    QSqlQuery q(connection());
    if (!q.exec(sql) || !q.next()) {
        qWarning() << "SQL failed:" << sql << q.lastError().text();
        return {};
    }
    return q.value(0);
}

bool TemporaryDatabase::seedQueue(
    const QString &username, const QString &status, const QString &priority, int attempts)
{
    static QAtomicInteger<int> seeded;
    const int n = seeded.fetchAndAddRelaxed(1);
    const QString id = m_config.engine == DatabaseConfig::Engine::PostgreSQL
        ? QStringLiteral("gen_random_uuid()")
        : QStringLiteral("'seed-%1-%2'").arg(username).arg(n);
    return exec(QStringLiteral("INSERT INTO queue (id, username, source, priority, status, "
                               "attempts, request_id, created_at, updated_at) VALUES "
                               "(%1, '%2', 'seed', '%3', '%4', %5, 'seed-req-%6', "
                               "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
                    .arg(id, username, priority, status)
                    .arg(attempts)
                    .arg(n));
}

PostgresServer::PostgresServer() = default;

PostgresServer::~PostgresServer()
{
    stop();
}

QString PostgresServer::adminUrl() const
{
    return QStringLiteral("postgresql://postgres@127.0.0.1:%1/postgres").arg(m_port);
}

Result PostgresServer::run(const QString &program, const QStringList &args, int timeoutMs)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    if (::geteuid() == 0)
        p.start(QStringLiteral("runuser"),
            QStringList {
                QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"), program } +
                args);
    else
        p.start(program, args);
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit ||
        p.exitCode() != 0)
        return Result::failure(
            program + QStringLiteral(" failed: ") + QString::fromLocal8Bit(p.readAll()));
    return Result::success();
}

Result PostgresServer::start()
{
    if (m_running)
        return Result::success();
    const QString bin = pgBinDir();
    if (bin.isEmpty())
        return Result::failure(QStringLiteral("PostgreSQL server binaries are not installed"));
    if (!m_initialized) {
        m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/viralspot-testpg-XXXXXX"));
        QFile::setPermissions(m_dir->path(),
            QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther |
                QFileDevice::ExeOther);
        if (::geteuid() == 0)
            QProcess::execute(
                QStringLiteral("chown"), { QStringLiteral("postgres:postgres"), m_dir->path() });
        if (Result initialized = run(bin + QStringLiteral("/initdb"),
                { QStringLiteral("-D"), m_dir->filePath(QStringLiteral("data")),
                    QStringLiteral("-U"), QStringLiteral("postgres"), QStringLiteral("-A"),
                    QStringLiteral("trust"), QStringLiteral("--no-sync") },
                60000);
            !initialized.ok)
            return initialized;
        m_initialized = true;
        m_port = freePort();
    }
    const QString options =
        QStringLiteral("-p %1 -k %2 -c listen_addresses=127.0.0.1").arg(m_port).arg(m_dir->path());
    Result started = run(bin + QStringLiteral("/pg_ctl"),
        { QStringLiteral("-D"), m_dir->filePath(QStringLiteral("data")), QStringLiteral("-w"),
            QStringLiteral("-t"), QStringLiteral("30"), QStringLiteral("-l"),
            m_dir->filePath(QStringLiteral("server.log")), QStringLiteral("-o"), options,
            QStringLiteral("start") },
        40000);
    m_running = started.ok;
    return started;
}

Result PostgresServer::stop()
{
    if (!m_running)
        return Result::success();
    Result stopped = run(pgBinDir() + QStringLiteral("/pg_ctl"),
        { QStringLiteral("-D"), m_dir->filePath(QStringLiteral("data")), QStringLiteral("-m"),
            QStringLiteral("fast"), QStringLiteral("-w"), QStringLiteral("stop") },
        40000);
    m_running = !stopped.ok;
    return stopped;
}

} // namespace ViralSpot::Test
