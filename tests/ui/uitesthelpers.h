#pragma once

// Shared helpers of the window tests: finding widgets by object name, pasting like a user,
// a watchdog measuring the longest event-loop stall, and reading exported CSV.

#include "tests/support/csvreader.h"
#include "ui/bulk/bulkpage.h"
#include "ui/bulk/bulksession.h"
#include "ui/bulkresultmodel.h"
#include "ui/databasesession.h"
#include "ui/mainwindow.h"
#include "ui/request/singlerequestpage.h"
#include "ui/settings.h"

#include <QApplication>
#include <QClipboard>
#include <QCoreApplication>
#include <QDialog>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QLabel>
#include <QLocale>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>
#include <QWidget>

#include <functional>
#include <memory>

namespace ViralSpot::Test {

// The window's own tabs are searched first: the queue browser's tabs may reuse names.
template<typename T> T *child(QObject *root, const char *name)
{
    const QString objectName = QString::fromLatin1(name);
    for (const char *scope : { "singleTab", "bulkTab", "endpointTab" }) {
        if (QWidget *tab = root->findChild<QWidget *>(QString::fromLatin1(scope))) {
            if (T *w = tab->findChild<T *>(objectName))
                return w;
        }
    }
    T *w = root->findChild<T *>(objectName);
    if (!w)
        qWarning("no child named %s", name);
    return w;
}

// The window's parts, by their object names: the database session, the pages, the Bulk tab's
// session (its state: preview, batch, results).
inline Ui::DatabaseSession *database(QObject *window)
{
    return window->findChild<Ui::DatabaseSession *>(QStringLiteral("databaseSession"));
}
inline Ui::SingleRequestPage *singlePage(QObject *window)
{
    return window->findChild<Ui::SingleRequestPage *>(QStringLiteral("singleTab"));
}
inline Ui::BulkPage *bulkPage(QObject *window)
{
    return window->findChild<Ui::BulkPage *>(QStringLiteral("bulkTab"));
}
inline Ui::BulkSession *bulk(QObject *window)
{
    return bulkPage(window)->session();
}
template<typename T> Ui::DatabaseSession *database(const std::unique_ptr<T> &window)
{
    return database(window.get());
}
template<typename T> Ui::SingleRequestPage *singlePage(const std::unique_ptr<T> &window)
{
    return singlePage(window.get());
}
template<typename T> Ui::BulkPage *bulkPage(const std::unique_ptr<T> &window)
{
    return bulkPage(window.get());
}
template<typename T> Ui::BulkSession *bulk(const std::unique_ptr<T> &window)
{
    return bulk(window.get());
}

// Settings in QStandardPaths' test folder, wiped; no keychain (CI has no keyring service).
// Each test process has its own settings file (the application name holds the process id):
// CTest runs tests in parallel, and one test's wipeSettings() or saved window state must not
// land in another's (they did: tst_uisettings and tst_endpointpanel failed under -j2). The
// file is removed when the process ends.
inline void initUiTestEnvironment()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ViralSpotTest"));
    QCoreApplication::setApplicationName(
        QStringLiteral("viralspot-admin-test-%1").arg(QCoreApplication::applicationPid()));
    qputenv("VIRALSPOT_NO_KEYCHAIN", "1");
    struct RemoveAtExit
    {
        QString file;
        ~RemoveAtExit() { QFile::remove(file); }
    };
    static const RemoveAtExit settingsFile { Ui::Settings().fileName() };
}

// A count as the window writes it: in the user's locale ("25,000" in English, "25000" in the C
// locale of a bare test environment).
inline QString number(qint64 n)
{
    return QLocale().toString(n);
}

inline void wipeSettings()
{
    Ui::Settings settings;
    QFile::remove(settings.fileName());
}

// Answers the next modal dialog of type T the program shows (for real, with exec(), as for a
// user): once it is up, `answer` runs on it (filling it in, clicking its buttons); the dialog
// then closes with the code `answer` returns, unless it closed already. Message boxes and file
// names are answered through their seams instead (MessageBox::setNextAnswer(),
// FileDialog::setNextFileName()).
template<typename T> void answerNextModal(std::function<int(T &)> answer)
{
    auto *poll = new QTimer;
    poll->setInterval(20);
    QObject::connect(poll, &QTimer::timeout, poll, [poll, answer = std::move(answer)] {
        auto *dialog = qobject_cast<T *>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        poll->stop();
        poll->deleteLater();
        const int code = answer(*dialog);
        if (dialog->isVisible())
            dialog->done(code);
    });
    poll->start();
}

