#pragma once

#include <QByteArray>
#include <QByteArrayList>
#include <QHttpServerRequest>
#include <QString>
#include <QUrl>

#include <optional>

// The mechanics of routing, shared by the route table (Frontend): splitting a path into
// segments, matching a route's path, decoding what a handler reads from the URL.
namespace ViralSpot::Http::Routes {

// In a route's path: any one non-empty segment, handed to the handler as the username.
inline const QByteArray UsernameSegment = QByteArrayLiteral("{username}");
// In a route's path: any one non-empty segment, handed to the handler as an id (a batch's).
inline const QByteArray IdSegment = QByteArrayLiteral("{id}");

// The percent-encoded segments of a URL's path, without the leading empty one; one trailing
// slash is forgiven ("/health/" is "/health", but "/" stays one empty segment).
QByteArrayList pathSegments(const QUrl &url);

// Whether `segments` match a route's `path`; *capture is set to the (still encoded) segment at
// UsernameSegment or IdSegment, if the path has one.
bool matches(const QByteArrayList &path, const QByteArrayList &segments, QByteArray *capture);

// "GET", "POST", ... for the request log ("UNKNOWN" for anything else).
QString methodName(QHttpServerRequest::Method method);

// A percent-encoded path segment or query value as text; nullopt when it is not UTF-8.
// '+' stays '+' (it is not a space in a path, and the original endpoint did not treat it so).
std::optional<QString> decodeComponent(const QByteArray &encoded);

// The raw (still encoded) value of the first `key` in a query, or nullopt when absent.
std::optional<QByteArray> queryValue(const QByteArray &query, const QByteArray &key);

} // namespace ViralSpot::Http::Routes
