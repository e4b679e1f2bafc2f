#include "core/connectionsecurity.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>

namespace ViralSpot {

namespace {

// The root certificate file libpq reads: sslrootcert, else $PGSSLROOTCERT, else
// ~/.postgresql/root.crt.
QString rootCertificateFile(const DatabaseConfig &config)
{
    QString file = config.sslRootCert();
    if (file.isEmpty())
        file = qEnvironmentVariable("PGSSLROOTCERT");
    if (file.isEmpty())
        file = QDir::homePath() + QStringLiteral("/.postgresql/root.crt");
    return file;
}

} // namespace

QString ConnectionSecurity::effectiveSslMode(const DatabaseConfig &config)
{
    QString mode = config.sslMode();
    if (mode.isEmpty())
        mode = qEnvironmentVariable("PGSSLMODE");
    return mode.isEmpty() ? QStringLiteral("prefer") : mode;
}

ConnectionSecurity::Verification ConnectionSecurity::verificationFor(const DatabaseConfig &config)
{
    const QString mode = effectiveSslMode(config);
    if (mode == QLatin1String("verify-full"))
        return Verification::HostAndChain;
    if (mode == QLatin1String("verify-ca"))
        return Verification::CertificateChain;
    if (mode == QLatin1String("require") && QFileInfo::exists(rootCertificateFile(config)))
        return Verification::CertificateChain;
    return Verification::None;
}

ValueResult<ConnectionSecurity> ConnectionSecurity::query(
    const QSqlDatabase &db, const DatabaseConfig &config)
{
    using Answer = ValueResult<ConnectionSecurity>;
    if (config.engine != DatabaseConfig::Engine::PostgreSQL)
        return Answer::failure(QStringLiteral("not a PostgreSQL connection"));
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral(
            "SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) ||
        !q.next())
        return Answer::failure(q.lastError().text());
    ConnectionSecurity security;
    const bool serverSeesTls = q.value(0).toBool();
    security.known = true;
    security.sslMode = effectiveSslMode(config);
    const bool tlsRequired = security.sslMode == QLatin1String("require") ||
        security.sslMode == QLatin1String("verify-ca") ||
        security.sslMode == QLatin1String("verify-full");
    security.encrypted = serverSeesTls || tlsRequired;
    if (serverSeesTls) {
        security.protocol = q.value(1).toString();
        security.cipher = q.value(2).toString();
    }
    security.verification = security.encrypted ? verificationFor(config) : Verification::None;
    return Answer::success(security);
}

QString ConnectionSecurity::summary() const
{
    if (!known)
        return QStringLiteral("TLS unknown");
    if (!encrypted)
        return QStringLiteral("not encrypted (sslmode=%1)").arg(sslMode);
    QString text = QStringLiteral("TLS");
    if (!protocol.isEmpty())
        text += QStringLiteral(" (%1, %2)").arg(protocol, cipher);
    switch (verification) {
    case Verification::HostAndChain:
        text += QStringLiteral(", host and certificate verified");
        break;
    case Verification::CertificateChain:
        text += QStringLiteral(", certificate verified, host name not checked");
        break;
    case Verification::None:
        text += QStringLiteral(", server not verified");
        break;
    }
    return text + QStringLiteral(" (sslmode=%1)").arg(sslMode);
}

} // namespace ViralSpot
