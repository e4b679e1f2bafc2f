#include "ui/bulk/bulkpage.h"

#include "core/batches/batches.h"
#include "core/databasethread.h"
#include "core/sqlitefileguard.h"
#include "core/textencoding.h"
#include "ui/batches/batchitemmodel.h"
#include "ui/bulk/bulksession.h"
#include "ui/bulkeditor.h"
#include "ui/bulkresultmodel.h"
#include "ui/filedialog.h"
#include "ui/messagebox.h"
#include "ui/sourcecombo.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTextDocument>
#include <QVBoxLayout>

namespace ViralSpot::Ui {

BulkPage::BulkPage(
    DatabaseSession *database, const Settings &settings, bool readOnly, QWidget *parent)
    : QWidget(parent)
    , m_session(new BulkSession(database, settings, readOnly, this))
    , m_readOnly(readOnly)
{
    setObjectName(QStringLiteral("bulkTab"));
    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("bulkSplitter"));
    m_splitter->setChildrenCollapsible(false);

    // Left: the text.
    auto *left = new QGroupBox(tr("Usernames"), m_splitter);
    m_editor = new BulkEditor(left);
    m_editor->setObjectName(QStringLiteral("bulkEditor"));
    m_editor->setPlaceholderText(
        tr("Paste or type usernames, @names or profile URLs — one per line, or separated by "
           "commas, semicolons, tabs or spaces. You can also drop a .txt or .csv file here. "
           "Tab moves to the next field; Ctrl+Tab types a tab."));
    m_previewCounts = new QLabel(left);
    m_previewCounts->setObjectName(QStringLiteral("previewCountsLabel"));
    m_previewCounts->setWordWrap(true);
    auto *importButton = new QPushButton(tr("&Import…"), left);
    importButton->setObjectName(QStringLiteral("importButton"));
    auto *clearButton = new QPushButton(tr("Clea&r"), left);
    clearButton->setObjectName(QStringLiteral("clearBulkButton"));
    clearButton->setToolTip(tr("Clear the text (Ctrl+Z brings it back); the results stay until "
                               "the next Submit all"));
    auto *leftButtons = new QHBoxLayout;
    leftButtons->addWidget(m_previewCounts, 1);
    leftButtons->addWidget(importButton);
    leftButtons->addWidget(clearButton);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->addWidget(m_editor, 1);
    leftLayout->addLayout(leftButtons);
    m_batchNameRow = new QHBoxLayout;
    leftLayout->addLayout(m_batchNameRow);

    // Right: the preview, then the outcomes.
    auto *right = new QGroupBox(tr("Preview and results"), m_splitter);
    BulkResultModel *model = m_session->model();
    m_proxy = new BulkFilterProxy(model, this);
    m_proxy->setObjectName(QStringLiteral("bulkProxy"));
    m_view = new QTableView(right);
    m_view->setObjectName(QStringLiteral("bulkView"));
    m_view->setModel(m_proxy);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(BulkResultModel::LineColumn, 44);
    m_view->setColumnWidth(BulkResultModel::InputColumn, 160);
    m_view->setColumnWidth(BulkResultModel::UsernameColumn, 130);
    m_view->setColumnWidth(BulkResultModel::CheckColumn, 150);
    m_view->setColumnWidth(BulkResultModel::OutcomeColumn, 125);

