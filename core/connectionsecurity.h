#pragma once

#include "core/databaseconfig.h"
#include "core/result.h"

#include <QMetaType>
#include <QSqlDatabase>
#include <QString>

namespace ViralSpot {

// Whether a PostgreSQL connection is encrypted, and what of the server libpq verified.
//
// Encryption comes from two places: the sslmode (require, verify-ca and verify-full make
// libpq refuse any connection without TLS, so an open one is encrypted) and the server's own
// view of this session in pg_stat_ssl (readable without superuser for one's own backend),
// which also names the protocol and cipher and settles allow/prefer. Behind a pooler the
// server sees the pooler's connection, not ours: the sslmode's guarantee still holds.
// What was verified follows from the sslmode alone: verify-full checks the certificate
// chain and the host name, verify-ca the chain only, require the chain only when a root
// certificate file exists (libpq then treats it as verify-ca), the others nothing.
struct ConnectionSecurity
{
    enum class Verification
    {
        None,
        CertificateChain, // the server's certificate is signed by the root certificate
        HostAndChain // ... and is issued for the host name connected to
    };

    bool known = false; // false for SQLite, and when the server could not be asked
    bool encrypted = false;
    Verification verification = Verification::None;
    QString sslMode; // the mode in effect: the URL's, else $PGSSLMODE, else "prefer"
    QString protocol; // e.g. "TLSv1.3"; empty when the server does not see TLS
    QString cipher;

    // Asks the server about the connection db (open, of config) and fills in the rest.
    // On failure: !ok, why in `error`, and a `value` with known == false.
    static ValueResult<ConnectionSecurity> query(
        const QSqlDatabase &db, const DatabaseConfig &config);

    // The sslmode libpq uses for config, and what that mode verifies.
    static QString effectiveSslMode(const DatabaseConfig &config);
    static Verification verificationFor(const DatabaseConfig &config);

    // One line for logs and the terminal, e.g.
    // "TLS (TLSv1.3, TLS_AES_256_GCM_SHA384), host and certificate verified (sslmode=verify-full)".
    QString summary() const;
};

} // namespace ViralSpot

Q_DECLARE_METATYPE(ViralSpot::ConnectionSecurity)
