#pragma once

#include "core/result.h"

#include <QProcess>
#include <QString>
#include <QStringList>

namespace ViralSpot::Robustness {

// `viralspot-admin serve --port 0 --database URL` as a child process. The request log goes to a
// file (logPath()), so that a busy server never blocks on a full pipe.
class ServeProcess final
{
public:
    ServeProcess(QString databaseUrl, QString logPath);
    ~ServeProcess(); // SIGKILL if still running
    ServeProcess(const ServeProcess &) = delete;
    ServeProcess &operator=(const ServeProcess &) = delete;

    // Starts and waits for "listening on http://ADDR:PORT".
    Result start(const QStringList &extraArguments = {});
    // Environment for the next start() (default: the test's own).
    void setEnvironment(const QProcessEnvironment &environment)
    {
        m_process.setProcessEnvironment(environment);
    }
    quint16 port() const { return m_port; }
    qint64 pid() const { return m_process.processId(); }
    bool isRunning() const { return m_process.state() == QProcess::Running; }

    void kill(); // SIGKILL, waits until it is gone
    // SIGTERM and wait; returns the exit code (-1: did not exit normally in time).
    int terminate(int timeoutMs = 20000);
    // The last lines of the log (for failure messages).
    QString logTail(int lines = 20) const;

private:
    QString m_databaseUrl;
    QString m_logPath;
    QProcess m_process;
    quint16 m_port = 0;
};

} // namespace ViralSpot::Robustness
