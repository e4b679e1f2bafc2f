// The Overview tab as staff read it: every label of every chart legible (nothing elided) at the
// sizes the window is used at, with screenshots to look at; the status colours of the rest of
// the app; an honest scale next to a spike; and refreshing by itself like the Queue tab.

#include "core/changes/changewatcher.h"
#include "tests/ui_queue/queueseed.h"
#include "ui/palette/statuspalette.h"
#include "ui/queue/overviewwidget.h"
#include "ui/queue/queuebrowserwidget.h"
#include "ui/queue/queuetabs.h"

#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDir>
#include <QGraphicsScene>
#include <QGraphicsTextItem>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QLogValueAxis>
#include <QPieSeries>
#include <QPointer>
#include <QSignalSpy>
#include <QStackedBarSeries>
#include <QTest>
#include <QTimer>
#include <QValueAxis>

using namespace ViralSpot;
using namespace ViralSpot::Test;
using namespace ViralSpot::Ui;

class TestOverviewWidget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void chartsLegible_data();
    void chartsLegible();
    void colorsAreTheAppsStatusColors();
    void spikeGetsLogScale();
    void evenTrafficKeepsLinearScale();
    void refreshesLikeTheQueueTab();
    void refreshesWhenShown();
    void compositionSaysWhenCappedOrEstimated();

private:
    void seed(bool spike);
    static QString outputDir();
    std::unique_ptr<TemporaryDatabase> m_db;
    QDateTime m_now;
};

void TestOverviewWidget::init()
{
    m_db = std::make_unique<TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QVERIFY(migrate(*m_db));
    m_now = QDateTime(QDate(2026, 6, 1), QTime(9, 15), Qt::UTC);
}

void TestOverviewWidget::cleanup()
{
    m_db.reset();
}

QString TestOverviewWidget::outputDir()
{
    // Beside the test binary, one folder per engine: build/tests/output/tst_overviewwidget_sqlite
    const QString dir = QCoreApplication::applicationDirPath() +
        QStringLiteral("/output/tst_overviewwidget_") + engineName();
    QDir().mkpath(dir);
    return dir;
}

// Two days of steady traffic in every status and from several sources; with `spike`, one hour
// of 400 requests besides.
void TestOverviewWidget::seed(bool spike)
{
    QSqlDatabase db = m_db->connection();
    QVERIFY(m_db->exec(QStringLiteral("BEGIN")));
    const QStringList statuses = { QStringLiteral("COMPLETED"), QStringLiteral("FAILED"),
        QStringLiteral("PAUSED"), QStringLiteral("PENDING"), QStringLiteral("PROCESSING") };
    const QStringList sources = { QStringLiteral("frontend"), QStringLiteral("bulk-import"),
        QStringLiteral("api"), QStringLiteral("admin-window") };
    int n = 0;
    for (int hour = 0; hour < 7 * 24; ++hour) {
        const int perHour = hour < 48 ? 4 + hour % 3 : (hour % 5 == 0 ? 2 : 0);
        for (int i = 0; i < perHour; ++i, ++n) {
            SeedRow row;
            row.username = QStringLiteral("steady%1").arg(n);
            row.status = statuses.at(n % statuses.size());
            row.source = sources.at(n % sources.size());
            row.createdAt = m_now.addSecs(-qint64(hour) * 3600 - 60 * i);
            QVERIFY(!insertQueueRow(db, row).isEmpty());
        }
    }
    if (spike) {
        for (int i = 0; i < 400; ++i) {
            SeedRow row;
            row.username = QStringLiteral("spike%1").arg(i);
            row.status = QStringLiteral("COMPLETED");
            row.source = QStringLiteral("bulk-import");
            row.createdAt = m_now.addSecs(-30 * 3600 - i);
            QVERIFY(!insertQueueRow(db, row).isEmpty());
        }
    }
    QVERIFY(m_db->exec(QStringLiteral("COMMIT")));
}

