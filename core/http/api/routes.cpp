#include "core/http/api/routes.h"

#include <QStringDecoder>

namespace ViralSpot::Http::Routes {

QByteArrayList pathSegments(const QUrl &url)
{
    QByteArrayList segments = url.path(QUrl::FullyEncoded).toLatin1().split('/');
    if (!segments.isEmpty() && segments.constFirst().isEmpty())
        segments.removeFirst();
    if (segments.size() > 1 && segments.constLast().isEmpty())
        segments.removeLast(); // one trailing slash is forgiven
    return segments;
}

bool matches(const QByteArrayList &path, const QByteArrayList &segments, QByteArray *capture)
{
    if (path.size() != segments.size())
        return false;
    QByteArray captured;
    for (qsizetype i = 0; i < path.size(); ++i) {
        if (path[i] == UsernameSegment || path[i] == IdSegment) {
            if (segments[i].isEmpty())
                return false;
            captured = segments[i];
        } else if (path[i] != segments[i]) {
            return false;
        }
    }
    *capture = captured;
    return true;
}

QString methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return QStringLiteral("GET");
    case QHttpServerRequest::Method::Put:
        return QStringLiteral("PUT");
    case QHttpServerRequest::Method::Delete:
        return QStringLiteral("DELETE");
    case QHttpServerRequest::Method::Post:
        return QStringLiteral("POST");
    case QHttpServerRequest::Method::Head:
        return QStringLiteral("HEAD");
    case QHttpServerRequest::Method::Options:
        return QStringLiteral("OPTIONS");
    case QHttpServerRequest::Method::Patch:
        return QStringLiteral("PATCH");
    case QHttpServerRequest::Method::Connect:
        return QStringLiteral("CONNECT");
    case QHttpServerRequest::Method::Trace:
        return QStringLiteral("TRACE");
    default:
        return QStringLiteral("UNKNOWN");
    }
}

std::optional<QString> decodeComponent(const QByteArray &encoded)
{
    const QByteArray raw = QByteArray::fromPercentEncoding(encoded);
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder.decode(raw);
    if (decoder.hasError())
        return std::nullopt;
    return text;
}

std::optional<QByteArray> queryValue(const QByteArray &query, const QByteArray &key)
{
    for (const QByteArray &pair : query.split('&')) {
        const qsizetype equals = pair.indexOf('=');
        const QByteArray name =
            QByteArray::fromPercentEncoding(equals < 0 ? pair : pair.left(equals));
        if (name == key)
            return equals < 0 ? QByteArray() : pair.mid(equals + 1);
    }
    return std::nullopt;
}

} // namespace ViralSpot::Http::Routes
