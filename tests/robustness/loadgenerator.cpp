#include "tests/robustness/loadgenerator.h"

#include "tests/robustness/httpclient.h"

#include <QRandomGenerator>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>

#include <chrono>

namespace ViralSpot::Robustness {

LoadGenerator::LoadGenerator(quint16 port, QString prefix, int threads, int timeoutMs)
    : m_port(port)
    , m_prefix(std::move(prefix))
    , m_threads(threads)
    , m_timeoutMs(timeoutMs)
{ }

LoadGenerator::~LoadGenerator()
{
    stop();
}

qint64 LoadGenerator::nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void LoadGenerator::start()
{
    m_stop = false;
    for (int i = 0; i < m_threads; ++i)
        m_workers.emplace_back([this, i] { run(i); });
}

void LoadGenerator::stop()
{
    m_stop = true;
    for (std::thread &worker : m_workers)
        worker.join();
    m_workers.clear();
}

QStringList LoadGenerator::acknowledged() const
{
    std::lock_guard lock(m_mutex);
    return m_acknowledged;
}

QStringList LoadGenerator::problems() const
{
    std::lock_guard lock(m_mutex);
    return m_problems;
}

QList<LoadGenerator::Sample> LoadGenerator::samples() const
{
    std::lock_guard lock(m_mutex);
    return m_samples;
}

void LoadGenerator::run(int thread)
{
    HttpClient client(m_port, m_timeoutMs);
    QRandomGenerator random(quint32(thread * 7919 + 17));
    QStringList mine;
    QSet<QString> mineSet;
    for (int n = 0; !m_stop; ++n) {
        const bool repeat = !mine.isEmpty() && n % 5 == 4;
        const QString username = repeat
            ? mine.at(random.bounded(int(mine.size())))
            : QStringLiteral("%1_%2_%3").arg(m_prefix).arg(thread).arg(n);
        const qint64 sent = nowMs();
        const HttpAnswer answer = client.requestProfile(username);
        {
            std::lock_guard lock(m_mutex);
            m_samples.append({ sent, answer.status, answer.milliseconds,
                answer.status == 0 && answer.error == QLatin1String("closed") });
        }
        if (answer.status == 0) {
            // Server gone (killed, restarting): do not spin on a refused port.
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
        }
        ++m_answered;
        if (answer.status != 200 && answer.status != 503) {
            std::lock_guard lock(m_mutex);
            m_problems << QStringLiteral("%1: unexpected status %2: %3")
                              .arg(username)
                              .arg(answer.status)
                              .arg(QString::fromUtf8(answer.body));
            continue;
        }
        if (!answer.queued())
            continue;
        if (mineSet.contains(username)) {
            std::lock_guard lock(m_mutex);
            m_problems << QStringLiteral("%1 was acknowledged twice").arg(username);
            continue;
        }
        mine << username;
        mineSet.insert(username);
        std::lock_guard lock(m_mutex);
        m_acknowledged << username;
    }
}

QStringList checkQueue(QSqlDatabase db, const QStringList &acknowledged)
{
    QStringList problems;
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral(
            "SELECT username FROM queue WHERE status IN ('PENDING','PROCESSING')"))) {
        return { QStringLiteral("cannot read the queue: ") + query.lastError().text() };
    }
    QSet<QString> active;
    while (query.next()) {
        const QString username = query.value(0).toString();
        if (active.contains(username))
            problems << QStringLiteral("two active rows for %1").arg(username);
        active.insert(username);
    }
    for (const QString &username : acknowledged) {
        if (!active.contains(username))
            problems << QStringLiteral("%1 was acknowledged but is not in the queue").arg(username);
    }
    return problems;
}

QString sqliteIntegrity(QSqlDatabase db)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("PRAGMA integrity_check")))
        return QStringLiteral("integrity_check failed to run: ") + query.lastError().text();
    QStringList lines;
    while (query.next())
        lines << query.value(0).toString();
    return lines.join(QLatin1Char('\n'));
}

} // namespace ViralSpot::Robustness
