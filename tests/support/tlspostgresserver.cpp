#include "tests/support/tlspostgresserver.h"

#include "tests/support/testdatabase.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QTcpServer>

#include <algorithm>
#include <unistd.h>

namespace ViralSpot::Test {

namespace {

bool writeFile(const QString &path, const QByteArray &text, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text) != text.size()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool appendFile(const QString &path, const QByteArray &text, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::Append) || file.write(text) != text.size()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace

TlsPostgresServer::TlsPostgresServer() = default;

TlsPostgresServer::~TlsPostgresServer()
{
    stop();
}

QString TlsPostgresServer::caFile() const
{
    return m_dir ? m_dir->filePath(QStringLiteral("ca.pem")) : QString();
}

QString TlsPostgresServer::wrongCaFile() const
{
    return m_dir ? m_dir->filePath(QStringLiteral("wrong-ca.pem")) : QString();
}

QString TlsPostgresServer::serverLog() const
{
    QFile file(m_dir ? m_dir->filePath(QStringLiteral("server.log")) : QString());
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

QString TlsPostgresServer::url(const QString &sslMode, const QString &rootCert, const QString &host,
    const QString &extra) const
{
    QString url = QStringLiteral("postgresql://postgres@%1:%2/postgres?sslmode=%3")
                      .arg(host)
                      .arg(m_port)
                      .arg(sslMode);
    if (!rootCert.isEmpty())
        url += QStringLiteral("&sslrootcert=") + rootCert;
    if (!extra.isEmpty())
        url += QLatin1Char('&') + extra;
    return url;
}

bool TlsPostgresServer::run(
    const QString &program, const QStringList &args, bool asPostgres, QString *error, int timeoutMs)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.setWorkingDirectory(m_dir->path());
    if (asPostgres && ::geteuid() == 0)
        p.start(QStringLiteral("runuser"),
            QStringList {
                QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"), program } +
                args);
    else
        p.start(program, args);
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit ||
        p.exitCode() != 0) {
        *error = program + QLatin1Char(' ') + args.join(QLatin1Char(' ')) +
            QStringLiteral(" failed: ") + QString::fromLocal8Bit(p.readAll()) + p.errorString();
        return false;
    }
    return true;
}

// EC keys: made in milliseconds, where RSA keys take a noticeable part of a second each.
bool TlsPostgresServer::makeCertificates(QString *error)
{
    const QString openssl = QStringLiteral("openssl");
    const QStringList ecKey { QStringLiteral("-newkey"), QStringLiteral("ec"),
        QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"),
        QStringLiteral("-nodes") };
    const auto makeCa = [&](const QString &name, const QString &commonName) {
        return run(openssl,
            QStringList { QStringLiteral("req"), QStringLiteral("-x509") } + ecKey +
                QStringList { QStringLiteral("-keyout"), name + QStringLiteral(".key"),
                    QStringLiteral("-out"), name + QStringLiteral(".pem"), QStringLiteral("-days"),
                    QStringLiteral("2"), QStringLiteral("-subj"),
                    QStringLiteral("/CN=") + commonName },
            false, error);
    };
    if (!makeCa(QStringLiteral("ca"), QStringLiteral("ViralSpot test CA")) ||
        !makeCa(QStringLiteral("wrong-ca"), QStringLiteral("ViralSpot unrelated CA")))
        return false;
    if (!writeFile(m_dir->filePath(QStringLiteral("server.ext")),
            "basicConstraints=CA:FALSE\n"
            "keyUsage=digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
            error))
        return false;
    if (!run(openssl,
            QStringList { QStringLiteral("req") } + ecKey +
                QStringList { QStringLiteral("-keyout"), QStringLiteral("server.key"),
                    QStringLiteral("-out"), QStringLiteral("server.csr"), QStringLiteral("-subj"),
                    QStringLiteral("/CN=localhost") },
            false, error))
        return false;
    if (!run(openssl,
            { QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                QStringLiteral("server.csr"), QStringLiteral("-CA"), QStringLiteral("ca.pem"),
                QStringLiteral("-CAkey"), QStringLiteral("ca.key"),
                QStringLiteral("-CAcreateserial"), QStringLiteral("-out"),
                QStringLiteral("server.crt"), QStringLiteral("-days"), QStringLiteral("2"),
                QStringLiteral("-extfile"), QStringLiteral("server.ext") },
            false, error))
        return false;
    // The server refuses a key file that others may read.
    QFile::setPermissions(m_dir->filePath(QStringLiteral("server.key")),
        QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (::geteuid() == 0 &&
        !run(QStringLiteral("chown"),
            { QStringLiteral("postgres:postgres"), QStringLiteral("server.key"),
                QStringLiteral("server.crt") },
            false, error))
        return false;
    return true;
}

bool TlsPostgresServer::start(QString *error)
{
    QString ignored;
    QString *why = error ? error : &ignored;
    if (m_running)
        return true;
    m_bin = pgBinDir();
    if (m_bin.isEmpty()) {
        *why = QStringLiteral("PostgreSQL server binaries are not installed");
        return false;
    }
    m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/viralspot-tlspg-XXXXXX"));
    if (!m_dir->isValid()) {
        *why = QStringLiteral("cannot make a temporary folder");
        return false;
    }
    QFile::setPermissions(m_dir->path(),
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
            QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther |
            QFileDevice::ExeOther);
    // Stops the server if this process dies without running the destructor (a crash, a
    // CTest timeout): nothing outlives the test. Started before the server can be.
    const QString data = m_dir->filePath(QStringLiteral("data"));
    QProcess watchdog;
    watchdog.setProgram(QStringLiteral("sh"));
    const QString stopCommand =
        (::geteuid() == 0 ? QStringLiteral("runuser -u postgres -- ") : QString()) +
        QStringLiteral("'%1/pg_ctl' -D '%2' -m immediate -w stop").arg(m_bin, data);
    watchdog.setArguments({ QStringLiteral("-c"),
        // Waits for this process to end (a zombie, not yet reaped, counts as ended).
        QStringLiteral("while [ -e /proc/%1 ] && ! grep -qs '^State:.*Z' /proc/%1/status; do "
                       "sleep 1; done; "
                       "[ -f '%2/postmaster.pid' ] && %3; rm -rf '%4'")
            .arg(QCoreApplication::applicationPid())
            .arg(data, stopCommand, m_dir->path()) });
    watchdog.setStandardInputFile(QProcess::nullDevice());
    watchdog.setStandardOutputFile(QProcess::nullDevice());
    watchdog.setStandardErrorFile(QProcess::nullDevice());
    watchdog.startDetached();
    // The server writes its log and socket here.
    if (::geteuid() == 0 &&
        !run(QStringLiteral("chown"), { QStringLiteral("postgres:postgres"), m_dir->path() }, false,
            why))
        return false;
    if (!makeCertificates(why))
        return false;
    if (::geteuid() == 0 && !QDir(m_dir->path()).mkdir(QStringLiteral("data"))) {
        *why = QStringLiteral("cannot make the data folder");
        return false;
    }
    if (::geteuid() == 0 &&
        !run(QStringLiteral("chown"), { QStringLiteral("postgres:postgres"), data }, false, why))
        return false;
    if (!run(m_bin + QStringLiteral("/initdb"),
            { QStringLiteral("-D"), data, QStringLiteral("-U"), QStringLiteral("postgres"),
                QStringLiteral("-A"), QStringLiteral("trust"), QStringLiteral("--no-sync") },
            true, why))
        return false;
    // TLS only: no `host` line, so the server itself refuses unencrypted TCP connections.
    // The Unix socket stays open for pg_ctl.
    if (!writeFile(data + QStringLiteral("/pg_hba.conf"),
            "local all all trust\n"
            "hostssl all all 127.0.0.1/32 trust\n"
            "hostssl all all ::1/128 trust\n",
            why))
        return false;
    const QByteArray conf = QStringLiteral("ssl = on\n"
                                           "ssl_cert_file = '%1'\n"
                                           "ssl_key_file = '%2'\n"
                                           "listen_addresses = '127.0.0.1'\n"
                                           "unix_socket_directories = '%3'\n")
                                .arg(m_dir->filePath(QStringLiteral("server.crt")),
                                    m_dir->filePath(QStringLiteral("server.key")), m_dir->path())
                                .toUtf8();
    if (!appendFile(data + QStringLiteral("/postgresql.conf"), conf, why))
        return false;

    for (int attempt = 0; attempt < 3 && !m_running; ++attempt) {
        m_port = freePort();
        m_running = run(m_bin + QStringLiteral("/pg_ctl"),
            { QStringLiteral("-D"), data, QStringLiteral("-w"), QStringLiteral("-t"),
                QStringLiteral("30"), QStringLiteral("-l"),
                m_dir->filePath(QStringLiteral("server.log")), QStringLiteral("-o"),
                QStringLiteral("-p %1").arg(m_port), QStringLiteral("start") },
            true, why, 40000);
    }
    if (!m_running) {
        *why += serverLog().right(2000);
        return false;
    }
    return true;
}

void TlsPostgresServer::stop()
{
    if (!m_running)
        return;
    QString ignored;
    run(m_bin + QStringLiteral("/pg_ctl"),
        { QStringLiteral("-D"), m_dir->filePath(QStringLiteral("data")), QStringLiteral("-m"),
            QStringLiteral("fast"), QStringLiteral("-w"), QStringLiteral("stop") },
        true, &ignored, 40000);
    m_running = false;
}

} // namespace ViralSpot::Test
