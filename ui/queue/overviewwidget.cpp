#include "ui/queue/overviewwidget.h"

#include "core/databaseclient.h"
#include "ui/palette/statuspalette.h"
#include "ui/queue/queuetabs.h"

#include <QBarSet>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFontMetricsF>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QLogValueAxis>
#include <QPieSeries>
#include <QPushButton>
#include <QStackedBarSeries>
#include <QTime>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ViralSpot::Ui {

namespace {

QChartView *chartView(QChart *chart, QWidget *parent)
{
    auto *view = new QChartView(chart, parent);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(200);
    // The legends are labels outside the charts: the charts' own elide entries when narrow.
    chart->legend()->hide();
    chart->setMargins(QMargins(4, 4, 4, 4));
    return view;
}

qint64 maxStacked(const HourlySeries &series)
{
    qint64 max = 0;
    for (int h = 0; h < series.hours.size(); ++h) {
        qint64 sum = 0;
        for (const QString &key : series.keys)
            sum += series.counts.value(key).value(h);
        max = std::max(max, sum);
    }
    return max;
}

// An axis of whole numbers from 0 to at least `max`, 3 to 6 ticks, each a whole step of
// 1, 2 or 5 times a power of ten (so that "%d" labels never repeat).
void setCountRange(QValueAxis *axis, qint64 max)
{
    max = std::max<qint64>(1, max);
    qint64 step = 1;
    for (qint64 power = 1;; power *= 10) {
        const qint64 candidates[] = { power, 2 * power, 5 * power };
        const auto fits = std::find_if(
            std::begin(candidates), std::end(candidates), [max](qint64 s) { return max <= 5 * s; });
        if (fits != std::end(candidates)) {
            step = *fits;
            break;
        }
    }
    const qint64 top = ((max + step - 1) / step) * step;
    axis->setRange(0, qreal(top));
    axis->setTickCount(int(top / step) + 1);
    axis->setLabelFormat(QStringLiteral("%d"));
}

// A spike flattens the rest of a linear chart: hours of normal traffic become a line on the
// floor. A logarithmic scale keeps both readable when the largest hour is many times the
// usual busy hour (the 90th percentile of the hours with any requests).
bool needsLogScale(const HourlySeries &series)
{
    QList<qint64> values;
    for (const QString &key : series.keys) {
        for (const qint64 v : series.counts.value(key)) {
            if (v > 0)
                values << v;
        }
    }
    if (values.size() < 2)
        return false;
    std::sort(values.begin(), values.end());
    const qint64 max = values.last();
    const qint64 busy = values.at(int((values.size() - 1) * 9 / 10));
    return max >= 20 && max > 8 * std::max<qint64>(1, busy);
}

// QChart::removeAxis() hands the axis back to the caller: without the delete every refresh
// would leak the chart's axes.
void removeAxes(QChart *chart)
{
    const QList<QAbstractAxis *> axes = chart->axes();
    for (QAbstractAxis *axis : axes) {
        chart->removeAxis(axis);
        delete axis;
    }
}

// Removes every label of a category axis (the labels are its categories).
void clearCategories(QCategoryAxis *axis)
{
    const QStringList labels = axis->categoriesLabels();
    for (const QString &label : labels)
        axis->remove(label);
}

// The room one label needs on a horizontal axis: its text and the chart's padding around it.
qreal labelRoom(const QFont &font, const QString &widest)
{
    return QFontMetricsF(font).horizontalAdvance(widest) + 16.0;
}

QString colorSwatch(const QColor &color)
{
    return QStringLiteral("<span style=\"color:%1\">&#9632;</span>&nbsp;").arg(color.name());
}

} // namespace

OverviewWidget::OverviewWidget(const DatabaseConfig &config, bool readOnly, QWidget *parent)
    : OverviewWidget(createQueueDatabaseThread(config), readOnly, parent)
{ }

