#pragma once

#include "core/changes/changewatcher.h"
#include "core/databaseclient.h"
#include "core/databaseconfig.h"
#include "core/overviewstats.h"

#include <QColor>
#include <QPointer>
#include <QWidget>

#include <memory>

class QCategoryAxis;
class QChart;
class QChartView;
class QComboBox;
class QLabel;

namespace ViralSpot::Ui {

// The Overview tab: requests per hour over the last 24 hours (stacked bars) and 7 days
// (lines), split by status or source, and the queue's composition by status (pie). The numbers
// come from OverviewStats (grouped in SQL, on a worker thread).
//
// Legible at any window size: hour and day labels are spaced to the room there is (never
// elided), the legends are wrapping labels beside the charts rather than the charts' own
// (which elide), every status has its colour of the shared StatusPalette, and the 7-day chart
// switches to a logarithmic scale (said on the axis) when one spike would flatten the rest.
// It refreshes when shown and, while shown, when the queue changed (setChangeWatcher(): the
// Queue tab's watcher, at its auto-refresh interval, which setAutoRefreshInterval() names).
class OverviewWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewWidget)

public:
    // With a database thread of its own (createQueueDatabaseThread()).
    explicit OverviewWidget(const DatabaseConfig &config, bool readOnly, QWidget *parent = nullptr);
    // On a database thread shared with other views.
    explicit OverviewWidget(
        std::shared_ptr<DatabaseThread> database, bool readOnly, QWidget *parent = nullptr);
    ~OverviewWidget() override;

    void setSplit(OverviewSplit split);
    OverviewSplit split() const { return m_split; }
    // The interval the status line names (seconds, 0 = paused); the refreshes themselves
    // follow the watcher.
    void setAutoRefreshInterval(int seconds);
    void setChangeWatcher(ViralSpot::ChangeWatcher *watcher);
    ViralSpot::ChangeWatcher *changeWatcher() const { return m_watcher; }
    int autoRefreshInterval() const { return m_intervalSeconds; }
    // The moment the hourly buckets end at; invalid = now (tests pin it).
    void setNow(const QDateTime &now) { m_fixedNow = now; }
    // The most rows one count of the composition reads (QueueQuery::CountCap; tests make it
    // small): beyond it the legend says "about" (estimated) or "+" (capped).
    void setCountCap(qint64 cap) { m_countCap = cap; }

    const OverviewData &data() const { return m_data; }
    QChart *dayChart() const { return m_dayChart; }
    QChart *weekChart() const { return m_weekChart; }
    QChart *compositionChart() const { return m_compositionChart; }
    QList<QChartView *> chartViews() const { return m_views; }
    QLabel *seriesLegend() const { return m_seriesLegend; }
    QLabel *compositionLegend() const { return m_compositionLegend; }
    bool weekUsesLogScale() const { return m_weekLog; }
    // The colour a series key (status or source) is drawn in.
    QColor keyColor(const QString &key) const;

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void refreshed();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void showData();
    void showDayChart();
    void showWeekChart();
    void showComposition();
    void updateLegends();
    void updateStatusLabel();
    void spaceDayLabels();
    void spaceWeekLabels();

    DatabaseClient *m_worker = nullptr;
    OverviewSplit m_split = OverviewSplit::Status;
    QDateTime m_fixedNow;
    qint64 m_countCap = QueueQuery::CountCap;
    OverviewData m_data;
    QStringList m_keys; // the series of both hourly charts, in legend order
    quint64 m_generation = 0;
    quint64 m_answered = 0; // the generation whose answer arrived last
    bool m_refreshWhenAnswered = false; // shown while a refresh was running: one more after it
    QString m_updatedAt;
    int m_intervalSeconds = 0;
    bool m_weekLog = false;
    int m_dayLabelStep = 0; // hours between labels on the 24-hour chart
    int m_weekLabelStep = 0; // days between labels on the 7-day chart
    QComboBox *m_splitBox = nullptr;
    QLabel *m_statusLabel = nullptr;
    QLabel *m_seriesLegend = nullptr;
    QLabel *m_compositionLegend = nullptr;
    QChart *m_dayChart = nullptr;
    QChart *m_weekChart = nullptr;
    QChart *m_compositionChart = nullptr;
    QCategoryAxis *m_dayHours = nullptr;
    QCategoryAxis *m_weekDays = nullptr;
    QList<QChartView *> m_views;
    QPointer<ChangeWatcher> m_watcher;
};

} // namespace ViralSpot::Ui