    m_outcomeFilter = new QComboBox(right);
    m_outcomeFilter->setObjectName(QStringLiteral("outcomeFilter"));
    m_outcomeFilter->addItem(tr("All rows"), QString());
    m_outcomeFilter->addItem(tr("Valid (not yet submitted)"), QStringLiteral("valid"));
    for (Outcome o : { Outcome::Queued, Outcome::AlreadyProcessed, Outcome::AlreadyQueued,
             Outcome::Invalid, Outcome::DuplicateInBatch, Outcome::Error, Outcome::Cancelled })
        m_outcomeFilter->addItem(outcomeLabel(o), outcomeName(o));
    m_summaryLabel = new QLabel(right);
    m_summaryLabel->setObjectName(QStringLiteral("summaryLabel"));
    m_summaryLabel->setWordWrap(true);
    m_summaryLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *filterRow = new QHBoxLayout;
    auto *filterLabel = new QLabel(tr("&Show:"), right);
    filterLabel->setBuddy(m_outcomeFilter);
    filterRow->addWidget(filterLabel);
    filterRow->addWidget(m_outcomeFilter);
    filterRow->addWidget(m_summaryLabel, 1);
    m_staleNote = new QLabel(right);
    m_staleNote->setObjectName(QStringLiteral("staleResultsLabel"));
    m_staleNote->setWordWrap(true);
    m_staleNote->setAutoFillBackground(true);
    m_staleNote->setMargin(4);
    {
        QPalette pal = m_staleNote->palette();
        pal.setColor(QPalette::Window, outcomeColor(QStringLiteral("duplicate_in_batch")));
        pal.setColor(QPalette::WindowText, Qt::black);
        m_staleNote->setPalette(pal);
    }
    m_staleNote->hide();
    m_streamView = new QTableView(right);
    m_streamView->setObjectName(QStringLiteral("bulkStreamView"));
    m_streamView->verticalHeader()->hide();
    m_streamView->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_streamView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_streamView->setAlternatingRowColors(true);
    m_streamView->setWordWrap(false);
    m_streamView->horizontalHeader()->setStretchLastSection(true);
    m_streamView->setToolTip(tr("The items of the streamed file's batch, read from the database "
                                "as you scroll; Follow in Batches filters them by state"));
    m_streamView->hide();
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->addLayout(filterRow);
    rightLayout->addWidget(m_staleNote);
    rightLayout->addWidget(m_view, 1);
    rightLayout->addWidget(m_streamView, 1);

