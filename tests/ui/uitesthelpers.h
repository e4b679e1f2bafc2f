#pragma once

// Shared helpers of the window tests: finding widgets by object name, pasting like a user,
// a watchdog measuring the longest event-loop stall, and reading exported CSV.

#include "mainwindow.h"
#include "settings.h"

#include <QApplication>
#include <QClipboard>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QLabel>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>
#include <QWidget>

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

inline void wipeSettings()
{
    Ui::Settings settings;
    QFile::remove(settings.fileName());
}

// Puts text on the clipboard and presses Ctrl+V in the widget, as a user pastes.
inline void paste(QWidget *target, const QString &text)
{
    QApplication::clipboard()->setText(text);
    target->setFocus();
    QTest::keyClick(target, Qt::Key_V, Qt::ControlModifier);
}

// Records the longest gap between ticks of a timer on the GUI thread: the worst freeze a user
// would have felt while it ran.
class StallWatchdog final : public QObject
{
public:
    explicit StallWatchdog(int intervalMs = 5)
        : m_intervalMs(intervalMs)
    {
        m_timer.setInterval(intervalMs);
        m_timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 gap = m_clock.restart();
            m_maxGap = qMax(m_maxGap, gap);
        });
    }
    void start()
    {
        m_maxGap = 0;
        m_clock.start();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    // The longest stall beyond the timer's own interval, in milliseconds.
    qint64 maxStallMs() const { return qMax<qint64>(0, m_maxGap - m_intervalMs); }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    int m_intervalMs;
    qint64 m_maxGap = 0;
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

// RFC 4180 reader for the exported results.
inline QList<QStringList> readCsv(const QString &text)
{
    QList<QStringList> rows;
    QStringList row;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == QLatin1Char('"')) {
                if (i + 1 < text.size() && text.at(i + 1) == QLatin1Char('"')) {
                    field += c;
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"')) {
            quoted = true;
        } else if (c == QLatin1Char(',')) {
            row.append(field);
            field.clear();
        } else if (c == QLatin1Char('\n')) {
            row.append(field);
            field.clear();
            rows.append(row);
            row.clear();
        } else if (c != QLatin1Char('\r')) {
            field += c;
        }
    }
    if (!field.isEmpty() || !row.isEmpty()) {
        row.append(field);
        rows.append(row);
    }
    return rows;
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
