#pragma once

#include "core/auditlog.h"
#include "core/changes/changewatcher.h"
#include "core/databaseclient.h"
#include "core/databaseconfig.h"

#include <QPointer>
#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QStandardItemModel;
class QTableView;
class QTimer;

namespace ViralSpot::Ui {

// The Audit tab: every admin action and submission (time, OS user, host, origin, action,
// usernames, counts), newest first, with filters and CSV export of what is shown.
class AuditLogWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditLogWidget)

public:
    static constexpr int PageSize = 500;

    // With a database thread of its own (createQueueDatabaseThread()).
    explicit AuditLogWidget(const DatabaseConfig &config, bool readOnly, QWidget *parent = nullptr);
    // On a database thread shared with other views.
    explicit AuditLogWidget(
        std::shared_ptr<DatabaseThread> database, bool readOnly, QWidget *parent = nullptr);
    ~AuditLogWidget() override;

    void setFilter(const AuditFilter &filter);
    AuditFilter filterFromControls() const;
    const QList<AuditEntry> &entries() const { return m_entries; }
    QStandardItemModel *model() const { return m_model; }
    bool exportCsv(); // synchronous: the rows shown are already in memory
    // Reads the first page again when the queue changed (the Queue tab's watcher).
    void setChangeWatcher(ViralSpot::ChangeWatcher *watcher);

public Q_SLOTS:
    void refresh();
    void loadMore();

Q_SIGNALS:
    void loaded();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void load(bool append);
    void appendRows(const QList<AuditEntry> &entries);

    DatabaseClient *m_worker = nullptr;
    AuditFilter m_filter;
    QList<AuditEntry> m_entries;
    quint64 m_generation = 0;
    QComboBox *m_action = nullptr;
    QComboBox *m_origin = nullptr;
    QLineEdit *m_text = nullptr;
    QComboBox *m_range = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_more = nullptr;
    QTableView *m_view = nullptr;
    QStandardItemModel *m_model = nullptr;
    QTimer *m_typingTimer = nullptr;
    QPointer<ChangeWatcher> m_watcher;
    bool m_stale = false; // the queue changed while hidden
    bool m_refreshWhenIdle = false; // it changed while a load was on its way
};

} // namespace ViralSpot::Ui