    m_splitter->addWidget(left);
    m_splitter->addWidget(right);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 2);

    // Bottom: submit, progress, and what to do with the results.
    m_sourceCombo = new SourceCombo(settings, this);
    m_sourceCombo->setObjectName(QStringLiteral("bulkSourceCombo"));
    m_sourceCombo->setMinimumContentsLength(12);
    m_batchName = new QLineEdit(this);
    m_batchName->setObjectName(QStringLiteral("bulkBatchNameEdit"));
    m_batchName->setMaxLength(200);
    m_batchName->setToolTip(tr("The batch's name in the Batches tab (empty: the source and time)"));
    connect(
        m_sourceCombo, &QComboBox::currentTextChanged, this, &BulkPage::updateBatchNamePlaceholder);
    // Under the text (whose batch it names), where it costs the window no width.
    auto *nameLabel = new QLabel(tr("Batch &name:"), this);
    nameLabel->setBuddy(m_batchName);
    m_batchNameRow->addWidget(nameLabel);
    m_batchNameRow->addWidget(m_batchName, 1);
    m_followButton = new QPushButton(tr("&Follow in Batches"), this);
    m_followButton->setObjectName(QStringLiteral("followBatchButton"));
    m_followButton->setToolTip(
        tr("Open the submitted batch's page: its items as they are processed"));
    m_followButton->hide();
    connect(m_followButton, &QPushButton::clicked, this,
        [this] { Q_EMIT followBatchRequested(m_session->lastBatchId()); });
    connect(m_session, &BulkSession::streamProgressed, this, [this] { updateStreamView(false); });
    connect(m_session, &BulkSession::batchFinished, this, [this] {
        if (m_session->hasStreamResults())
            updateStreamView(true);
    });
    connect(
        m_session, &BulkSession::batchRecorded, this, [this](const QString &, const QString &name) {
            if (m_session->hasStreamResults())
                updateStreamView(true);
            m_followButton->setToolTip(tr("Open the page of “%1”").arg(name));
            m_followButton->show();
            m_batchName->clear(); // the next batch gets a name of its own
            updateBatchNamePlaceholder();
        });
    m_submitButton = new QPushButton(tr("Su&bmit all"), this);
    m_submitButton->setObjectName(QStringLiteral("submitButton"));
    m_submitButton->setToolTip(tr("Request every valid username (Ctrl+Enter)"));
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->setObjectName(QStringLiteral("cancelButton"));
    m_cancelButton->setToolTip(tr("Stop after the current chunk; what was committed stays (Esc)"));
    m_retryButton = new QPushButton(tr("Retry &errors"), this);
    m_retryButton->setObjectName(QStringLiteral("retryErrorsButton"));
    m_retryButton->setToolTip(tr("Send the rows that failed because of the database again"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("batchProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("%v of %m"));
    m_progress->setTextVisible(false); // no "0 of 1" before anything ran
    m_etaLabel = new QLabel(this);
    m_etaLabel->setObjectName(QStringLiteral("etaLabel"));
    m_etaLabel->setMinimumWidth(110);
    m_copyInvalidButton = new QPushButton(tr("Copy in&valid"), this);
    m_copyInvalidButton->setObjectName(QStringLiteral("copyInvalidButton"));
    m_copyInvalidButton->setToolTip(tr("Copy the invalid inputs, one per line, for fixing"));
    m_exportButton = new QPushButton(tr("E&xport CSV…"), this);
    m_exportButton->setObjectName(QStringLiteral("exportButton"));
    m_batchStatus = new QLabel(this);
    m_batchStatus->setObjectName(QStringLiteral("batchStatusLabel"));
    m_batchStatus->setWordWrap(true);
    m_batchStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *bottom = new QHBoxLayout;
    auto *sourceLabel = new QLabel(tr("Source:"), this);
    sourceLabel->setBuddy(m_sourceCombo);
    bottom->addWidget(sourceLabel);
    bottom->addWidget(m_sourceCombo);
    bottom->addWidget(m_submitButton);
    bottom->addWidget(m_progress, 1);
    bottom->addWidget(m_etaLabel);
    bottom->addWidget(m_cancelButton);
    bottom->addWidget(m_retryButton);
    bottom->addSpacing(12);
    bottom->addWidget(m_copyInvalidButton);
    bottom->addWidget(m_exportButton);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_splitter, 1);
    layout->addLayout(bottom);
    auto *statusRow = new QHBoxLayout;
    statusRow->addWidget(m_batchStatus, 1);
    statusRow->addWidget(m_followButton);
    layout->addLayout(statusRow);
    updateBatchNamePlaceholder();

    m_session->setTextSource(
        [this](BulkSession::TextReady done) { m_editor->readText(std::move(done)); });
    m_session->setResubmitConfirmation([this] { return confirmSubmitAgain(); });
    connect(m_session, &BulkSession::changed, this, &BulkPage::refresh);
    connect(m_editor, &QPlainTextEdit::textChanged, this,
        [this] { m_session->textChanged(m_editor->isInserting()); });
    connect(m_editor, &BulkEditor::insertionFinished, this, [this] { m_session->textChanged(); });
    connect(
        m_editor, &BulkEditor::insertionStarted, this, [this] { m_session->setInserting(true); });
    connect(m_editor, &BulkEditor::filesDropped, this, [this](const QStringList &files) {
        if (!files.isEmpty() && confirmReplaceText(files.constFirst()))
            importFile(files.constFirst());
    });
    connect(m_editor, &BulkEditor::dropRefused, m_session, &BulkSession::setStatusText);
    connect(importButton, &QPushButton::clicked, this, &BulkPage::importWithDialog);
    connect(clearButton, &QPushButton::clicked, this, &BulkPage::clear);
    connect(m_submitButton, &QPushButton::clicked, this, &BulkPage::submit);
    connect(m_cancelButton, &QPushButton::clicked, this, &BulkPage::cancel);
    connect(m_retryButton, &QPushButton::clicked, this, &BulkPage::retryErrors);
    connect(m_copyInvalidButton, &QPushButton::clicked, this, &BulkPage::copyInvalid);
    connect(m_exportButton, &QPushButton::clicked, this, &BulkPage::exportWithDialog);
    connect(m_outcomeFilter, &QComboBox::currentIndexChanged, this,
        [this] { m_proxy->setStateFilter(m_outcomeFilter->currentData().toString()); });
    updateButtons();
}

void BulkPage::refresh()
{
    m_previewCounts->setText(m_session->previewCountsText());
    m_batchStatus->setText(m_session->statusText());
    m_etaLabel->setText(m_session->etaText());
    const BulkSession::Progress progress = m_session->progress();
    m_progress->setRange(0, progress.maximum);
    m_progress->setValue(progress.value);
    m_progress->setTextVisible(progress.textVisible);
    m_summaryLabel->setText(m_session->summaryText());
    const bool stale = m_session->areResultsStale();
    if (stale)
        m_staleNote->setText(m_session->staleNoteText());
    m_staleNote->setVisible(stale);
    const bool streamed = m_session->hasStreamResults();
    m_view->setVisible(!streamed);
    m_streamView->setVisible(streamed);
    m_progress->setFormat(progress.format.isEmpty() ? tr("%v of %m") : progress.format);
    updateButtons();
}

void BulkPage::setBatchDatabase(std::shared_ptr<DatabaseThread> database)
{
    if (m_streamItems) {
        m_streamView->setModel(nullptr);
        m_streamItems->deleteLater();
        m_streamItems = nullptr;
    }
    if (!database)
        return;
    m_streamItems = new BatchItemModel(std::move(database), this);
    m_streamItems->setObjectName(QStringLiteral("bulkStreamItems"));
    m_streamView->setModel(m_streamItems);
    m_streamView->setColumnWidth(BatchItemModel::PositionColumn, 60);
    m_streamView->setColumnWidth(BatchItemModel::InputColumn, 160);
    m_streamView->setColumnWidth(BatchItemModel::UsernameColumn, 130);
    m_streamView->setColumnWidth(BatchItemModel::SubmittedColumn, 125);
    if (m_session->hasStreamResults())
        updateStreamView(true);
}

void BulkPage::updateStreamView(bool force)
{
    // The first page as soon as a piece is committed; after that at most once a second while
    // the file is read (each read counts the batch's items), and once more at the end.
    if (!m_streamItems || !m_session->hasStreamResults() || !m_session->streamProgress().recorded)
        return;
    const QString id = m_session->lastBatchId();
    if (m_streamItems->batchId() != id) {
        m_streamItems->setBatch(id);
        m_streamRefresh.start();
        return;
    }
    if (!force && m_streamRefresh.isValid() && m_streamRefresh.elapsed() < 1000 &&
        m_streamItems->rowCount() >= BatchItemModel::PageSize)
        return;
    m_streamItems->refresh();
    m_streamRefresh.start();
}

bool BulkPage::canSubmit() const
{
    // Enabled while the text is still being read, so Ctrl+Enter right after a paste works.
    const bool textToSubmit = m_session->isPreviewPending()
        ? m_editor->isInserting() || !m_editor->document()->isEmpty()
        : !m_session->previewParse().entries.isEmpty();
    const bool somethingToSubmit = textToSubmit || !m_session->streamFile().isEmpty();
    return !m_session->isBatchRunning() && !m_readOnly && somethingToSubmit;
}

void BulkPage::updateButtons()
{
    const bool running = m_session->isBatchRunning();
    const bool submittable = canSubmit();
    m_submitButton->setEnabled(submittable);
    if (submittable != m_canSubmit) {
        m_canSubmit = submittable;
        Q_EMIT canSubmitChanged(submittable);
    }
    m_cancelButton->setEnabled(running && !m_session->isCancelling());
    m_editor->setReadOnly(running || m_editor->isInserting());
    const BulkResultModel *model = m_session->model();
    const bool streamed = m_session->hasStreamResults();
    const bool hasRows = streamed ? m_session->streamProgress().recorded : model->rowCount() > 0;
    m_exportButton->setEnabled(hasRows && !running && !m_session->isExporting());
    // A streamed file's lines are not in memory: its invalid inputs are in the batch (Follow in
    // Batches, or Export CSV), and its items are filtered by state on the batch's page.
    m_copyInvalidButton->setEnabled(hasRows && !streamed);
    m_outcomeFilter->setEnabled(!streamed);
    m_retryButton->setEnabled(!running && !m_readOnly && m_session->errorCount() > 0);
}

void BulkPage::submit()
{
    updateBatchNamePlaceholder();
    m_session->submit(m_sourceCombo->source(), m_batchName->text());
}

void BulkPage::updateBatchNamePlaceholder()
{
    m_batchName->setPlaceholderText(Batches::defaultName(
        m_sourceCombo->source(), QStringLiteral("window"), QDateTime::currentDateTime()));
}

void BulkPage::cancel()
{
    m_session->cancel();
}

void BulkPage::retryErrors()
{
    m_session->retryErrors(m_sourceCombo->source());
}

void BulkPage::clear()
{
    if (m_session->isBatchRunning())
        return;
    m_session->setFormat(BulkParser::Format::Auto);
    if (!m_session->streamFile().isEmpty())
        m_session->setStreamFile(QString());
    m_editor->clearText();
    m_session->resetStatus();
}

void BulkPage::focusInput()
{
    m_editor->setFocus();
}

void BulkPage::addRecentSource(const QString &source)
{
    m_sourceCombo->addRecent(source);
}

QByteArray BulkPage::splitterState() const
{
    return m_splitter->saveState();
}

void BulkPage::restoreSplitterState(const QByteArray &state)
{
    m_splitter->restoreState(state);
}

bool BulkPage::importFile(const QString &path)
{
    if (m_session->isBatchRunning())
        return false;
    // Reading the database's own files would release its locks (SqliteFileGuard).
    if (SqliteFileGuard::isDatabaseFile(path)) {
        m_session->setStatusText(SqliteFileGuard::refusedFileMessage(path));
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        m_session->setStatusText(tr("Cannot open %1: %2").arg(path, file.errorString()));
        return false;
    }
    if (m_session->shouldStream(file.size())) {
        // Too big for the editor (and a row per line): Submit all reads it piece by piece.
        // Its encoding is found again from the same head when it is read (BulkChunkReader).
        const TextEncoding::Encoding encoding =
            TextEncoding::detect(file.read(TextEncoding::HeadBytes), false);
        file.close();
        Q_EMIT activationRequested();
        m_editor->clearText();
        m_session->setStreamFile(path, BulkParser::formatForFileName(path));
        QString status =
            tr("Chose %1 (%2). It is read and submitted piece by piece, in "
               "constant memory: every line becomes an item of the batch.")
                .arg(QFileInfo(path).fileName(), QLocale().formattedDataSize(file.size()));
        if (encoding != TextEncoding::Encoding::Utf8)
            status += QLatin1Char(' ') + tr("Read as %1.").arg(TextEncoding::name(encoding));
        m_session->setStatusText(status);
        return true;
    }
    if (!m_session->streamFile().isEmpty())
        m_session->setStreamFile(QString()); // this file is text: Submit all sends the text
    TextEncoding::Encoding encoding = TextEncoding::Encoding::Utf8;
    const QString text = TextEncoding::decode(file.readAll(), &encoding);
    m_session->setFormat(BulkParser::formatForFileName(path));
    Q_EMIT activationRequested();
    m_editor->setBulkText(text);
    const QString fileName = QFileInfo(path).fileName();
    m_session->setStatusText(encoding == TextEncoding::Encoding::Utf8
            ? tr("Imported %1.").arg(fileName)
            : tr("Imported %1 (read as %2).").arg(fileName, TextEncoding::name(encoding)));
    return true;
}

void BulkPage::importWithDialog()
{
    const QString file = FileDialog::openFileName(this, tr("Import usernames"), QString(),
        tr("Text and CSV files (*.txt *.csv);;All files (*)"));
    if (!file.isEmpty() && confirmReplaceText(file))
        importFile(file);
}

void BulkPage::exportWithDialog()
{
    if (!m_exportButton->isEnabled())
        return;
    const QString file =
        FileDialog::saveFileName(this, tr("Export results"), QString(), tr("CSV files (*.csv)"));
    if (!file.isEmpty())
        exportCsv(file);
}

void BulkPage::exportCsv(const QString &path)
{
    // What the table shows: with a filter on, only its rows.
    m_session->exportCsv(path, m_proxy->stateFilter(), m_outcomeFilter->currentText());
}

void BulkPage::copyInvalid()
{
    if (m_session->hasStreamResults())
        return; // not in memory: the batch's page and its export have them
    const QString text = m_session->model()->invalidInputs();
    QApplication::clipboard()->setText(text);
    const int n = text.isEmpty() ? 0 : int(text.count(QLatin1Char('\n')) + 1);
    m_session->setStatusText(
        tr("Invalid inputs copied to the clipboard: %1.").arg(QLocale().toString(n)));
}

bool BulkPage::confirmReplaceText(const QString &path)
{
    if (m_editor->document()->isEmpty())
        return true;
    return MessageBox::confirm(this,
        { QStringLiteral("replaceTextBox"), tr("Replace the text?"),
            tr("Replace the text in the editor with %1?").arg(QFileInfo(path).fileName()),
            tr("The text now in the editor is replaced; Undo cannot bring it back."),
            tr("Replace") });
}

bool BulkPage::confirmSubmitAgain()
{
    return MessageBox::confirm(this,
        { QStringLiteral("submitAgainBox"), tr("Submit the same text again?"),
            tr("This text was already submitted at %1: %2.")
                .arg(QLocale().toString(m_session->resultsTime().time(), QLocale::ShortFormat),
                    m_session->summaryText()),
            tr("Submitting it again requests every valid username once more: most come back as "
               "“Already queued”, and the new results replace these. To send only the rows that "
               "failed, use Retry errors."),
            tr("Submit again") });
}

} // namespace ViralSpot::Ui