// Puts text on the clipboard and presses Ctrl+V in the widget, as a user pastes.
inline void paste(QWidget *target, const QString &text)
{
    QApplication::clipboard()->setText(text);
    target->setFocus();
    QTest::keyClick(target, Qt::Key_V, Qt::ControlModifier);
}

// Records the longest gap between ticks of a timer on the GUI thread: the worst freeze a user
// would have felt while it ran. Two figures: the wall-clock gap, and the gap less the time the
// GUI thread spent ready to run but waiting for a CPU (the run-queue delay the kernel keeps in
// /proc/thread-self/schedstat). The second is what the application did on or to its GUI thread
// (work, or waiting on a lock or the disk); the difference is other processes taking the
// machine's cores, which a test on a shared two-core machine cannot hold the window to.
class StallWatchdog final : public QObject
{
public:
    explicit StallWatchdog(int intervalMs = 5)
        : m_intervalMs(intervalMs)
    {
        m_timer.setInterval(intervalMs);
        m_timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 gapNs = m_clock.nsecsElapsed();
            m_clock.restart();
            const qint64 runDelay = runQueueDelayNs();
            const qint64 waitedNs =
                runDelay >= 0 && m_lastRunDelay >= 0 ? runDelay - m_lastRunDelay : 0;
            m_lastRunDelay = runDelay;
            m_maxGapNs = qMax(m_maxGapNs, gapNs);
            m_maxOwnGapNs = qMax(m_maxOwnGapNs, gapNs - qMax<qint64>(0, waitedNs));
        });
    }
    void start()
    {
        m_maxGapNs = 0;
        m_maxOwnGapNs = 0;
        m_lastRunDelay = runQueueDelayNs();
        m_clock.start();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    // The longest wall-clock stall beyond the timer's own interval, in milliseconds.
    qint64 maxStallMs() const { return stallMs(m_maxGapNs); }
    // The longest stall beyond the timer's interval not explained by other runnable threads
    // holding the CPUs, in milliseconds. Equals maxStallMs() where schedstat is unavailable.
    qint64 maxOwnStallMs() const { return stallMs(m_maxOwnGapNs); }

    // This thread's total time spent runnable but not running, in ns; -1 when unknown.
    static qint64 runQueueDelayNs()
    {
        QFile file(QStringLiteral("/proc/thread-self/schedstat"));
        if (!file.open(QIODevice::ReadOnly))
            return -1;
        const QList<QByteArray> fields = file.readAll().simplified().split(' ');
        bool ok = false;
        const qint64 delay = fields.size() >= 2 ? fields.at(1).toLongLong(&ok) : -1;
        return ok ? delay : -1;
    }

private:
    qint64 stallMs(qint64 gapNs) const { return qMax<qint64>(0, gapNs / 1000000 - m_intervalMs); }

    QTimer m_timer;
    QElapsedTimer m_clock;
    int m_intervalMs;
    qint64 m_maxGapNs = 0;
    qint64 m_maxOwnGapNs = 0;
    qint64 m_lastRunDelay = -1;
};

// Runs the event loop until `done` returns true (checked every 5 ms) or the time is up.
// Unlike QTRY_* (QTest::qWait sleeps 10 ms between event batches), it never blocks the
// event loop itself, so a stall watchdog measures only the application.
template<typename Predicate> bool waitFor(Predicate done, int timeoutMs)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(5);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    poll.start();
    loop.exec();
    return done();
}

// The labels under `root` whose '&' marks a mnemonic but that have no buddy: a plain-text
// label shows the '&' literally then ("API &token:"). *mnemonics counts the mnemonic labels.
inline QStringList labelsShowingAmpersand(QWidget *root, int *mnemonics)
{
    QStringList bad;
    *mnemonics = 0;
    const QList<QLabel *> labels = root->findChildren<QLabel *>();
    for (const QLabel *label : labels) {
        const QString text = label->text();
        const qsizetype amp = text.indexOf(QLatin1Char('&'));
        if (label->textFormat() == Qt::RichText || amp < 0 || amp + 1 >= text.size() ||
            !text.at(amp + 1).isLetter() || Qt::mightBeRichText(text))
            continue;
        ++*mnemonics;
        if (!label->buddy())
            bad.append(text);
    }
    return bad;
}

} // namespace ViralSpot::Test