void TestOverviewWidget::chartsLegible_data()
{
    QTest::addColumn<QSize>("size");
    QTest::addColumn<int>("split");
    // 900x600: a small window; 1060x590: the Overview tab of the window at its default size
    // (1080x680); 1400x900: a large one.
    for (const QSize size : { QSize(900, 600), QSize(1060, 590), QSize(1400, 900) }) {
        for (const OverviewSplit split : { OverviewSplit::Status, OverviewSplit::Source }) {
            const QByteArray name = QByteArray::number(size.width()) + 'x' +
                QByteArray::number(size.height()) +
                (split == OverviewSplit::Status ? " status" : " source");
            QTest::newRow(name.constData()) << size << int(split);
        }
    }
}

void TestOverviewWidget::chartsLegible()
{
    QFETCH(QSize, size);
    QFETCH(int, split);
    seed(true);
    OverviewWidget w(m_db->config(), false);
    w.setNow(m_now);
    w.setAutoRefreshInterval(0);
    w.setSplit(OverviewSplit(split));
    QSignalSpy refreshed(&w, &OverviewWidget::refreshed);
    w.resize(size);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTRY_VERIFY_WITH_TIMEOUT(!refreshed.isEmpty() && w.data().split == OverviewSplit(split), 10000);
    QCoreApplication::processEvents();
    const QPixmap shot = w.grab(); // lays out and paints every chart
    const QString file = outputDir() +
        QStringLiteral("/overview-%1x%2-%3.png")
            .arg(size.width())
            .arg(size.height())
            .arg(split == int(OverviewSplit::Status) ? QStringLiteral("status")
                                                     : QStringLiteral("source"));
    QVERIFY2(shot.save(file), qPrintable(file));
    qInfo().noquote() << "screenshot:" << file;

    // No text in any chart is elided: Qt Charts shortens a label, title or legend entry that
    // does not fit to its first letters and "...".
    const QList<QChartView *> views = w.findChildren<QChartView *>();
    QCOMPARE(views.size(), 3);
    int texts = 0;
    for (QChartView *view : views) {
        for (QGraphicsItem *item : view->scene()->items()) {
            auto *text = qgraphicsitem_cast<QGraphicsTextItem *>(item);
            if (!text || !text->isVisible() || text->toPlainText().isEmpty())
                continue;
            ++texts;
            QVERIFY2(!text->toPlainText().endsWith(QLatin1String("...")),
                qPrintable(QStringLiteral("elided in \"%1\": \"%2\"")
                               .arg(view->chart()->title(), text->toPlainText())));
        }
    }
    QVERIFY(texts > 10);

    // The hours and days are labelled: at least every fourth hour, and at least every other day.
    const auto *hours = w.dayChart()->axes(Qt::Horizontal).value(0);
    QVERIFY(hours);
    QStringList hourLabels;
    QStringList dayLabels;
    for (QChartView *view : views) {
        for (QGraphicsItem *item : view->scene()->items()) {
            auto *text = qgraphicsitem_cast<QGraphicsTextItem *>(item);
            if (!text || !text->isVisible())
                continue;
            const QString t = text->toPlainText();
            if (view->chart() == w.dayChart() && t.size() == 2 && t.at(0).isDigit())
                hourLabels << t;
            if (view->chart() == w.weekChart() && t.contains(QLatin1Char(' ')) &&
                t.back().isDigit() && !t.at(0).isDigit())
                dayLabels << t;
        }
    }
    QVERIFY2(hourLabels.size() >= 6, qPrintable(hourLabels.join(QLatin1Char(','))));
    QVERIFY2(dayLabels.size() >= 4, qPrintable(dayLabels.join(QLatin1Char(','))));

    // The legends say every key in full and are not cut by the layout.
    auto *seriesLegend = w.findChild<QLabel *>(QStringLiteral("seriesLegend"));
    auto *compositionLegend = w.findChild<QLabel *>(QStringLiteral("compositionLegend"));
    QVERIFY(seriesLegend && compositionLegend);
    const QStringList seriesKeys = w.data().lastDay.keys + w.data().lastWeek.keys;
    for (const QString &key : seriesKeys)
        QVERIFY2(seriesLegend->text().contains(key), qPrintable(key));
    for (auto it = w.data().composition.cbegin(); it != w.data().composition.cend(); ++it)
        QVERIFY2(compositionLegend->text().contains(it.key()), qPrintable(it.key()));
    for (QLabel *legend : { seriesLegend, compositionLegend }) {
        QVERIFY(legend->isVisible());
        const QSize need = legend->wordWrap() ? QSize(0, legend->heightForWidth(legend->width()))
                                              : legend->sizeHint();
        QVERIFY2(legend->width() >= need.width() && legend->height() >= need.height(),
            qPrintable(QStringLiteral("%1: %2x%3, needs %4x%5")
                           .arg(legend->objectName())
                           .arg(legend->width())
                           .arg(legend->height())
                           .arg(need.width())
                           .arg(need.height())));
    }
}

