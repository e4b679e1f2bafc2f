#include "ui/request/singlerequestpage.h"

#include "core/username.h"
#include "ui/bulkresultmodel.h"
#include "ui/databasesession.h"
#include "ui/elidinglabel.h"
#include "ui/historymodel.h"
#include "ui/palette/statuspalette.h"
#include "ui/sourcecombo.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace ViralSpot::Ui {

using StatusPalette::setTextColor;

SingleRequestPage::SingleRequestPage(
    DatabaseSession *session, const Settings &settings, bool readOnly, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_readOnly(readOnly)
{
    setObjectName(QStringLiteral("singleTab"));
    auto *form = new QGroupBox(tr("Request processing of a profile"), this);
    form->setObjectName(QStringLiteral("singleForm"));

    m_usernameEdit = new QLineEdit(form);
    m_usernameEdit->setObjectName(QStringLiteral("usernameEdit"));
    m_usernameEdit->setPlaceholderText(tr("name, @name or https://www.instagram.com/name/"));
    m_usernameEdit->setClearButtonEnabled(true);
    // Eliding labels: what the user typed must not set the window's minimum width.
    m_normalizedLabel = new ElidingLabel(form);
    m_normalizedLabel->setObjectName(QStringLiteral("normalizedLabel"));
    m_normalizedLabel->setElideMode(Qt::ElideRight);

    m_sourceCombo = new SourceCombo(settings, form);
    m_sourceCombo->setObjectName(QStringLiteral("sourceCombo"));
    m_sourceCombo->setMinimumContentsLength(16);

    m_requestButton = new QPushButton(tr("&Request"), form);
    m_requestButton->setObjectName(QStringLiteral("requestButton"));
    m_requestButton->setDefault(true);
    m_requestButton->setToolTip(tr("Put the profile on the high priority queue (Enter)"));

    m_outcomeLabel = new ElidingLabel(form);
    m_outcomeLabel->setObjectName(QStringLiteral("outcomeLabel"));
    QFont big = m_outcomeLabel->font();
    big.setPointSizeF(big.pointSizeF() * 1.35);
    big.setBold(true);
    m_outcomeLabel->setFont(big);
    m_outcomeDetail = new QLabel(form);
    m_outcomeDetail->setObjectName(QStringLiteral("outcomeDetailLabel"));
    m_outcomeDetail->setWordWrap(true);
    m_outcomeDetail->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *grid = new QGridLayout(form);
    auto *usernameLabel = new QLabel(tr("&Username:"), form);
    usernameLabel->setBuddy(m_usernameEdit);
    grid->addWidget(usernameLabel, 0, 0);
    grid->addWidget(m_usernameEdit, 0, 1);
    grid->addWidget(m_requestButton, 0, 2);
    grid->addWidget(m_normalizedLabel, 1, 1, 1, 2);
    auto *sourceLabel = new QLabel(tr("S&ource:"), form);
    sourceLabel->setBuddy(m_sourceCombo);
    grid->addWidget(sourceLabel, 2, 0);
    grid->addWidget(m_sourceCombo, 2, 1);
    grid->addWidget(m_outcomeLabel, 3, 1, 1, 2);
    grid->addWidget(m_outcomeDetail, 4, 1, 1, 2);
    grid->setColumnStretch(1, 1);

    auto *historyBox = new QGroupBox(tr("This session"), this);
    m_historyModel = new HistoryModel(this);
    m_historyView = new QTableView(historyBox);
    m_historyView->setObjectName(QStringLiteral("historyView"));
    m_historyView->setModel(m_historyModel);
    m_historyView->verticalHeader()->hide();
    m_historyView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_historyView->setAlternatingRowColors(true);
    m_historyView->horizontalHeader()->setStretchLastSection(true);
    m_historyView->setColumnWidth(HistoryModel::TimeColumn, 80);
    m_historyView->setColumnWidth(HistoryModel::UsernameColumn, 180);
    m_historyView->setColumnWidth(HistoryModel::SourceColumn, 100);
    m_historyView->setColumnWidth(HistoryModel::OutcomeColumn, 140);
    auto *copyHistory = new QPushButton(tr("&Copy"), historyBox);
    copyHistory->setObjectName(QStringLiteral("copyHistoryButton"));
    auto *clearHistory = new QPushButton(tr("C&lear"), historyBox);
    clearHistory->setObjectName(QStringLiteral("clearHistoryButton"));
    auto *historyButtons = new QHBoxLayout;
    historyButtons->addStretch(1);
    historyButtons->addWidget(copyHistory);
    historyButtons->addWidget(clearHistory);
    auto *historyLayout = new QVBoxLayout(historyBox);
    historyLayout->addWidget(m_historyView, 1);
    historyLayout->addLayout(historyButtons);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(form);
    layout->addWidget(historyBox, 1);

    connect(m_usernameEdit, &QLineEdit::textChanged, this, &SingleRequestPage::updatePreview);
    connect(m_usernameEdit, &QLineEdit::returnPressed, this, &SingleRequestPage::submit);
    connect(m_sourceCombo, &QComboBox::currentTextChanged, this, &SingleRequestPage::updatePreview);
    connect(m_sourceCombo->lineEdit(), &QLineEdit::returnPressed, this, &SingleRequestPage::submit);
    connect(m_requestButton, &QPushButton::clicked, this, &SingleRequestPage::submit);
    connect(copyHistory, &QPushButton::clicked, this,
        [this] { QApplication::clipboard()->setText(m_historyModel->toText()); });
    connect(clearHistory, &QPushButton::clicked, m_historyModel, &HistoryModel::clear);
    connect(m_session, &DatabaseSession::requestFinished, this, &SingleRequestPage::onFinished);
    updatePreview();
}

void SingleRequestPage::focusInput()
{
    m_usernameEdit->setFocus();
    m_usernameEdit->selectAll();
}

void SingleRequestPage::addRecentSource(const QString &source)
{
    m_sourceCombo->addRecent(source);
}

void SingleRequestPage::updatePreview()
{
    const QString text = m_usernameEdit->text();
    if (!m_outcomeInput.isNull() && text != m_outcomeInput) {
        // A new name is being typed: the last outcome would stand beside its preview or error.
        m_outcomeInput = QString();
        m_outcomeLabel->setFullText(QString());
        m_outcomeDetail->clear();
    }
    const std::optional<QString> sourceError = Username::sourceError(m_sourceCombo->source());
    if (text.trimmed().isEmpty()) {
        m_normalizedLabel->setFullText(
            sourceError ? tr("Source: %1").arg(*sourceError) : QString());
        setTextColor(m_normalizedLabel, outcomeColor(QStringLiteral("invalid")));
        m_requestButton->setEnabled(false);
        return;
    }
    const Username::Parsed parsed = Username::normalize(text);
    if (!parsed.isValid()) {
        m_normalizedLabel->setFullText(parsed.error);
        setTextColor(m_normalizedLabel, outcomeColor(QStringLiteral("invalid")));
    } else if (sourceError) {
        m_normalizedLabel->setFullText(tr("Source: %1").arg(*sourceError));
        setTextColor(m_normalizedLabel, outcomeColor(QStringLiteral("invalid")));
    } else {
        m_normalizedLabel->setFullText(tr("→ %1").arg(parsed.username));
        setTextColor(m_normalizedLabel, palette().color(QPalette::PlaceholderText));
    }
    // Invalid input may still be sent: the outcome "invalid" with its reason is the answer.
    m_requestButton->setEnabled(!m_readOnly);
}

void SingleRequestPage::submit()
{
    if (m_readOnly || m_usernameEdit->text().trimmed().isEmpty())
        return;
    const QString input = m_usernameEdit->text();
    const QString source = m_sourceCombo->source();
    m_outcomeInput = input;
    m_outcomeLabel->setFullText(tr("Requesting…"));
    setTextColor(m_outcomeLabel, palette().color(QPalette::WindowText));
    m_outcomeDetail->clear();
    m_session->request(m_session->nextId(), input, source);
    Q_EMIT sourceUsed(source);
    m_usernameEdit->selectAll(); // typing the next name replaces this one
}

void SingleRequestPage::onFinished(quint64 id, const RequestResult &result)
{
    Q_UNUSED(id) // batches answer with batchFinished: every single answer is this page's
    const QString name = result.username.isEmpty() ? result.input.trimmed() : result.username;
    if (m_outcomeInput.isNull())
        m_outcomeInput = result.input; // typed over while it ran: the next key clears it
    m_outcomeLabel->setFullText(tr("%1: %2").arg(outcomeLabel(result.outcome), name));
    setTextColor(m_outcomeLabel, outcomeColor(outcomeName(result.outcome)));
    m_outcomeDetail->setText(result.message);
    m_historyModel->add(result, QDateTime::currentDateTime());
    m_historyView->scrollToTop();
    Q_EMIT requestFinished(result);
}

} // namespace ViralSpot::Ui
