// libFuzzer entry point for the HTTP endpoint's request handling, end to end and in process:
// the fuzz input is sent as raw bytes over a real loopback TCP connection to an
// Http::EndpointServer (SQLite database in a temporary folder), then the client half-closes.
// That covers QtHttpServer 6.4's parser as the project uses it, the project's Connection
// (limits, 100-continue, chunked, ordering, timeouts), the Frontend's routing and its own
// path/query extraction (percent-decoding, UTF-8 checks, ?source=), username normalization,
// and answers that arrive after the client has gone (group commit, reader thread).
// Why a socket and not the parsing functions alone: the path/query helpers are private to
// frontend.cpp and the interesting failures (lifetimes, limits) are in how the pieces meet.
//
// Checks: no crash or sanitizer report (ASan, UBSan), and no hang: the server must have dropped
// the connection within HangMs of the client's half-close, else the target aborts.
// Every answer the server wrote must be a well-formed HTTP/1.1 status line.

#include "core/http/endpointserver.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sys/socket.h>

using namespace ViralSpot;

namespace {

constexpr int HangMs = 5000;

QCoreApplication *s_app = nullptr;
Http::EndpointServer *s_server = nullptr;
QTemporaryDir *s_dir = nullptr;

[[noreturn]] void fail(const char *what, const QByteArray &detail)
{
    std::fprintf(stderr, "fuzz_http_request: %s\n%s\n", what, detail.left(2000).constData());
    std::abort();
}

void stopServer()
{
    s_server->stop();
    delete s_server;
    s_server = nullptr;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    qputenv("QT_LOGGING_RULES", "*.debug=false;*.warning=false");
    s_app = new QCoreApplication(*argc, *argv);
    // /dev/shm keeps the durable commits (fsync) cheap.
    s_dir = new QTemporaryDir(QStringLiteral("/dev/shm/viralspot-fuzz-XXXXXX"));
    if (!s_dir->isValid())
        s_dir = new QTemporaryDir();
    Http::EndpointSettings settings;
    settings.port = 0;
    settings.database = DatabaseConfig::fromUrl(
        QStringLiteral("sqlite:") + s_dir->filePath(QStringLiteral("queue.sqlite")))
                            .value;
    settings.allowedOrigins = { QStringLiteral("https://app.example.com") };
    settings.requestTimeoutMs = 1000;
    s_server = new Http::EndpointServer;
    if (const Result started = s_server->start(settings); !started.ok)
        fail("the server does not start", started.error.toUtf8());
    // One real exchange first, so that every lazily created global (SQL driver, connection
    // registry, ...) exists before stopServer is registered: atexit handlers run in reverse
    // order, so the server then stops (joining its database threads) before those globals go.
    // libFuzzer ends with exit(); without this the writer thread would outlive QtSql.
    const QByteArray warmUp =
        QByteArrayLiteral("POST /api/profile/warm_up/request HTTP/1.1\r\nHost: x\r\n\r\n"
                          "GET /api/profile/warm_up/status HTTP/1.1\r\nHost: x\r\n\r\n"
                          "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    QTcpSocket socket;
    socket.connectToHost(s_server->address(), s_server->port());
    if (!socket.waitForConnected(5000))
        fail("cannot connect", socket.errorString().toUtf8());
    socket.write(warmUp);
    QByteArray answers;
    QElapsedTimer timer;
    timer.start();
    while (answers.count("HTTP/1.1 200") < 3 && timer.elapsed() < 30000) {
        s_app->processEvents(QEventLoop::AllEvents, 10);
        answers += socket.readAll();
    }
    if (answers.count("HTTP/1.1 200") < 3)
        fail("the warm-up requests were not answered", answers);
    std::atexit(stopServer);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QTcpSocket socket;
    socket.connectToHost(s_server->address(), s_server->port());
    if (!socket.waitForConnected(5000))
        fail("cannot connect", socket.errorString().toUtf8());
    socket.write(reinterpret_cast<const char *>(data), qint64(size));
    while (socket.bytesToWrite() > 0) {
        if (!socket.waitForBytesWritten(50))
            s_app->processEvents(QEventLoop::AllEvents, 10); // the server must read to drain us
        if (socket.state() != QAbstractSocket::ConnectedState)
            break;
    }
    if (socket.state() == QAbstractSocket::ConnectedState)
        ::shutdown(int(socket.socketDescriptor()), SHUT_WR); // end of input, keep reading

    QByteArray received;
    QElapsedTimer timer;
    timer.start();
    while (socket.state() != QAbstractSocket::UnconnectedState || s_server->connectionCount() > 0) {
        s_app->processEvents(QEventLoop::AllEvents, 5);
        received += socket.readAll();
        if (timer.elapsed() > HangMs)
            fail("the server did not drop a half-closed connection in time", received);
    }
    received += socket.readAll();
    // Deferred answers (database threads) for connections that are gone: let them land.
    s_app->processEvents(QEventLoop::AllEvents);

    if (!received.isEmpty() && !received.startsWith("HTTP/1.1 "))
        fail("the answer is not HTTP/1.1", received);
    return 0;
}
