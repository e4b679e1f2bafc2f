#pragma once

#include "core/outcome.h"
#include "core/requestservice.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace ViralSpot::Ui {

class DatabaseSession;
class ElidingLabel;
class HistoryModel;
class Settings;
class SourceCombo;

// The "Single request" tab: one username (any accepted form) with its source, the normalized
// name or the reason it is invalid as it is typed, the outcome of the request, and this
// session's history of requests.
class SingleRequestPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SingleRequestPage)

public:
    SingleRequestPage(DatabaseSession *session, const Settings &settings, bool readOnly,
        QWidget *parent = nullptr);

    HistoryModel *historyModel() const { return m_historyModel; }
    // Requests the username typed (with Enter or the Request button).
    void submit();
    // Focuses the username, selected, so typing replaces it.
    void focusInput();
    // Offers a source used on either tab in the Source box.
    void addRecentSource(const QString &source);

Q_SIGNALS:
    void requestFinished(const ViralSpot::RequestResult &result);
    // A request went out with this source.
    void sourceUsed(const QString &source);

private:
    void updatePreview();
    void onFinished(quint64 id, const ViralSpot::RequestResult &result);

    DatabaseSession *m_session;
    bool m_readOnly;
    QLineEdit *m_usernameEdit = nullptr;
    ElidingLabel *m_normalizedLabel = nullptr;
    SourceCombo *m_sourceCombo = nullptr;
    QPushButton *m_requestButton = nullptr;
    ElidingLabel *m_outcomeLabel = nullptr;
    QLabel *m_outcomeDetail = nullptr;
    QString m_outcomeInput; // the input the shown outcome is for; null: none shown
    HistoryModel *m_historyModel = nullptr;
    QTableView *m_historyView = nullptr;
};

} // namespace ViralSpot::Ui
