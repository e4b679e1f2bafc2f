#pragma once

#include "core/databasethread.h"

#include <QWidget>

#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QStackedWidget;
class QTableView;
class QTimer;

namespace ViralSpot::Ui {

class BatchFinishWatcher;
class BatchListModel;
class BatchPage;
class Settings;

// The Batches tab: every batch, newest first, with a name search, a progress bar per batch
// and its ETA; a batch's page (BatchPage) opens on double-click or Enter. Refreshes when shown
// and when refresh() is called; the window calls refreshIfShown() when the change watcher says
// the queue changed (at its interval: nothing is read while nothing changes), and lets the
// watcher go on checking while the window is hidden, so that the finished-batch check
// (finishWatcher(): the notifications) still runs on a change nobody sees. Every read runs on
// the queue tabs' shared database thread.
class BatchesTab final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BatchesTab)

public:
    BatchesTab(std::shared_ptr<DatabaseThread> database, Settings &settings, bool readOnly,
        QWidget *parent = nullptr);

    BatchListModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    BatchPage *page() const { return m_page; }
    BatchFinishWatcher *finishWatcher() const { return m_watcher; }
    bool isPageShown() const;

public Q_SLOTS:
    // Reloads the list (and the open batch's page), then looks for finished batches.
    void refresh();
    // refresh() when the tab is on screen, else only the finished-batch check (the change
    // watcher's changed(): a tab nobody looks at does not reload its lists).
    void refreshIfShown();
    // Shows the batch's page (from the list, "Follow in Batches", a notification).
    void openBatch(const QString &id);
    void showList();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void updateCountLabel();
    void openCurrent();

    Settings &m_settings;
    BatchListModel *m_model;
    BatchFinishWatcher *m_watcher;
    QStackedWidget *m_stack = nullptr;
    QLineEdit *m_search = nullptr;
    QCheckBox *m_notifyAll = nullptr;
    QLabel *m_countLabel = nullptr;
    QLabel *m_errorLabel = nullptr;
    QTableView *m_view = nullptr;
    BatchPage *m_page = nullptr;
    QTimer *m_searchTimer;
};

} // namespace ViralSpot::Ui