OverviewWidget::OverviewWidget(
    std::shared_ptr<DatabaseThread> database, bool readOnly, QWidget *parent)
    : QWidget(parent)
    , m_worker(new DatabaseClient(database, this))
    , m_dayChart(new QChart)
    , m_weekChart(new QChart)
    , m_compositionChart(new QChart)
{
    Q_UNUSED(readOnly) // nothing here writes
    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Split requests by"), this));
    m_splitBox = new QComboBox(this);
    m_splitBox->setObjectName(QStringLiteral("splitBox"));
    m_splitBox->addItem(tr("Status"), int(OverviewSplit::Status));
    m_splitBox->addItem(tr("Source"), int(OverviewSplit::Source));
    connect(m_splitBox, &QComboBox::currentIndexChanged, this,
        [this] { setSplit(OverviewSplit(m_splitBox->currentData().toInt())); });
    top->addWidget(m_splitBox);
    auto *refreshButton = new QPushButton(tr("Refresh"), this);
    connect(refreshButton, &QPushButton::clicked, this, &OverviewWidget::refresh);
    top->addWidget(refreshButton);
    top->addStretch(1);
    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("overviewStatus"));
    top->addWidget(m_statusLabel);
    layout->addLayout(top);

    m_seriesLegend = new QLabel(this);
    m_seriesLegend->setObjectName(QStringLiteral("seriesLegend"));
    m_seriesLegend->setTextFormat(Qt::RichText);
    m_seriesLegend->setWordWrap(true);
    layout->addWidget(m_seriesLegend);

    m_dayChart->setTitle(tr("Requests per hour, last 24 hours"));
    m_weekChart->setTitle(tr("Requests per hour, last 7 days"));
    m_compositionChart->setTitle(tr("Queue by status"));
    auto *dayView = chartView(m_dayChart, this);
    auto *weekView = chartView(m_weekChart, this);
    auto *compositionView = chartView(m_compositionChart, this);
    compositionView->setMinimumWidth(160);
    m_views = { dayView, compositionView, weekView };
    m_compositionLegend = new QLabel(this);
    m_compositionLegend->setObjectName(QStringLiteral("compositionLegend"));
    m_compositionLegend->setTextFormat(Qt::RichText);
    m_compositionLegend->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);

    auto *grid = new QGridLayout;
    grid->addWidget(dayView, 0, 0);
    grid->addWidget(compositionView, 0, 1);
    grid->addWidget(m_compositionLegend, 0, 2);
    grid->addWidget(weekView, 1, 0, 1, 3);
    grid->setColumnStretch(0, 3);
    grid->setColumnStretch(1, 2);
    grid->setColumnStretch(2, 0);
    layout->addLayout(grid, 1);

    // Labels are spaced to the room the plot has, again whenever it changes size.
    connect(m_dayChart, &QChart::plotAreaChanged, this, &OverviewWidget::spaceDayLabels);
    connect(m_weekChart, &QChart::plotAreaChanged, this, &OverviewWidget::spaceWeekLabels);

    setAutoRefreshInterval(0);
}

OverviewWidget::~OverviewWidget() = default;

void OverviewWidget::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    // What the tab shows when it comes into view is current, not what it was when last seen.
    // A refresh on its way may have read before now: one more follows it.
    if (m_generation == 0 || m_answered == m_generation)
        refresh();
    else
        m_refreshWhenAnswered = true;
}

void OverviewWidget::setSplit(OverviewSplit split)
{
    if (split == m_split)
        return;
    m_split = split;
    const int index = m_splitBox->findData(int(split));
    if (index >= 0 && index != m_splitBox->currentIndex())
        m_splitBox->setCurrentIndex(index);
    refresh();
}

void OverviewWidget::setAutoRefreshInterval(int seconds)
{
    m_intervalSeconds = std::max(0, seconds);
    updateStatusLabel();
}