void TestOverviewWidget::colorsAreTheAppsStatusColors()
{
    seed(false);
    OverviewWidget w(m_db->config(), false);
    w.setNow(m_now);
    QSignalSpy refreshed(&w, &OverviewWidget::refreshed);
    w.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(!refreshed.isEmpty(), 10000);

    auto *pie = qobject_cast<QPieSeries *>(w.compositionChart()->series().value(0));
    QVERIFY(pie);
    QCOMPARE(pie->count(), 5);
    QHash<QString, QColor> pieColors;
    for (QPieSlice *slice : pie->slices()) {
        const QString status = slice->property("status").toString();
        QCOMPARE(slice->color(), StatusPalette::queueStatus(status));
        pieColors.insert(status, slice->color());
    }
    // Five statuses, five colours (not shades of one).
    QCOMPARE(QSet<QRgb>({ pieColors.value(QStringLiteral("COMPLETED")).rgb(),
                            pieColors.value(QStringLiteral("FAILED")).rgb(),
                            pieColors.value(QStringLiteral("PAUSED")).rgb(),
                            pieColors.value(QStringLiteral("PENDING")).rgb(),
                            pieColors.value(QStringLiteral("PROCESSING")).rgb() })
                 .size(),
        5);
    // The colours of the rest of the window: pending is what "queued" shows, completed what
    // "already processed" shows, failed what "error" shows.
    QCOMPARE(pieColors.value(QStringLiteral("PENDING")), StatusPalette::outcome(u"queued"));
    QCOMPARE(
        pieColors.value(QStringLiteral("COMPLETED")), StatusPalette::outcome(u"already_processed"));
    QCOMPARE(pieColors.value(QStringLiteral("FAILED")), StatusPalette::outcome(u"error"));

    // The bars and lines use the pie's colour for the same status.
    auto *bars = qobject_cast<QStackedBarSeries *>(w.dayChart()->series().value(0));
    QVERIFY(bars);
    QVERIFY(!bars->barSets().isEmpty());
    for (QBarSet *set : bars->barSets())
        QCOMPARE(set->color(), pieColors.value(set->label()));
    QVERIFY(!w.weekChart()->series().isEmpty());
    for (QAbstractSeries *series : w.weekChart()->series()) {
        auto *line = qobject_cast<QLineSeries *>(series);
        QVERIFY(line);
        QCOMPARE(line->pen().color(), pieColors.value(line->name()));
    }
}

