#include "app/servecommand.h"

#include "app/commandline.h"
#include "core/databaseconfig.h"
#include "core/http/endpointserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ViralSpot::ServeCommand {

namespace {

constexpr int CannotStart = 2;

int s_signalPipe[2] = { -1, -1 };

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(s_signalPipe[1], &byte, 1);
}

// SIGINT/SIGTERM → a byte on a socket pair → the event loop (a signal handler may do nothing
// else safely).
bool installSignalHandlers()
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s_signalPipe) != 0)
        return false;
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return ::sigaction(SIGINT, &action, nullptr) == 0 &&
        ::sigaction(SIGTERM, &action, nullptr) == 0;
}

// Many keep-alive clients need many descriptors: raise the soft limit to the hard one.
void raiseFileLimit()
{
    struct rlimit limit = {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

void printError(const QString &message)
{
    std::fprintf(stderr, "viralspot-admin serve: %s\n", qUtf8Printable(message));
}

} // namespace

int run(const QStringList &arguments)
{
    // One log line per request on stderr: buffer them (a write per line costs more than the
    // request); flushed a few times a second and on exit.
    std::setvbuf(stderr, nullptr, _IOFBF, 1 << 16);
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate("ServeCommand",
        "Runs the HTTP endpoint without a window. The API token is read from --token-file "
        "or the VIRALSPOT_API_TOKEN environment variable, never from the command line."));
    const QCommandLineOption bindOption(QStringLiteral("bind"),
        QCoreApplication::translate("ServeCommand",
            "Address to listen on (default 127.0.0.1; any other "
            "address needs an API token)."),
        QStringLiteral("addr"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption portOption(QStringLiteral("port"),
        QCoreApplication::translate("ServeCommand", "Port (default 8080; 0 picks a free one)."),
        QStringLiteral("n"), QStringLiteral("8080"));
    const QCommandLineOption tokenOption(QStringLiteral("token-file"),
        QCoreApplication::translate("ServeCommand",
            "File holding the API token required as "
            "'Authorization: Bearer TOKEN' on /api/ requests."),
        QStringLiteral("file"));
    const QCommandLineOption originOption(QStringLiteral("allow-origin"),
        QCoreApplication::translate("ServeCommand", "Browser origin allowed by CORS (repeatable)."),
        QStringLiteral("origin"));
    parser.addOptions({ bindOption, portOption, tokenOption, originOption });
    CommandLine::addCommonOptions(parser);
    int exitCode = 0;
    if (!CommandLine::parse(parser, arguments, &exitCode))
        return exitCode;
    if (!parser.positionalArguments().isEmpty()) {
        printError(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
        return CommandLine::UsageError;
    }

    Http::EndpointSettings settings;
    const QString bind = parser.value(bindOption);
    settings.bindAddress = bind == QLatin1String("localhost")
        ? QHostAddress(QHostAddress::LocalHost)
        : QHostAddress(bind);
    if (settings.bindAddress.isNull()) {
        printError(QStringLiteral("'%1' is not an IP address").arg(bind));
        return CommandLine::UsageError;
    }
    bool portOk = false;
    const uint port = parser.value(portOption).toUInt(&portOk);
    if (!portOk || port > 65535) {
        printError(QStringLiteral("'%1' is not a port number").arg(parser.value(portOption)));
        return CommandLine::UsageError;
    }
    settings.port = quint16(port);
    if (parser.isSet(tokenOption)) {
        const ValueResult<QByteArray> token =
            Http::EndpointSettings::readTokenFile(parser.value(tokenOption));
        if (!token.ok) {
            printError(token.error);
            return CannotStart;
        }
        settings.token = token.value;
    } else {
        settings.token = Http::EndpointSettings::tokenFromEnvironment();
    }
    settings.allowedOrigins = parser.values(originOption);
    settings.readOnly = CommandLine::readOnly(parser);
    const ValueResult<DatabaseConfig> database =
        DatabaseConfig::fromUrl(CommandLine::databaseUrl(parser));
    if (!database.ok) {
        printError(database.error);
        return CommandLine::UsageError;
    }
    settings.database = database.value;

    raiseFileLimit();
    ::signal(SIGPIPE, SIG_IGN);
    if (!installSignalHandlers()) {
        printError(QStringLiteral("cannot install signal handlers"));
        return CannotStart;
    }

    Http::EndpointServer server;
    QObject::connect(&server, &Http::EndpointServer::requestLogged, &server,
        [](const Http::RequestLogEntry &entry) {
            std::fprintf(stderr, "%s\n", qUtf8Printable(entry.toLine()));
        });
    if (const Result started = server.start(settings); !started.ok) {
        printError(started.error);
        return CannotStart;
    }
    std::fprintf(stderr, "viralspot-admin serve: database %s%s\n",
        qUtf8Printable(settings.database.displayUrl()),
        settings.token.isEmpty() ? "" : ", API token required");
    std::printf("listening on %s\n", qUtf8Printable(server.url()));
    std::fflush(stdout);

    // Request log lines are buffered (see the top of run()): flush a few times a second.
    QTimer logFlush;
    logFlush.setInterval(200);
    QObject::connect(&logFlush, &QTimer::timeout, &server, [] { std::fflush(stderr); });
    logFlush.start();

    QSocketNotifier signalNotifier(s_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&signalNotifier, &QSocketNotifier::activated, &server, [&] {
        char byte = 0;
        [[maybe_unused]] const auto got = ::read(s_signalPipe[0], &byte, 1);
        signalNotifier.setEnabled(false);
        std::fprintf(stderr, "viralspot-admin serve: stopping\n");
        server.stop();
        QCoreApplication::quit();
    });
    const int result = QCoreApplication::exec();
    std::fflush(stderr);
    return result == 0 ? CommandLine::Success : CannotStart;
}

} // namespace ViralSpot::ServeCommand
