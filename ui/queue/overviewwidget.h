#pragma once

#include "databaseconfig.h"
#include "overviewstats.h"

#include <QWidget>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QTimer;

namespace ViralSpot::Ui {

class SqlWorker;

// The Overview tab: requests per hour over the last 24 hours (stacked bars) and 7 days
// (lines), split by status or source, and the queue's composition by status (pie), refreshed
// on a timer. The numbers come from OverviewStats (grouped in SQL, on a worker thread).
class OverviewWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewWidget)

public:
    explicit OverviewWidget(const DatabaseConfig &config, bool readOnly, QWidget *parent = nullptr);
    ~OverviewWidget() override;

    void setSplit(OverviewSplit split);
    OverviewSplit split() const { return m_split; }
    void setAutoRefreshInterval(int seconds); // 0 = off
    // The moment the hourly buckets end at; invalid = now (tests pin it).
    void setNow(const QDateTime &now) { m_fixedNow = now; }

    const OverviewData &data() const { return m_data; }
    QChart *dayChart() const { return m_dayChart; }
    QChart *weekChart() const { return m_weekChart; }
    QChart *compositionChart() const { return m_compositionChart; }

public slots:
    void refresh();

signals:
    void refreshed();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void showData();

    SqlWorker *m_worker = nullptr;
    OverviewSplit m_split = OverviewSplit::Status;
    QDateTime m_fixedNow;
    OverviewData m_data;
    quint64 m_generation = 0;
    QComboBox *m_splitBox = nullptr;
    QLabel *m_statusLabel = nullptr;
    QChart *m_dayChart = nullptr;
    QChart *m_weekChart = nullptr;
    QChart *m_compositionChart = nullptr;
    QTimer *m_timer = nullptr;
};

} // namespace ViralSpot::Ui