void TestOverviewWidget::spikeGetsLogScale()
{
    seed(true);
    OverviewWidget w(m_db->config(), false);
    w.setNow(m_now);
    QSignalSpy refreshed(&w, &OverviewWidget::refreshed);
    w.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(!refreshed.isEmpty(), 10000);
    // One hour of 400 beside hours of 4 to 6: on a linear axis those would be 1% of its height.
    auto *log = qobject_cast<QLogValueAxis *>(w.weekChart()->axes(Qt::Vertical).value(0));
    QVERIFY2(log, "the 7-day chart's values are not on a log scale");
    QVERIFY(log->titleText().contains(QStringLiteral("log")));
    QVERIFY(log->min() < 1 && log->max() >= 400);
    // Every hour with requests is drawn at its count; an empty hour on the bottom line.
    for (QAbstractSeries *series : w.weekChart()->series()) {
        auto *line = qobject_cast<QLineSeries *>(series);
        const QList<qint64> counts = w.data().lastWeek.counts.value(line->name());
        QCOMPARE(line->count(), counts.size());
        for (int h = 0; h < counts.size(); ++h) {
            if (counts.at(h) > 0)
                QCOMPARE(line->at(h).y(), qreal(counts.at(h)));
            else
                QCOMPARE(line->at(h).y(), log->min());
        }
    }
}

void TestOverviewWidget::evenTrafficKeepsLinearScale()
{
    seed(false);
    OverviewWidget w(m_db->config(), false);
    w.setNow(m_now);
    QSignalSpy refreshed(&w, &OverviewWidget::refreshed);
    w.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(!refreshed.isEmpty(), 10000);
    auto *linear = qobject_cast<QValueAxis *>(w.weekChart()->axes(Qt::Vertical).value(0));
    QVERIFY(linear);
    QCOMPARE(linear->min(), 0.0);
    // Whole-number ticks: "%d" labels never repeat.
    const qreal interval = (linear->max() - linear->min()) / (linear->tickCount() - 1);
    QCOMPARE(interval, std::round(interval));

    // Refreshing (every few seconds while the tab is open) replaces the axes: the old ones are
    // deleted, not left behind (QChart::removeAxis hands them back).
    QList<QPointer<QAbstractAxis>> old;
    for (QChart *chart : { w.dayChart(), w.weekChart() }) {
        for (QAbstractAxis *axis : chart->axes())
            old << axis;
    }
    QCOMPARE(old.size(), 4);
    refreshed.clear();
    w.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(!refreshed.isEmpty(), 10000);
    for (const QPointer<QAbstractAxis> &axis : std::as_const(old))
        QVERIFY(axis.isNull());
    QCOMPARE(w.dayChart()->axes().size(), 2);
    QCOMPARE(w.weekChart()->axes().size(), 2);
}

void TestOverviewWidget::refreshesLikeTheQueueTab()
{
    seed(false);
    QWidget parent;
    const auto tabs = createQueueTabs(m_db->config(), true, &parent);
    auto *browser = qobject_cast<QueueBrowserWidget *>(tabs.at(0).second);
    auto *overview = qobject_cast<OverviewWidget *>(tabs.at(2).second);
    QVERIFY(browser && overview);
    // One mechanism for both tabs: the Queue tab's watcher, its interval and its pause; no
    // timer of the overview's own.
    ChangeWatcher *watcher = browser->changeWatcher();
    QVERIFY(watcher);
    QCOMPARE(overview->changeWatcher(), watcher);
    QVERIFY(overview->findChildren<QTimer *>(QString(), Qt::FindDirectChildrenOnly).isEmpty());
    QCOMPARE(watcher->interval(), browser->autoRefreshInterval() * 1000);
    browser->setAutoRefreshInterval(1);
    QCOMPARE(watcher->interval(), 1000);
    QCOMPARE(overview->autoRefreshInterval(), 1);
    browser->setAutoRefreshPaused(true);
    QVERIFY(watcher->isPaused());
    QCOMPARE(overview->autoRefreshInterval(), 0);
    browser->setAutoRefreshPaused(false);
    QVERIFY(!watcher->isPaused());
    QCOMPARE(overview->autoRefreshInterval(), 1);

    // Shown, it refreshes by itself when the queue changes, without anyone pressing Refresh.
    overview->setParent(nullptr);
    QSignalSpy refreshed(overview, &OverviewWidget::refreshed);
    overview->show();
    QVERIFY(QTest::qWaitForWindowExposed(overview));
    QTRY_VERIFY_WITH_TIMEOUT(!refreshed.isEmpty(), 8000); // the one when shown
    const int pendingBefore = overview->data().composition.value(QStringLiteral("PENDING"));
    QTest::qWait(1500);
    refreshed.clear();
    for (int i = 0; i < 3; ++i) {
        SeedRow row;
        row.username = QStringLiteral("live_%1").arg(i);
        row.status = QStringLiteral("PENDING");
        QVERIFY(!insertQueueRow(m_db->connection(), row).isEmpty());
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        overview->data().composition.value(QStringLiteral("PENDING")) == pendingBefore + 3, 8000);
    QVERIFY(!refreshed.isEmpty());
    auto *status = overview->findChild<QLabel *>(QStringLiteral("overviewStatus"));
    QVERIFY(status->text().contains(QStringLiteral("Updated at")));
    QVERIFY(status->text().contains(QStringLiteral("every 1 s")));
    delete overview;
}

