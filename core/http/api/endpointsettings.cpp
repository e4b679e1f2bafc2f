#include "core/http/api/endpointsettings.h"

#include <QCoreApplication>
#include <QFile>

namespace ViralSpot::Http {

Result EndpointSettings::validate() const
{
    if (bindAddress.isNull())
        return Result::failure(QCoreApplication::translate("Http", "No address to listen on."));
    if (!bindAddress.isLoopback() && token.isEmpty())
        return Result::failure(QCoreApplication::translate("Http",
            "Refusing to listen on %1 without an API token: anyone on the network "
            "could queue profiles. Give a token with --token-file FILE or the "
            "VIRALSPOT_API_TOKEN environment variable, or bind 127.0.0.1.")
                                   .arg(bindAddress.toString()));
    if (!database.isValid())
        return Result::failure(QCoreApplication::translate("Http", "No database is configured."));
    if (maxRequestLineBytes <= 0 || maxHeaderBytes < maxRequestLineBytes || maxBodyBytes < 0)
        return Result::failure(QCoreApplication::translate("Http", "Invalid request size limits."));
    return Result::success();
}

ValueResult<QByteArray> EndpointSettings::readTokenFile(const QString &path)
{
    using Token = ValueResult<QByteArray>;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return Token::failure(
            QCoreApplication::translate("Http", "Cannot read the token file %1: %2")
                .arg(path, file.errorString()));
    }
    const QByteArray token = file.read(4096).trimmed();
    if (token.isEmpty())
        return Token::failure(
            QCoreApplication::translate("Http", "The token file %1 is empty.").arg(path));
    return Token::success(token);
}

QByteArray EndpointSettings::tokenFromEnvironment()
{
    return qgetenv("VIRALSPOT_API_TOKEN").trimmed();
}

} // namespace ViralSpot::Http