void OverviewWidget::setChangeWatcher(ChangeWatcher *watcher)
{
    if (m_watcher)
        disconnect(m_watcher, nullptr, this, nullptr);
    m_watcher = watcher;
    if (!watcher)
        return;
    // A tab nobody looks at reads nothing (showEvent() catches up); one that is looked at
    // reads when the queue changed, after the refresh on its way if there is one.
    connect(watcher, &ChangeWatcher::changed, this, [this] {
        if (!isVisible())
            return;
        if (m_generation != 0 && m_answered != m_generation)
            m_refreshWhenAnswered = true;
        else
            refresh();
    });
}

void OverviewWidget::refresh()
{
    const quint64 generation = ++m_generation;
    const OverviewSplit split = m_split;
    const QDateTime now = m_fixedNow;
    const qint64 cap = m_countCap;
    m_worker->post(
        [split, now, cap](QSqlDatabase &db) {
            if (!db.isOpen()) {
                OverviewData failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            return OverviewStats::load(
                db, split, now.isValid() ? now : QDateTime::currentDateTimeUtc(), cap);
        },
        [this, generation](const OverviewData &data) {
            if (generation != m_generation)
                return;
            m_answered = generation;
            if (m_refreshWhenAnswered) {
                m_refreshWhenAnswered = false;
                refresh();
                return;
            }
            if (!data.ok) {
                m_statusLabel->setText(tr("Database error: %1").arg(data.error));
                return;
            }
            m_data = data;
            showData();
            m_updatedAt = QTime::currentTime().toString(QStringLiteral("HH:mm:ss"));
            updateStatusLabel();
            Q_EMIT refreshed();
        });
}

void OverviewWidget::updateStatusLabel()
{
    QString text = m_updatedAt.isEmpty() ? QString() : tr("Updated at %1").arg(m_updatedAt);
    const QString every = m_intervalSeconds > 0
        ? tr("refreshes every %n s, as the Queue tab", nullptr, m_intervalSeconds)
        : tr("auto-refresh paused on the Queue tab");
    m_statusLabel->setText(text.isEmpty() ? every : text + QStringLiteral(" · ") + every);
}

QColor OverviewWidget::keyColor(const QString &key) const
{
    if (key == OverviewStats::OtherKey)
        return StatusPalette::other();
    if (m_data.split == OverviewSplit::Status)
        return StatusPalette::queueStatus(key);
    return StatusPalette::series(int(m_keys.indexOf(key)));
}

void OverviewWidget::showData()
{
    // One colour and one legend entry per key, whichever chart shows it (the largest sources
    // of the last day and of the last week may differ).
    m_keys = m_data.lastDay.keys;
    for (const QString &key : std::as_const(m_data.lastWeek.keys)) {
        if (!m_keys.contains(key))
            m_keys << key;
    }
    showDayChart();
    showWeekChart();
    showComposition();
    updateLegends();
}

void OverviewWidget::showDayChart()
{
    // Last 24 hours: stacked bars, one set per key; bar h sits at x = h.
    m_dayHours = nullptr; // deleted below; plotAreaChanged may come meanwhile
    m_dayChart->removeAllSeries();
    removeAxes(m_dayChart);
    auto *bars = new QStackedBarSeries;
    for (const QString &key : m_data.lastDay.keys) {
        auto *set = new QBarSet(key);
        set->setColor(keyColor(key));
        set->setBorderColor(keyColor(key));
        for (const qint64 v : m_data.lastDay.counts.value(key))
            *set << qreal(v);
        bars->append(set);
    }
    m_dayChart->addSeries(bars);
    // A category axis of values (not QBarCategoryAxis, which gives every hour a label as wide
    // as its bar and elides them all on a narrow window): labels every few hours, as the room
    // allows.
    m_dayHours = new QCategoryAxis;
    m_dayHours->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_dayHours->setGridLineVisible(false);
    m_dayHours->setTitleText(tr("Hour (local time)"));
    m_dayHours->setRange(-0.5, std::max<qsizetype>(1, m_data.lastDay.hours.size()) - 0.5);
    m_dayChart->addAxis(m_dayHours, Qt::AlignBottom);
    bars->attachAxis(m_dayHours);
    auto *dayValues = new QValueAxis;
    setCountRange(dayValues, maxStacked(m_data.lastDay));
    dayValues->setTitleText(tr("Requests"));
    m_dayChart->addAxis(dayValues, Qt::AlignLeft);
    bars->attachAxis(dayValues);
    m_dayLabelStep = 0;
    spaceDayLabels();
}

void OverviewWidget::spaceDayLabels()
{
    if (!m_dayHours || m_data.lastDay.hours.isEmpty())
        return;
    const QList<QDateTime> &hours = m_data.lastDay.hours;
    const qreal perHour = m_dayChart->plotArea().width() / qreal(hours.size());
    const qreal room = labelRoom(m_dayHours->labelsFont(), QStringLiteral("00"));
    int step = 12;
    for (const int candidate : { 1, 2, 3, 4, 6, 12 }) {
        if (candidate * perHour >= room) {
            step = candidate;
            break;
        }
    }
    if (step == m_dayLabelStep)
        return; // relabelling changes nothing, and would lay the chart out again
    m_dayLabelStep = step;
    clearCategories(m_dayHours);
    for (int h = 0; h < hours.size(); ++h) {
        const QDateTime local = hours.at(h).toLocalTime();
        if (local.time().hour() % step == 0)
            m_dayHours->append(local.toString(QStringLiteral("HH")), qreal(h));
    }
}

void OverviewWidget::showWeekChart()
{
    m_weekDays = nullptr;
    m_weekChart->removeAllSeries();
    removeAxes(m_weekChart);
    const HourlySeries &week = m_data.lastWeek;
    // x: milliseconds since the epoch; labels at local midnights, placed by spaceWeekLabels().
    m_weekDays = new QCategoryAxis;
    m_weekDays->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_weekDays->setTitleText(tr("Day (local time)"));
    if (!week.hours.isEmpty())
        m_weekDays->setRange(qreal(week.hours.first().toMSecsSinceEpoch()),
            qreal(week.hours.last().addSecs(3600).toMSecsSinceEpoch()));
    m_weekChart->addAxis(m_weekDays, Qt::AlignBottom);

    m_weekLog = needsLogScale(week);
    m_weekChart->setTitle(m_weekLog ? tr("Requests per hour, last 7 days, on a log scale (an hour "
                                         "without requests on the bottom line)")
                                    : tr("Requests per hour, last 7 days"));
    QAbstractAxis *values = nullptr;
    qint64 max = 1;
    for (const QString &key : week.keys) {
        for (const qint64 v : week.counts.value(key))
            max = std::max(max, v);
    }
    // On the log scale an hour without requests is drawn on the bottom line, half a decade
    // below 1 so that it does not pass for one request.
    constexpr qreal LogFloor = 0.3;
    if (m_weekLog) {
        auto *log = new QLogValueAxis;
        log->setBase(10);
        log->setLabelFormat(QStringLiteral("%g"));
        log->setRange(LogFloor, std::pow(10.0, std::ceil(std::log10(qreal(max)))));
        log->setMinorTickCount(-1);
        log->setTitleText(tr("Requests (log scale)"));
        values = log;
    } else {
        auto *linear = new QValueAxis;
        setCountRange(linear, max);
        linear->setTitleText(tr("Requests"));
        values = linear;
    }
    m_weekChart->addAxis(values, Qt::AlignLeft);
    for (const QString &key : week.keys) {
        auto *line = new QLineSeries;
        line->setName(key);
        QPen pen(keyColor(key));
        pen.setWidthF(2.0);
        line->setPen(pen);
        const QList<qint64> counts = week.counts.value(key);
        for (int h = 0; h < counts.size() && h < week.hours.size(); ++h) {
            const qreal y = m_weekLog && counts.at(h) == 0 ? LogFloor : qreal(counts.at(h));
            line->append(qreal(week.hours.at(h).toMSecsSinceEpoch()), y);
        }
        m_weekChart->addSeries(line);
        line->attachAxis(m_weekDays);
        line->attachAxis(values);
    }
    m_weekLabelStep = 0;
    spaceWeekLabels();
}

void OverviewWidget::spaceWeekLabels()
{
    const QList<QDateTime> &hours = m_data.lastWeek.hours;
    if (!m_weekDays || hours.isEmpty())
        return;
    const QDateTime first = hours.first().toLocalTime();
    const QDateTime end = hours.last().addSecs(3600).toLocalTime();
    const qreal span = qreal(first.msecsTo(end));
    const qreal perDay = span > 0 ? m_weekChart->plotArea().width() * 86400000.0 / span : 0;
    const QString format = QStringLiteral("ddd d");
    const qreal room = labelRoom(m_weekDays->labelsFont(), QLocale().toString(first, format)) * 1.2;
    int step = 7;
    for (const int candidate : { 1, 2, 3, 7 }) {
        if (candidate * perDay >= room) {
            step = candidate;
            break;
        }
    }
    if (step == m_weekLabelStep)
        return;
    m_weekLabelStep = step;
    clearCategories(m_weekDays);
    // Each local midnight in the range (QDateTime steps over daylight-saving changes).
    QDateTime midnight(first.date().addDays(1), QTime(0, 0));
    for (int day = 0; midnight < end; ++day, midnight = midnight.addDays(1)) {
        if (day % step == 0)
            m_weekDays->append(
                QLocale().toString(midnight, format), qreal(midnight.toMSecsSinceEpoch()));
    }
}

void OverviewWidget::showComposition()
{
    m_compositionChart->removeAllSeries();
    auto *pie = new QPieSeries;
    for (auto it = m_data.composition.cbegin(); it != m_data.composition.cend(); ++it) {
        QPieSlice *slice = pie->append(it.key(), qreal(it.value()));
        slice->setProperty("status", it.key());
        slice->setColor(StatusPalette::queueStatus(it.key()));
        slice->setBorderColor(palette().color(QPalette::Base));
        slice->setLabelVisible(false);
    }
    m_compositionChart->addSeries(pie);
}

void OverviewWidget::updateLegends()
{
    QStringList entries;
    for (const QString &key : std::as_const(m_keys))
        entries << colorSwatch(keyColor(key)) + key.toHtmlEscaped();
    const QString title = m_data.split == OverviewSplit::Status ? tr("Requests by status:")
                                                                : tr("Requests by source:");
    m_seriesLegend->setText(title.toHtmlEscaped() + QStringLiteral(" &nbsp; ") +
        entries.join(QStringLiteral(" &nbsp; &nbsp; ")));

    qint64 total = 0;
    for (const qint64 n : std::as_const(m_data.composition))
        total += n;
    QStringList rows;
    bool estimated = false;
    bool capped = false;
    for (auto it = m_data.composition.cbegin(); it != m_data.composition.cend(); ++it) {
        const double percent = total > 0 ? 100.0 * double(it.value()) / double(total) : 0.0;
        QueueCount count = m_data.compositionCounts.value(it.key());
        if (!count.ok) { // numbers from elsewhere: exact
            count.ok = true;
            count.rows = count.counted = it.value();
        }
        estimated = estimated || count.kind == CountKind::Estimated;
        capped = capped || count.kind == CountKind::Capped;
        rows << colorSwatch(StatusPalette::queueStatus(it.key())) + it.key().toHtmlEscaped() +
                QStringLiteral("&nbsp; ") +
                tr("%1 (%2%)")
                    .arg(QueueQuery::countText(count), QLocale().toString(percent, 'f', 1))
                    .toHtmlEscaped();
    }
    // Counting stops at a cap on a large queue: say what the numbers are.
    if (estimated)
        rows << tr("“about”: estimated by PostgreSQL beyond %1 rows")
                    .arg(QLocale().toString(m_countCap))
                    .toHtmlEscaped();
    if (capped)
        rows << tr("“+”: counting stopped at %1 rows (shares of the counted rows)")
                    .arg(QLocale().toString(m_countCap))
                    .toHtmlEscaped();
    m_compositionLegend->setText(rows.join(QStringLiteral("<br>")));
}

} // namespace ViralSpot::Ui
