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

Result writeFile(const QString &path, const QByteArray &text)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text) != text.size())
        return Result::failure(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return Result::success();
}

Result appendFile(const QString &path, const QByteArray &text)
{
    QFile file(path);
    if (!file.open(QIODevice::Append) || file.write(text) != text.size())
        return Result::failure(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return Result::success();
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

Result TlsPostgresServer::run(
    const QString &program, const QStringList &args, bool asPostgres, int timeoutMs)
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
        return Result::failure(program + QLatin1Char(' ') + args.join(QLatin1Char(' ')) +
            QStringLiteral(" failed: ") + QString::fromLocal8Bit(p.readAll()) + p.errorString());
    }
    return Result::success();
}

// EC keys: made in milliseconds, where RSA keys take a noticeable part of a second each.
Result TlsPostgresServer::makeCertificates()
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
            false);
    };
    if (Result made = makeCa(QStringLiteral("ca"), QStringLiteral("ViralSpot test CA")); !made.ok)
        return made;
    if (Result made = makeCa(QStringLiteral("wrong-ca"), QStringLiteral("ViralSpot unrelated CA"));
        !made.ok)
        return made;
    if (Result written = writeFile(m_dir->filePath(QStringLiteral("server.ext")),
            "basicConstraints=CA:FALSE\n"
            "keyUsage=digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        !written.ok)
        return written;
    if (Result ran = run(openssl,
            QStringList { QStringLiteral("req") } + ecKey +
                QStringList { QStringLiteral("-keyout"), QStringLiteral("server.key"),
                    QStringLiteral("-out"), QStringLiteral("server.csr"), QStringLiteral("-subj"),
                    QStringLiteral("/CN=localhost") },
            false);
        !ran.ok)
        return ran;
    if (Result ran = run(openssl,
            { QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                QStringLiteral("server.csr"), QStringLiteral("-CA"), QStringLiteral("ca.pem"),
                QStringLiteral("-CAkey"), QStringLiteral("ca.key"),
                QStringLiteral("-CAcreateserial"), QStringLiteral("-out"),
                QStringLiteral("server.crt"), QStringLiteral("-days"), QStringLiteral("2"),
                QStringLiteral("-extfile"), QStringLiteral("server.ext") },
            false);
        !ran.ok)
        return ran;
    // The server refuses a key file that others may read.
    QFile::setPermissions(m_dir->filePath(QStringLiteral("server.key")),
        QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (::geteuid() == 0)
        return run(QStringLiteral("chown"),
            { QStringLiteral("postgres:postgres"), QStringLiteral("server.key"),
                QStringLiteral("server.crt") },
            false);
    return Result::success();
}

Result TlsPostgresServer::start()
{
    if (m_running)
        return Result::success();
    m_bin = pgBinDir();
    if (m_bin.isEmpty())
        return Result::failure(QStringLiteral("PostgreSQL server binaries are not installed"));
    m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/viralspot-tlspg-XXXXXX"));
    if (!m_dir->isValid())
        return Result::failure(QStringLiteral("cannot make a temporary folder"));
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
    if (::geteuid() == 0) {
        if (Result owned = run(QStringLiteral("chown"),
                { QStringLiteral("postgres:postgres"), m_dir->path() }, false);
            !owned.ok)
            return owned;
    }
    if (Result made = makeCertificates(); !made.ok)
        return made;
    if (::geteuid() == 0 && !QDir(m_dir->path()).mkdir(QStringLiteral("data")))
        return Result::failure(QStringLiteral("cannot make the data folder"));
    if (::geteuid() == 0) {
        if (Result owned =
                run(QStringLiteral("chown"), { QStringLiteral("postgres:postgres"), data }, false);
            !owned.ok)
            return owned;
    }
    if (Result initialized = run(m_bin + QStringLiteral("/initdb"),
            { QStringLiteral("-D"), data, QStringLiteral("-U"), QStringLiteral("postgres"),
                QStringLiteral("-A"), QStringLiteral("trust"), QStringLiteral("--no-sync") },
            true);
        !initialized.ok)
        return initialized;
    // TLS only: no `host` line, so the server itself refuses unencrypted TCP connections.
    // The Unix socket stays open for pg_ctl.
    if (Result written = writeFile(data + QStringLiteral("/pg_hba.conf"),
            "local all all trust\n"
            "hostssl all all 127.0.0.1/32 trust\n"
            "hostssl all all ::1/128 trust\n");
        !written.ok)
        return written;
    const QByteArray conf = QStringLiteral("ssl = on\n"
                                           "ssl_cert_file = '%1'\n"
                                           "ssl_key_file = '%2'\n"
                                           "listen_addresses = '127.0.0.1'\n"
                                           "unix_socket_directories = '%3'\n")
                                .arg(m_dir->filePath(QStringLiteral("server.crt")),
                                    m_dir->filePath(QStringLiteral("server.key")), m_dir->path())
                                .toUtf8();
    if (Result appended = appendFile(data + QStringLiteral("/postgresql.conf"), conf); !appended.ok)
        return appended;

    Result started;
    for (int attempt = 0; attempt < 3 && !m_running; ++attempt) {
        m_port = freePort();
        started = run(m_bin + QStringLiteral("/pg_ctl"),
            { QStringLiteral("-D"), data, QStringLiteral("-w"), QStringLiteral("-t"),
                QStringLiteral("30"), QStringLiteral("-l"),
                m_dir->filePath(QStringLiteral("server.log")), QStringLiteral("-o"),
                QStringLiteral("-p %1").arg(m_port), QStringLiteral("start") },
            true, 40000);
        m_running = started.ok;
    }
    if (!m_running)
        return Result::failure(started.error + serverLog().right(2000));
    return Result::success();
}

void TlsPostgresServer::stop()
{
    if (!m_running)
        return;
    run(m_bin + QStringLiteral("/pg_ctl"),
        { QStringLiteral("-D"), m_dir->filePath(QStringLiteral("data")), QStringLiteral("-m"),
            QStringLiteral("fast"), QStringLiteral("-w"), QStringLiteral("stop") },
        true, 40000);
    m_running = false;
}

} // namespace ViralSpot::Test
