#include "tests/support/legacyfixture.h"

#include <QFile>
#include <QSqlError>
#include <QSqlQuery>

namespace ViralSpot::Test {

QStringList sqlStatements(const QString &text)
{
    QStringList statements;
    QString current;
    bool dollarQuoted = false;
    for (const QString &line : text.split(QLatin1Char('\n'))) {
        const QString trimmed = line.trimmed();
        if (!dollarQuoted && (trimmed.isEmpty() || trimmed.startsWith(QLatin1String("--"))))
            continue;
        current += line + QLatin1Char('\n');
        if (line.count(QLatin1String("$$")) % 2 == 1)
            dollarQuoted = !dollarQuoted;
        if (!dollarQuoted && trimmed.endsWith(QLatin1Char(';'))) {
            statements << current.trimmed().chopped(1);
            current.clear();
        }
    }
    if (!current.trimmed().isEmpty())
        statements << current.trimmed();
    return statements;
}

Result loadLegacyFixture(TemporaryDatabase &db)
{
    QFile file(QStringLiteral(VIRALSPOT_LEGACY_FIXTURE));
    if (!file.open(QIODevice::ReadOnly))
        return Result::failure(QStringLiteral("cannot read ") + file.fileName());
    QSqlQuery q(db.connection());
    for (const QString &sql : sqlStatements(QString::fromUtf8(file.readAll()))) {
        if (!q.exec(sql))
            return Result::failure(q.lastError().text() + QStringLiteral(" in: ") + sql.left(200));
    }
    return Result::success();
}

Result seedLegacyDuplicates(TemporaryDatabase &db)
{
    if (db.config().engine == DatabaseConfig::Engine::PostgreSQL)
        return loadLegacyFixture(db);
    const QStringList statements = {
        QStringLiteral("CREATE TABLE queue (id TEXT PRIMARY KEY, username VARCHAR(255) NOT NULL,"
                       " source VARCHAR(100) DEFAULT 'manual', priority VARCHAR(10) DEFAULT 'LOW',"
                       " status VARCHAR(20) DEFAULT 'PENDING', attempts INTEGER DEFAULT 0,"
                       " last_attempt TEXT, error_message TEXT, request_id VARCHAR(50) UNIQUE,"
                       " timestamp TEXT, created_at TEXT, updated_at TEXT)"),
        QStringLiteral("CREATE TABLE primary_profiles (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                       " username VARCHAR(255) NOT NULL UNIQUE, profile_name TEXT)"),
        QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('NatGeo')"),
        QStringLiteral("INSERT INTO queue (id, username, priority, status, request_id, timestamp,"
                       " created_at) VALUES"
                       " ('legacy-1', 'dupe', 'HIGH', 'PENDING', 'a1b2c3d4',"
                       "  '2024-01-01T10:00:00.000Z', '2024-01-01T10:00:00.000Z'),"
                       " ('legacy-2', 'dupe', 'HIGH', 'PENDING', 'e5f6a7b8',"
                       "  '2024-01-01T10:00:00.040Z', '2024-01-01T10:00:00.040Z')"),
    };
    QSqlQuery q(db.connection());
    for (const QString &sql : statements) {
        if (!q.exec(sql))
            return Result::failure(q.lastError().text());
    }
    return Result::success();
}

} // namespace ViralSpot::Test