void TestOverviewWidget::refreshesWhenShown()
{
    OverviewWidget w(m_db->config(), false);
    w.setNow(m_now);
    w.setAutoRefreshInterval(0);
    QSignalSpy refreshed(&w, &OverviewWidget::refreshed);
    w.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(!refreshed.isEmpty(), 10000);
    QCOMPARE(w.data().composition.value(QStringLiteral("PENDING")), 0);
    seed(false);
    refreshed.clear();
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTRY_VERIFY_WITH_TIMEOUT(!refreshed.isEmpty(), 10000);
    QVERIFY(w.data().composition.value(QStringLiteral("PENDING")) > 0);
}

void TestOverviewWidget::compositionSaysWhenCappedOrEstimated()
{
    // The composition is counted up to a cap per (status, priority): beyond it PostgreSQL's
    // estimate ("about") or the cap ("+"), and the legend says which; under it, plain numbers.
    seed(false);
    const bool pg = engine() == DatabaseConfig::Engine::PostgreSQL;
    if (pg)
        QVERIFY(m_db->exec(QStringLiteral("ANALYZE queue")));
    const qint64 completed =
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'COMPLETED'"))
            .toLongLong();
    QVERIFY(completed > 30);
    OverviewWidget w(m_db->config(), false);
    w.setNow(m_now);
    w.setAutoRefreshInterval(0);
    QSignalSpy refreshed(&w, &OverviewWidget::refreshed);
    w.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(!refreshed.isEmpty(), 10000);
    QLabel *legend = w.compositionLegend();
    QVERIFY2(legend->text().contains(
                 QStringLiteral("COMPLETED&nbsp; %1 (").arg(QLocale().toString(completed))),
        qPrintable(legend->text()));
    QVERIFY(!legend->text().contains(QStringLiteral("estimated")));
    QVERIFY(!legend->text().contains(QStringLiteral("counting stopped")));

    w.setCountCap(30);
    refreshed.clear();
    w.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(!refreshed.isEmpty(), 10000);
    const QueueCount shown = w.data().compositionCounts.value(QStringLiteral("COMPLETED"));
    if (pg) {
        QCOMPARE(shown.kind, CountKind::Estimated);
        QVERIFY2(legend->text().contains(QStringLiteral("COMPLETED&nbsp; about %1 (")
                                             .arg(QueueQuery::countText(shown).mid(6))),
            qPrintable(legend->text()));
        QVERIFY2(legend->text().contains(QStringLiteral("estimated by PostgreSQL beyond 30 rows")),
            qPrintable(legend->text()));
    } else {
        QCOMPARE(shown.kind, CountKind::Capped);
        QVERIFY2(legend->text().contains(QStringLiteral("COMPLETED&nbsp; 30+ (")),
            qPrintable(legend->text()));
        QVERIFY2(legend->text().contains(QStringLiteral("counting stopped at 30 rows")),
            qPrintable(legend->text()));
    }
}

QTEST_MAIN(TestOverviewWidget)
#include "tst_overviewwidget.moc"
