#include "overviewwidget.h"

#include "sqlworker.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QPieSeries>
#include <QPushButton>
#include <QStackedBarSeries>
#include <QTime>
#include <QTimer>
#include <QValueAxis>
#include <QVBoxLayout>

namespace ViralSpot::Ui {

namespace {

QChartView *chartView(QChart *chart, QWidget *parent)
{
    auto *view = new QChartView(chart, parent);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(220);
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

} // namespace

OverviewWidget::OverviewWidget(const DatabaseConfig &config, bool readOnly, QWidget *parent)
    : QWidget(parent)
    , m_worker(new SqlWorker(config, this))
    , m_dayChart(new QChart)
    , m_weekChart(new QChart)
    , m_compositionChart(new QChart)
    , m_timer(new QTimer(this))
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

    m_dayChart->setTitle(tr("Requests per hour, last 24 hours"));
    m_weekChart->setTitle(tr("Requests per hour, last 7 days"));
    m_compositionChart->setTitle(tr("Queue by status"));
    m_compositionChart->legend()->setAlignment(Qt::AlignRight);
    auto *grid = new QGridLayout;
    grid->addWidget(chartView(m_dayChart, this), 0, 0);
    grid->addWidget(chartView(m_compositionChart, this), 0, 1);
    grid->addWidget(chartView(m_weekChart, this), 1, 0, 1, 2);
    grid->setColumnStretch(0, 2);
    grid->setColumnStretch(1, 1);
    layout->addLayout(grid, 1);

    connect(m_timer, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
    setAutoRefreshInterval(60);
}

void OverviewWidget::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    // The numbers take a moment on a big queue: read them when the tab is first looked at.
    if (m_generation == 0)
        refresh();
}

OverviewWidget::~OverviewWidget() = default;

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
    if (seconds <= 0) {
        m_timer->stop();
        return;
    }
    m_timer->start(seconds * 1000);
}

void OverviewWidget::refresh()
{
    const quint64 generation = ++m_generation;
    const OverviewSplit split = m_split;
    const QDateTime now = m_fixedNow;
    m_worker->run<OverviewData>(
        this,
        [split, now](QSqlDatabase &db) {
            if (!db.isOpen()) {
                OverviewData failed;
                failed.error = SqlWorker::openError();
                return failed;
            }
            return OverviewStats::load(
                db, split, now.isValid() ? now : QDateTime::currentDateTimeUtc());
        },
        [this, generation](const OverviewData &data) {
            if (generation != m_generation)
                return;
            if (!data.ok) {
                m_statusLabel->setText(tr("Database error: %1").arg(data.error));
                return;
            }
            m_data = data;
            showData();
            m_statusLabel->setText(
                tr("Updated at %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
            emit refreshed();
        });
}

void OverviewWidget::showData()
{
    // Last 24 hours: stacked bars, one set per key.
    m_dayChart->removeAllSeries();
    for (QAbstractAxis *axis : m_dayChart->axes())
        m_dayChart->removeAxis(axis);
    auto *bars = new QStackedBarSeries;
    for (const QString &key : m_data.lastDay.keys) {
        auto *set = new QBarSet(key);
        for (const qint64 v : m_data.lastDay.counts.value(key))
            *set << qreal(v);
        bars->append(set);
    }
    m_dayChart->addSeries(bars);
    QStringList categories;
    for (const QDateTime &hour : m_data.lastDay.hours)
        categories << hour.toLocalTime().toString(QStringLiteral("HH"));
    auto *hoursAxis = new QBarCategoryAxis;
    hoursAxis->append(categories);
    m_dayChart->addAxis(hoursAxis, Qt::AlignBottom);
    bars->attachAxis(hoursAxis);
    auto *dayValues = new QValueAxis;
    dayValues->setLabelFormat(QStringLiteral("%d"));
    dayValues->setRange(0, std::max<qint64>(1, maxStacked(m_data.lastDay)));
    m_dayChart->addAxis(dayValues, Qt::AlignLeft);
    bars->attachAxis(dayValues);

    // Last 7 days: a line per key.
    m_weekChart->removeAllSeries();
    for (QAbstractAxis *axis : m_weekChart->axes())
        m_weekChart->removeAxis(axis);
    auto *timeAxis = new QDateTimeAxis;
    timeAxis->setFormat(QStringLiteral("ddd HH:mm"));
    timeAxis->setTickCount(8);
    if (!m_data.lastWeek.hours.isEmpty())
        timeAxis->setRange(m_data.lastWeek.hours.first().toLocalTime(),
            m_data.lastWeek.hours.last().toLocalTime());
    m_weekChart->addAxis(timeAxis, Qt::AlignBottom);
    auto *weekValues = new QValueAxis;
    weekValues->setLabelFormat(QStringLiteral("%d"));
    qint64 weekMax = 1;
    m_weekChart->addAxis(weekValues, Qt::AlignLeft);
    for (const QString &key : m_data.lastWeek.keys) {
        auto *line = new QLineSeries;
        line->setName(key);
        const QList<qint64> values = m_data.lastWeek.counts.value(key);
        for (int h = 0; h < values.size(); ++h) {
            line->append(
                qreal(m_data.lastWeek.hours.at(h).toMSecsSinceEpoch()), qreal(values.at(h)));
            weekMax = std::max(weekMax, values.at(h));
        }
        m_weekChart->addSeries(line);
        line->attachAxis(timeAxis);
        line->attachAxis(weekValues);
    }
    weekValues->setRange(0, weekMax);

    // Composition.
    m_compositionChart->removeAllSeries();
    auto *pie = new QPieSeries;
    for (auto it = m_data.composition.cbegin(); it != m_data.composition.cend(); ++it) {
        QPieSlice *slice =
            pie->append(QStringLiteral("%1 (%2)").arg(it.key()).arg(it.value()), qreal(it.value()));
        slice->setProperty("status", it.key());
    }
    m_compositionChart->addSeries(pie);
}

} // namespace ViralSpot::Ui
