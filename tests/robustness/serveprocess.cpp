#include "tests/robustness/serveprocess.h"

#include "tests/support/testdatabase.h"

#include <QDeadlineTimer>
#include <QFile>

#include <csignal>

namespace ViralSpot::Robustness {

ServeProcess::ServeProcess(QString databaseUrl, QString logPath)
    : m_databaseUrl(std::move(databaseUrl))
    , m_logPath(std::move(logPath))
{ }

ServeProcess::~ServeProcess()
{
    if (isRunning())
        kill();
}

Result ServeProcess::start(const QStringList &extraArguments)
{
    m_port = 0;
    m_process.setStandardErrorFile(m_logPath, QIODevice::Append);
    m_process.setProgram(Test::appBinary());
    m_process.setArguments(QStringList { QStringLiteral("serve"), QStringLiteral("--port"),
                               QStringLiteral("0"), QStringLiteral("--database"), m_databaseUrl } +
        extraArguments);
    m_process.start();
    if (!m_process.waitForStarted(10000))
        return Result::failure(QStringLiteral("serve did not start: ") + m_process.errorString());
    QByteArray output;
    const QDeadlineTimer deadline(60000); // generous: sanitizer builds start slowly
    while (!deadline.hasExpired()) {
        if (!m_process.canReadLine() && !m_process.waitForReadyRead(int(deadline.remainingTime())))
            break;
        while (m_process.canReadLine()) {
            const QByteArray line = m_process.readLine().trimmed();
            output += line + '\n';
            if (line.startsWith("listening on http://")) {
                m_port = quint16(line.mid(line.lastIndexOf(':') + 1).toUInt());
                return m_port != 0 ? Result::success()
                                   : Result::failure(QStringLiteral("serve names no port: ") +
                                         QString::fromUtf8(line));
            }
        }
    }
    const QString error = QStringLiteral("serve did not say it listens; stdout: %1; log: %2")
                              .arg(QString::fromUtf8(output), logTail());
    kill();
    return Result::failure(error);
}

void ServeProcess::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    ::kill(pid_t(m_process.processId()), SIGKILL);
    m_process.waitForFinished(30000);
}

int ServeProcess::terminate(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return -1;
    ::kill(pid_t(m_process.processId()), SIGTERM);
    if (!m_process.waitForFinished(timeoutMs)) {
        kill();
        return -1;
    }
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

QString ServeProcess::logTail(int lines) const
{
    QFile file(m_logPath);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const qint64 size = file.size();
    file.seek(qMax<qint64>(0, size - 64 * 1024));
    const QList<QByteArray> all = file.readAll().split('\n');
    return QString::fromUtf8(all.mid(qMax<qsizetype>(0, all.size() - lines)).join('\n'));
}

} // namespace ViralSpot::Robustness
