#include "mainwindow.h"

#include "bulkeditor.h"
#include "bulkresultmodel.h"
#include "csvwriter.h"
#include "databasesettingsdialog.h"
#include "elidinglabel.h"
#include "filedialog.h"
#include "historymodel.h"
#include "repairdialog.h"
#include "requestworker.h"
#include "secretstore.h"
#include "sqlitefileguard.h"
#include "uilogging.h"
#include "username.h"
#include "version.h"

#ifdef VIRALSPOT_HAS_HTTP
#include "endpointpanel.h"
#endif
#ifdef VIRALSPOT_HAS_QUEUE_UI
#include "queuetabs.h"
#endif

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QFrame>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QStringDecoder>
#include <QTableView>
#include <QTabWidget>
#include <QtConcurrent/QtConcurrentRun>
#include <QTextCursor>
#include <QTextDocument>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

namespace ViralSpot::Ui {

namespace {

// The sources staff pick most; any other valid source can be typed.
const QStringList CommonSources = { QStringLiteral("frontend"), QStringLiteral("admin"),
    QStringLiteral("manual"), QStringLiteral("import"), QStringLiteral("campaign") };

constexpr int ParseDebounceMs = 150;

QString formatDuration(qint64 ms)
{
    const qint64 s = (ms + 999) / 1000;
    if (s < 60)
        return MainWindow::tr("%n s", nullptr, int(s));
    return MainWindow::tr("%1 min %2 s").arg(s / 60).arg(s % 60);
}

void setLabelColor(QLabel *label, const QColor &color)
{
    QPalette pal = label->palette();
    pal.setColor(QPalette::WindowText, color);
    label->setPalette(pal);
}

} // namespace

MainWindow::MainWindow(const MainWindowOptions &options, QWidget *parent)
    : QMainWindow(parent)
    , m_options(options)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral(VIRALSPOT_DISPLAY_NAME));

    m_hooks.exec = [](QDialog &dialog) { return dialog.exec(); };
    // Never QFileDialog's static functions: see FileDialog.
    m_hooks.fileName = [](QWidget *p, const QString &caption, const QString &filter, bool save) {
        return save ? FileDialog::saveFileName(p, caption, QString(), filter)
                    : FileDialog::openFileName(p, caption, QString(), filter);
    };

    m_secrets = new SecretStore(this);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(8, 8, 8, 4);

    m_banner = new QFrame(central);
    m_banner->setObjectName(QStringLiteral("connectionBanner"));
    m_banner->setAutoFillBackground(true);
    {
        QPalette pal = m_banner->palette();
        pal.setColor(QPalette::Window, QColor(0xc6, 0x28, 0x28));
        pal.setColor(QPalette::WindowText, Qt::white);
        pal.setColor(QPalette::ButtonText, Qt::black);
        m_banner->setPalette(pal);
    }
    m_bannerLabel = new QLabel(m_banner);
    m_bannerLabel->setObjectName(QStringLiteral("bannerLabel"));
    m_bannerLabel->setWordWrap(true);
    m_bannerRetryButton = new QPushButton(tr("Try &now"), m_banner);
    m_bannerRetryButton->setObjectName(QStringLiteral("retryButton"));
    connect(m_bannerRetryButton, &QPushButton::clicked, this, [this] {
        QMetaObject::invokeMethod(m_worker, &RequestWorker::ping, Qt::QueuedConnection);
    });
    // Offered while the queue holds duplicate active rows (see onRepairRequiredChanged()).
    m_repairButton = new QPushButton(tr("&Repair…"), m_banner);
    m_repairButton->setObjectName(QStringLiteral("repairButton"));
    m_repairButton->hide();
    connect(m_repairButton, &QPushButton::clicked, this, &MainWindow::openRepairDialog);
    auto *bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->setContentsMargins(10, 6, 10, 6);
    bannerLayout->addWidget(m_bannerLabel, 1);
    bannerLayout->addWidget(m_repairButton);
    bannerLayout->addWidget(m_bannerRetryButton);
    m_banner->hide();
    layout->addWidget(m_banner);

    m_tabs = new QTabWidget(central);
    m_tabs->setObjectName(QStringLiteral("tabs"));
    auto *single = new QWidget(m_tabs);
    single->setObjectName(QStringLiteral("singleTab"));
    buildSingleTab(single);
    m_tabs->addTab(single, tr("&Single request"));
    auto *bulk = new QWidget(m_tabs);
    bulk->setObjectName(QStringLiteral("bulkTab"));
    buildBulkTab(bulk);
    m_tabs->addTab(bulk, tr("&Bulk"));
#ifdef VIRALSPOT_HAS_HTTP
    m_endpointPanel = new EndpointPanel(&m_settings, m_secrets, m_tabs);
    m_endpointPanel->setObjectName(QStringLiteral("endpointTab"));
    m_tabs->addTab(m_endpointPanel, tr("&Endpoint"));
#endif
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    buildActions();
    buildStatusBar();
    restoreSettings();
    startWorker();

    if (!m_options.databaseUrl.isEmpty()) {
        QString error;
        const DatabaseConfig config = DatabaseConfig::fromUrl(m_options.databaseUrl, &error);
        if (error.isEmpty() && config.isValid()) {
            loadDatabaseConfig(config);
        } else {
            setStatusMessage(tr("Cannot use --database: %1").arg(error));
            loadDatabaseConfig(m_settings.databaseConfig());
        }
    } else {
        loadDatabaseConfig(m_settings.databaseConfig());
    }
    updateBulkButtons();
    updateUsernamePreview();
}

MainWindow::~MainWindow()
{
    saveSettings();
    stopWorker();
    m_parseWatcher.waitForFinished();
    m_exportWatcher.waitForFinished();
}

void MainWindow::setDialogHooks(DialogHooks hooks)
{
    if (hooks.exec)
        m_hooks.exec = std::move(hooks.exec);
    if (hooks.fileName)
        m_hooks.fileName = std::move(hooks.fileName);
}

// ---- construction --------------------------------------------------------------------------

void MainWindow::buildSingleTab(QWidget *page)
{
    auto *form = new QGroupBox(tr("Request processing of a profile"), page);
    form->setObjectName(QStringLiteral("singleForm"));

    m_usernameEdit = new QLineEdit(form);
    m_usernameEdit->setObjectName(QStringLiteral("usernameEdit"));
    m_usernameEdit->setPlaceholderText(tr("name, @name or https://www.instagram.com/name/"));
    m_usernameEdit->setClearButtonEnabled(true);
    // Eliding labels: what the user typed must not set the window's minimum width.
    m_normalizedLabel = new ElidingLabel(form);
    m_normalizedLabel->setObjectName(QStringLiteral("normalizedLabel"));
    m_normalizedLabel->setElideMode(Qt::ElideRight);

    m_sourceCombo = new QComboBox(form);
    m_sourceCombo->setObjectName(QStringLiteral("sourceCombo"));
    m_sourceCombo->setEditable(true);
    m_sourceCombo->setInsertPolicy(QComboBox::NoInsert);
    m_sourceCombo->setMinimumContentsLength(16);
    fillSourceCombo(m_sourceCombo);

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
    grid->addWidget(new QLabel(tr("&Username:"), form), 0, 0);
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
    static_cast<QLabel *>(grid->itemAtPosition(0, 0)->widget())->setBuddy(m_usernameEdit);

    auto *historyBox = new QGroupBox(tr("This session"), page);
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

    auto *layout = new QVBoxLayout(page);
    layout->addWidget(form);
    layout->addWidget(historyBox, 1);

    connect(m_usernameEdit, &QLineEdit::textChanged, this, &MainWindow::updateUsernamePreview);
    connect(m_usernameEdit, &QLineEdit::returnPressed, this, &MainWindow::submitSingle);
    connect(
        m_sourceCombo, &QComboBox::currentTextChanged, this, &MainWindow::updateUsernamePreview);
    connect(m_sourceCombo->lineEdit(), &QLineEdit::returnPressed, this, &MainWindow::submitSingle);
    connect(m_requestButton, &QPushButton::clicked, this, &MainWindow::submitSingle);
    connect(copyHistory, &QPushButton::clicked, this,
        [this] { QApplication::clipboard()->setText(m_historyModel->toText()); });
    connect(clearHistory, &QPushButton::clicked, m_historyModel, &HistoryModel::clear);
}

void MainWindow::buildBulkTab(QWidget *page)
{
    m_bulkSplitter = new QSplitter(Qt::Horizontal, page);
    m_bulkSplitter->setObjectName(QStringLiteral("bulkSplitter"));
    m_bulkSplitter->setChildrenCollapsible(false);

    // Left: the text.
    auto *left = new QGroupBox(tr("Usernames"), m_bulkSplitter);
    m_bulkEditor = new BulkEditor(left);
    m_bulkEditor->setObjectName(QStringLiteral("bulkEditor"));
    m_bulkEditor->setPlaceholderText(
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
    leftLayout->addWidget(m_bulkEditor, 1);
    leftLayout->addLayout(leftButtons);

    // Right: the preview, then the outcomes.
    auto *right = new QGroupBox(tr("Preview and results"), m_bulkSplitter);
    m_bulkModel = new BulkResultModel(this);
    m_bulkProxy = new BulkFilterProxy(m_bulkModel, this);
    m_bulkProxy->setObjectName(QStringLiteral("bulkProxy"));
    m_bulkView = new QTableView(right);
    m_bulkView->setObjectName(QStringLiteral("bulkView"));
    m_bulkView->setModel(m_bulkProxy);
    m_bulkView->verticalHeader()->hide();
    m_bulkView->verticalHeader()->setDefaultSectionSize(m_bulkView->fontMetrics().height() + 6);
    m_bulkView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_bulkView->setAlternatingRowColors(true);
    m_bulkView->setWordWrap(false);
    m_bulkView->horizontalHeader()->setStretchLastSection(true);
    m_bulkView->setColumnWidth(BulkResultModel::LineColumn, 44);
    m_bulkView->setColumnWidth(BulkResultModel::InputColumn, 160);
    m_bulkView->setColumnWidth(BulkResultModel::UsernameColumn, 130);
    m_bulkView->setColumnWidth(BulkResultModel::CheckColumn, 150);
    m_bulkView->setColumnWidth(BulkResultModel::OutcomeColumn, 125);

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
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->addLayout(filterRow);
    rightLayout->addWidget(m_staleNote);
    rightLayout->addWidget(m_bulkView, 1);

    m_bulkSplitter->addWidget(left);
    m_bulkSplitter->addWidget(right);
    m_bulkSplitter->setStretchFactor(0, 1);
    m_bulkSplitter->setStretchFactor(1, 2);

    // Bottom: submit, progress, and what to do with the results.
    m_bulkSourceCombo = new QComboBox(page);
    m_bulkSourceCombo->setObjectName(QStringLiteral("bulkSourceCombo"));
    m_bulkSourceCombo->setEditable(true);
    m_bulkSourceCombo->setInsertPolicy(QComboBox::NoInsert);
    m_bulkSourceCombo->setMinimumContentsLength(12);
    fillSourceCombo(m_bulkSourceCombo);
    m_submitButton = new QPushButton(tr("Su&bmit all"), page);
    m_submitButton->setObjectName(QStringLiteral("submitButton"));
    m_submitButton->setToolTip(tr("Request every valid username (Ctrl+Enter)"));
    m_cancelButton = new QPushButton(tr("Cancel"), page);
    m_cancelButton->setObjectName(QStringLiteral("cancelButton"));
    m_cancelButton->setToolTip(tr("Stop after the current chunk; what was committed stays (Esc)"));
    m_retryButton = new QPushButton(tr("Retry &errors"), page);
    m_retryButton->setObjectName(QStringLiteral("retryErrorsButton"));
    m_retryButton->setToolTip(tr("Send the rows that failed because of the database again"));
    m_progress = new QProgressBar(page);
    m_progress->setObjectName(QStringLiteral("batchProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("%v of %m"));
    m_progress->setTextVisible(false); // no "0 of 1" before anything ran
    m_etaLabel = new QLabel(page);
    m_etaLabel->setObjectName(QStringLiteral("etaLabel"));
    m_etaLabel->setMinimumWidth(110);
    m_copyInvalidButton = new QPushButton(tr("Copy in&valid"), page);
    m_copyInvalidButton->setObjectName(QStringLiteral("copyInvalidButton"));
    m_copyInvalidButton->setToolTip(tr("Copy the invalid inputs, one per line, for fixing"));
    m_exportButton = new QPushButton(tr("E&xport CSV…"), page);
    m_exportButton->setObjectName(QStringLiteral("exportButton"));
    m_batchStatus = new QLabel(page);
    m_batchStatus->setObjectName(QStringLiteral("batchStatusLabel"));
    m_batchStatus->setWordWrap(true);
    m_batchStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *bottom = new QHBoxLayout;
    auto *sourceLabel = new QLabel(tr("Source:"), page);
    sourceLabel->setBuddy(m_bulkSourceCombo);
    bottom->addWidget(sourceLabel);
    bottom->addWidget(m_bulkSourceCombo);
    bottom->addWidget(m_submitButton);
    bottom->addWidget(m_progress, 1);
    bottom->addWidget(m_etaLabel);
    bottom->addWidget(m_cancelButton);
    bottom->addWidget(m_retryButton);
    bottom->addSpacing(12);
    bottom->addWidget(m_copyInvalidButton);
    bottom->addWidget(m_exportButton);

    auto *layout = new QVBoxLayout(page);
    layout->addWidget(m_bulkSplitter, 1);
    layout->addLayout(bottom);
    layout->addWidget(m_batchStatus);

    m_parseTimer = new QTimer(this);
    m_parseTimer->setSingleShot(true);
    m_parseTimer->setInterval(ParseDebounceMs);
    connect(m_parseTimer, &QTimer::timeout, this, &MainWindow::startParse);
    connect(m_bulkEditor, &QPlainTextEdit::textChanged, this, &MainWindow::scheduleParse);
    connect(m_bulkEditor, &BulkEditor::insertionFinished, this, &MainWindow::scheduleParse);
    connect(m_bulkEditor, &BulkEditor::insertionStarted, this, [this] {
        m_previewCounts->setText(tr("Inserting…"));
        updateBulkButtons();
    });
    connect(m_bulkEditor, &BulkEditor::filesDropped, this, [this](const QStringList &files) {
        if (!files.isEmpty() && confirmReplaceText(files.constFirst()))
            importFile(files.constFirst());
    });
    connect(m_bulkEditor, &BulkEditor::dropRefused, m_batchStatus, &QLabel::setText);
    connect(&m_parseWatcher, &QFutureWatcher<BulkParseResult>::finished, this,
        &MainWindow::onParseFinished);
    connect(importButton, &QPushButton::clicked, this, [this] {
        const QString file = m_hooks.fileName(this, tr("Import usernames"),
            tr("Text and CSV files (*.txt *.csv);;All files (*)"), false);
        if (!file.isEmpty() && confirmReplaceText(file))
            importFile(file);
    });
    connect(clearButton, &QPushButton::clicked, this, &MainWindow::clearBulk);
    connect(m_submitButton, &QPushButton::clicked, this, &MainWindow::submitBulk);
    connect(m_cancelButton, &QPushButton::clicked, this, &MainWindow::cancelBulk);
    connect(m_retryButton, &QPushButton::clicked, this, &MainWindow::retryErrors);
    connect(m_copyInvalidButton, &QPushButton::clicked, this, &MainWindow::copyInvalid);
    connect(m_exportButton, &QPushButton::clicked, this, [this] {
        const QString file =
            m_hooks.fileName(this, tr("Export results"), tr("CSV files (*.csv)"), true);
        if (!file.isEmpty())
            exportCsv(file);
    });
    connect(m_outcomeFilter, &QComboBox::currentIndexChanged, this, &MainWindow::updateFilter);
}

void MainWindow::buildActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *import = file->addAction(tr("&Import…"));
    import->setObjectName(QStringLiteral("importAction"));
    import->setShortcut(QKeySequence::Open);
    connect(import, &QAction::triggered, this, [this] {
        m_tabs->setCurrentIndex(BulkTab);
        const QString fileName = m_hooks.fileName(this, tr("Import usernames"),
            tr("Text and CSV files (*.txt *.csv);;All files (*)"), false);
        if (!fileName.isEmpty() && confirmReplaceText(fileName))
            importFile(fileName);
    });
    QAction *exportAction = file->addAction(tr("&Export results…"));
    exportAction->setObjectName(QStringLiteral("exportAction"));
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(exportAction, &QAction::triggered, m_exportButton, &QPushButton::click);
    file->addSeparator();
    QAction *database = file->addAction(tr("&Database…"));
    database->setObjectName(QStringLiteral("databaseAction"));
    database->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    connect(database, &QAction::triggered, this, &MainWindow::openDatabaseSettings);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *requests = menuBar()->addMenu(tr("&Requests"));
    QAction *single = requests->addAction(tr("&Single request"));
    single->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    connect(single, &QAction::triggered, this, [this] {
        m_tabs->setCurrentIndex(SingleTab);
        m_usernameEdit->setFocus();
        m_usernameEdit->selectAll();
    });
    QAction *bulk = requests->addAction(tr("&Bulk"));
    bulk->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    connect(bulk, &QAction::triggered, this, [this] {
        m_tabs->setCurrentIndex(BulkTab);
        m_bulkEditor->setFocus();
    });
#ifdef VIRALSPOT_HAS_HTTP
    QAction *endpoint = requests->addAction(tr("&Endpoint"));
    endpoint->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_3));
    connect(endpoint, &QAction::triggered, this, [this] { m_tabs->setCurrentIndex(EndpointTab); });
#endif
    requests->addSeparator();
    QAction *submit = requests->addAction(tr("Su&bmit all"));
    m_submitAction = submit;
    submit->setObjectName(QStringLiteral("submitAction"));
    submit->setShortcuts(
        { QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter) });
    connect(submit, &QAction::triggered, this, [this] {
        m_tabs->setCurrentIndex(BulkTab);
        submitBulk();
    });
    QAction *cancel = requests->addAction(tr("&Cancel batch"));
    cancel->setObjectName(QStringLiteral("cancelAction"));
    cancel->setShortcut(QKeySequence(Qt::Key_Escape));
    connect(cancel, &QAction::triggered, this, &MainWindow::cancelBulk);
    QAction *copyInvalid = requests->addAction(tr("Copy in&valid"));
    copyInvalid->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    connect(copyInvalid, &QAction::triggered, this, &MainWindow::copyInvalid);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About %1").arg(QStringLiteral(VIRALSPOT_DISPLAY_NAME)));
    about->setObjectName(QStringLiteral("aboutAction"));
    connect(about, &QAction::triggered, this, &MainWindow::showAbout);
    QAction *aboutQt = help->addAction(tr("About &Qt"));
    connect(aboutQt, &QAction::triggered, qApp, &QApplication::aboutQt);
}

void MainWindow::buildStatusBar()
{
    m_statusEngine = new QLabel(this);
    m_statusEngine->setObjectName(QStringLiteral("statusEngine"));
    m_statusWhere = new QLabel(this);
    m_statusWhere->setObjectName(QStringLiteral("statusWhere"));
    m_statusWhere->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_statusConnection = new QLabel(this);
    m_statusConnection->setObjectName(QStringLiteral("statusConnection"));
    statusBar()->addPermanentWidget(m_statusEngine);
    statusBar()->addPermanentWidget(m_statusWhere);
    statusBar()->addPermanentWidget(m_statusConnection);
    m_statusSecurity = new QLabel(this);
    m_statusSecurity->setObjectName(QStringLiteral("statusSecurity"));
    m_statusSecurity->hide();
    statusBar()->addPermanentWidget(m_statusSecurity);
    if (m_options.readOnly) {
        auto *ro = new QLabel(tr("Read-only"), this);
        ro->setObjectName(QStringLiteral("statusReadOnly"));
        statusBar()->addPermanentWidget(ro);
    }
    updateStatusBar();
}

void MainWindow::fillSourceCombo(QComboBox *combo)
{
    QStringList items = m_settings.recentSources();
    for (const QString &s : CommonSources) {
        if (!items.contains(s))
            items.append(s);
    }
    combo->clear();
    combo->addItems(items);
    combo->setCurrentText(m_settings.source());
}

void MainWindow::restoreSettings()
{
    const QByteArray geometry = m_settings.windowGeometry();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1080, 680);
    restoreState(m_settings.windowState());
    const QByteArray splitter = m_settings.splitterState();
    if (!splitter.isEmpty())
        m_bulkSplitter->restoreState(splitter);
    const int tab = m_settings.lastTab();
    if (tab >= 0 && tab < m_tabs->count())
        m_tabs->setCurrentIndex(tab);
    else
        m_restoreTab = tab; // a queue browser tab: created with the database configuration
}

void MainWindow::saveSettings()
{
    m_settings.setWindowGeometry(saveGeometry());
    m_settings.setWindowState(saveState());
    m_settings.setSplitterState(m_bulkSplitter->saveState());
    m_settings.setLastTab(m_tabs->currentIndex());
    m_settings.sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

// ---- the worker ----------------------------------------------------------------------------

void MainWindow::startWorker()
{
    m_workerThread = new DatabaseThread(DatabaseConfig(), QStringLiteral("viralspot-ui-db"), this);
    m_worker = new RequestWorker;
    m_worker->moveToThread(m_workerThread);
    connect(m_workerThread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &RequestWorker::requestFinished, this, &MainWindow::onSingleFinished);
    connect(m_worker, &RequestWorker::batchProgress, this, &MainWindow::onBatchProgress);
    connect(m_worker, &RequestWorker::batchFinished, this, &MainWindow::onBatchFinished);
    connect(m_worker, &RequestWorker::connectionChanged, this, &MainWindow::onConnectionChanged);
    connect(m_worker, &RequestWorker::repairRequiredChanged, this,
        &MainWindow::onRepairRequiredChanged);
    connect(m_worker, &RequestWorker::securityChanged, this, &MainWindow::showConnectionSecurity);
    m_workerThread->start();
    const int interval = m_settings.pingIntervalMs();
    RequestWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, interval] { worker->start(interval); }, Qt::QueuedConnection);
}

void MainWindow::stopWorker()
{
    if (!m_workerThread)
        return;
    if (m_batchCancel)
        m_batchCancel->store(true); // the batch stops after its current chunk
    RequestWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker,
        [worker] {
            worker->shutdown();
            QThread::currentThread()->quit();
        },
        Qt::QueuedConnection);
    m_workerThread->wait();
    m_worker = nullptr;
    delete m_workerThread;
    m_workerThread = nullptr;
}

void MainWindow::loadDatabaseConfig(const DatabaseConfig &config)
{
    m_config = config;
    m_config.password.clear();
    updateStatusBar();
    const bool needsSecret =
        config.engine == DatabaseConfig::Engine::PostgreSQL && config.password.isEmpty();
    if (!needsSecret) {
        sendConfigToWorker(config);
        return;
    }
    // The password comes from the keychain (or this session); when there is none, libpq's
    // PGPASSWORD and ~/.pgpass still apply.
    const QString key =
        SecretStore::databaseKey(config.user, config.host, config.port, config.databaseName);
    auto *conn = new QMetaObject::Connection;
    *conn = connect(m_secrets, &SecretStore::readFinished, this,
        [this, key, config, conn](const QString &readKey, const QString &value, bool) {
            if (readKey != key)
                return;
            disconnect(*conn);
            delete conn;
            DatabaseConfig withSecret = config;
            withSecret.password = value;
            sendConfigToWorker(withSecret);
        });
    m_secrets->read(key);
}

void MainWindow::rebuildQueueTabs(const DatabaseConfig &config)
{
#ifdef VIRALSPOT_HAS_QUEUE_UI
    // The queue browser's widgets each own a worker and a connection for one database.
    const int current = m_tabs->currentIndex();
    const bool queueTabShown = m_queueTabs.contains(m_tabs->currentWidget());
    for (QWidget *tab : std::as_const(m_queueTabs)) {
        m_tabs->removeTab(m_tabs->indexOf(tab));
        tab->deleteLater();
    }
    m_queueTabs.clear();
    const QList<QPair<QString, QWidget *>> tabs =
        createQueueTabs(config, m_options.readOnly, m_tabs);
    for (const auto &tab : tabs) {
        m_tabs->addTab(tab.second, tab.first);
        m_queueTabs.append(tab.second);
    }
    if (queueTabShown && current < m_tabs->count())
        m_tabs->setCurrentIndex(current);
#else
    Q_UNUSED(config)
#endif
    if (m_restoreTab >= 0 && m_restoreTab < m_tabs->count())
        m_tabs->setCurrentIndex(m_restoreTab);
    m_restoreTab = -1;
}

void MainWindow::sendConfigToWorker(const DatabaseConfig &config)
{
    rebuildQueueTabs(config);
#ifdef VIRALSPOT_HAS_HTTP
    m_endpointPanel->setDatabaseConfig(config);
#endif
    m_connected = -1;
    m_connectionError.clear();
    showConnectionSecurity({}); // until the new connection says
    updateStatusBar();
    RequestWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, config] { worker->setConfig(config); }, Qt::QueuedConnection);
}

void MainWindow::setDatabaseConfig(const DatabaseConfig &config, bool persist)
{
    if (persist) {
        m_settings.setDatabaseConfig(config);
        m_settings.sync();
        if (config.engine == DatabaseConfig::Engine::PostgreSQL) {
            m_secrets->write(SecretStore::databaseKey(
                                 config.user, config.host, config.port, config.databaseName),
                config.password);
        }
    }
    m_config = config;
    m_config.password.clear();
    updateStatusBar();
    sendConfigToWorker(config);
}

void MainWindow::onConnectionChanged(bool connected, const QString &error)
{
    const int previous = m_connected;
    m_connected = connected ? 1 : 0;
    m_connectionError = error;
    if (connected) {
        showRepairBanner();
        if (previous == 0) {
            const int failed = m_bulkModel->count(Outcome::Error);
            setStatusMessage(failed > 0 ? tr("The database is back. Rows that failed: %1 — use "
                                             "“Retry errors” to send them again.")
                                              .arg(failed)
                                        : tr("The database is back. You can carry on."));
        }
    } else {
        m_bannerLabel->setText(
            tr("<b>The database is unavailable.</b> Nothing is being queued until it "
               "returns; requests made now get “error”. Checking again automatically… "
               "(%1)")
                .arg(error.toHtmlEscaped()));
        m_repairButton->hide();
        m_bannerRetryButton->show();
        m_banner->show();
    }
    updateStatusBar();
    updateBulkButtons();
    Q_EMIT connectionChanged(connected);
}

void MainWindow::onRepairRequiredChanged(bool required, const QString &message)
{
    m_repairMessage = required ? message : QString();
    if (m_connected == 1)
        showRepairBanner();
}

void MainWindow::showRepairBanner()
{
    if (m_repairMessage.isEmpty()) {
        m_banner->hide();
        return;
    }
    m_bannerLabel->setText(m_repairMessage.toHtmlEscaped());
    m_bannerRetryButton->hide();
    // Read-only mode writes nothing, a repair included; the message still says what to run.
    m_repairButton->setVisible(!m_options.readOnly);
    m_banner->show();
}

void MainWindow::openRepairDialog()
{
    RepairDialog dialog(this);
    connect(m_worker, &RequestWorker::repairPreviewReady, &dialog, &RepairDialog::setPreview);
    connect(m_worker, &RequestWorker::repairFinished, &dialog, &RepairDialog::setFinished);
    connect(&dialog, &RepairDialog::applyRequested, m_worker, &RequestWorker::applyRepair);
    QMetaObject::invokeMethod(m_worker, &RequestWorker::previewRepair, Qt::QueuedConnection);
    if (m_hooks.exec(dialog) == QDialog::Accepted) {
        setStatusMessage(tr("Repaired: %n duplicate rows marked FAILED. Requests work again.",
            nullptr, dialog.rowsMarkedFailed()));
    }
}

void MainWindow::updateStatusBar()
{
    m_statusEngine->setText(m_config.engineName());
    const QString where = m_config.engine == DatabaseConfig::Engine::SQLite
        ? QDir::toNativeSeparators(m_config.sqlitePath)
        : m_config.displayUrl();
    m_statusWhere->setText(where);
    m_statusWhere->setToolTip(where);
    QString text;
    QColor color;
    switch (m_connected) {
    case 1:
        text = tr("● Connected");
        color = outcomeColor(QStringLiteral("queued"));
        break;
    case 0:
        text = tr("● Unavailable");
        color = outcomeColor(QStringLiteral("error"));
        m_statusConnection->setToolTip(m_connectionError);
        break;
    default:
        text = tr("○ Connecting…");
        color = outcomeColor(QString());
        break;
    }
    m_statusConnection->setText(text);
    setLabelColor(m_statusConnection, color);
    if (m_connected != 1)
        m_statusSecurity->hide(); // shown again by the next connection's report
}

void MainWindow::showConnectionSecurity(const ConnectionSecurity &security)
{
    using Verification = ConnectionSecurity::Verification;
    m_statusSecurity->setVisible(security.known);
    if (!security.known)
        return;
    QString text;
    if (!security.encrypted)
        text = tr("Not encrypted");
    else if (security.verification == Verification::HostAndChain)
        text = tr("TLS: encrypted, verified");
    else if (security.verification == Verification::CertificateChain)
        text = tr("TLS: encrypted, certificate verified (host name not checked)");
    else
        text = tr("TLS: encrypted, not verified");
    m_statusSecurity->setText(text);
    m_statusSecurity->setToolTip(
        tr("sslmode=%1 %2 %3").arg(security.sslMode, security.protocol, security.cipher).trimmed());
    setLabelColor(m_statusSecurity,
        outcomeColor(security.encrypted && security.verification == Verification::HostAndChain
                ? QStringLiteral("queued")
                : QString()));
}

void MainWindow::setStatusMessage(const QString &text)
{
    statusBar()->showMessage(text, 10000);
}

// ---- single request ------------------------------------------------------------------------

QString MainWindow::currentSource(QComboBox *combo) const
{
    const QString s = combo->currentText().trimmed();
    return s.isEmpty() ? Username::DefaultSource.toString() : s;
}

void MainWindow::rememberSource(const QString &source)
{
    if (!Username::sourceError(source).isEmpty() || source == m_settings.source())
        return;
    m_settings.setSource(source);
    for (QComboBox *combo : { m_sourceCombo, m_bulkSourceCombo }) {
        if (combo->findText(source) < 0)
            combo->insertItem(0, source);
    }
}

void MainWindow::updateUsernamePreview()
{
    const QString text = m_usernameEdit->text();
    if (!m_outcomeInput.isNull() && text != m_outcomeInput) {
        // A new name is being typed: the last outcome would stand beside its preview or error.
        m_outcomeInput = QString();
        m_outcomeLabel->setFullText(QString());
        m_outcomeDetail->clear();
    }
    const QString sourceError = Username::sourceError(currentSource(m_sourceCombo));
    if (text.trimmed().isEmpty()) {
        m_normalizedLabel->setFullText(
            sourceError.isEmpty() ? QString() : tr("Source: %1").arg(sourceError));
        setLabelColor(m_normalizedLabel, outcomeColor(QStringLiteral("invalid")));
        m_requestButton->setEnabled(false);
        return;
    }
    const Username::Parsed parsed = Username::normalize(text);
    if (!parsed.isValid()) {
        m_normalizedLabel->setFullText(parsed.error);
        setLabelColor(m_normalizedLabel, outcomeColor(QStringLiteral("invalid")));
    } else if (!sourceError.isEmpty()) {
        m_normalizedLabel->setFullText(tr("Source: %1").arg(sourceError));
        setLabelColor(m_normalizedLabel, outcomeColor(QStringLiteral("invalid")));
    } else {
        m_normalizedLabel->setFullText(tr("→ %1").arg(parsed.username));
        setLabelColor(m_normalizedLabel, palette().color(QPalette::PlaceholderText));
    }
    // Invalid input may still be sent: the outcome "invalid" with its reason is the answer.
    m_requestButton->setEnabled(!m_options.readOnly);
}

void MainWindow::submitSingle()
{
    if (m_options.readOnly || m_usernameEdit->text().trimmed().isEmpty())
        return;
    const QString input = m_usernameEdit->text();
    const QString source = currentSource(m_sourceCombo);
    const quint64 id = m_nextId++;
    ++m_singlePending;
    m_outcomeInput = input;
    m_outcomeLabel->setFullText(tr("Requesting…"));
    setLabelColor(m_outcomeLabel, palette().color(QPalette::WindowText));
    m_outcomeDetail->clear();
    RequestWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, id, input, source] { worker->request(id, input, source); },
        Qt::QueuedConnection);
    rememberSource(source);
    m_usernameEdit->selectAll(); // typing the next name replaces this one
}

void MainWindow::onSingleFinished(quint64 id, const RequestResult &result)
{
    Q_UNUSED(id)
    --m_singlePending;
    const QString name = result.username.isEmpty() ? result.input.trimmed() : result.username;
    if (m_outcomeInput.isNull())
        m_outcomeInput = result.input; // typed over while it ran: the next key clears it
    m_outcomeLabel->setFullText(tr("%1: %2").arg(outcomeLabel(result.outcome), name));
    setLabelColor(m_outcomeLabel, outcomeColor(outcomeName(result.outcome)));
    m_outcomeDetail->setText(result.message);
    m_historyModel->add(result, QDateTime::currentDateTime());
    m_historyView->scrollToTop();
    Q_EMIT singleRequestFinished(result);
}

// ---- bulk ----------------------------------------------------------------------------------

bool MainWindow::isPreviewPending() const
{
    return m_bulkEditor->isInserting() || m_parseTimer->isActive() || m_parseWatcher.isRunning() ||
        m_parsedGeneration != m_textGeneration;
}

void MainWindow::scheduleParse()
{
    ++m_textGeneration;
    if (!isBatchRunning() && m_bulkModel->hasResults() && !m_resultsStale) {
        // The results stay until the next Submit all, marked as those of the earlier text at
        // once; the parse then compares the texts (an undo can make them equal again).
        m_resultsStale = true;
        updateStaleNote();
    }
    updateBulkButtons();
    if (m_bulkEditor->isInserting())
        return; // insertionFinished() schedules the parse
    m_parseTimer->start();
}

void MainWindow::startParse()
{
    if (m_bulkEditor->isInserting())
        return;
    if (m_parseWatcher.isRunning()) {
        m_parseTimer->start(); // parse again once the running one is done
        return;
    }
    m_parsingGeneration = m_textGeneration;
    QElapsedTimer clock;
    clock.start();
    const QString text = m_bulkEditor->toPlainText();
    qCDebug(lcUi) << "read the text in" << clock.elapsed() << "ms";
    const BulkParser::Format format = m_bulkFormat;
    m_parsingText = text; // implicitly shared: kept to tell whether results still match it
    m_parsingFormat = format;
    m_previewCounts->setText(tr("Reading…"));
    m_parseWatcher.setFuture(
        QtConcurrent::run([text, format] { return BulkParser::parse(text, format); }));
}

void MainWindow::onParseFinished()
{
    if (m_parsingGeneration != m_textGeneration) {
        if (!m_parseTimer->isActive())
            m_parseTimer->start();
        return; // stale: the text changed meanwhile
    }
    m_previewParse = m_parseWatcher.result();
    m_previewText = m_parsingText;
    m_previewFormat = m_parsingFormat;
    m_parsingText = QString();
    m_parsedGeneration = m_parsingGeneration;
    if (m_bulkModel->hasResults() || isBatchRunning()) {
        // The table keeps the results of the submitted text; the counts describe the new one.
        m_resultsStale = m_previewText != m_resultsText || m_previewFormat != m_resultsFormat;
    } else {
        QElapsedTimer clock;
        clock.start();
        m_bulkModel->setParseResult(m_previewParse);
        qCDebug(lcUi) << "preview model reset in" << clock.elapsed() << "ms";
    }
    updatePreviewCounts();
    updateSummary();
    updateStaleNote();
    updateBulkButtons();
    Q_EMIT previewUpdated();
    if (m_submitAfterParse) {
        m_submitAfterParse = false;
        startBatch();
    }
}

void MainWindow::updatePreviewCounts()
{
    const BulkParseResult &p = m_previewParse;
    if (p.entries.isEmpty()) {
        m_previewCounts->setText(tr("Nothing to submit yet."));
        return;
    }
    QString text = tr("Inputs: %1 · valid: %2 · invalid: %3 · duplicates: %4")
                       .arg(p.entries.size())
                       .arg(p.valid)
                       .arg(p.invalid)
                       .arg(p.duplicates);
    if (p.csv)
        text += QStringLiteral(" · ") + tr("CSV, column %1").arg(p.csvColumn + 1);
    m_previewCounts->setText(text);
}

void MainWindow::updateSummary()
{
    m_summaryLabel->setText(summaryText());
}

QString MainWindow::summaryText() const
{
    if (!m_bulkModel->hasResults())
        return QString();
    QStringList parts;
    auto add = [&](Outcome o) {
        const int n = m_bulkModel->count(o);
        if (n > 0 || o != Outcome::Cancelled)
            parts.append(QStringLiteral("%1 %2").arg(outcomeLabel(o).toLower()).arg(n));
    };
    add(Outcome::Queued);
    add(Outcome::AlreadyProcessed);
    add(Outcome::AlreadyQueued);
    add(Outcome::Invalid);
    add(Outcome::DuplicateInBatch);
    add(Outcome::Error);
    add(Outcome::Cancelled);
    return parts.join(QStringLiteral(" · "));
}

void MainWindow::updateStaleNote()
{
    const bool stale = m_resultsStale && m_bulkModel->hasResults();
    if (stale) {
        m_staleNote->setText(
            tr("These results are for the text submitted at %1, not for the text as it is now. "
               "They stay until you submit again: Submit all sends the current text.")
                .arg(QLocale().toString(m_resultsTime.time(), QLocale::ShortFormat)));
    }
    m_staleNote->setVisible(stale);
}

bool MainWindow::areResultsStale() const
{
    return m_resultsStale && m_bulkModel->hasResults();
}

bool MainWindow::confirmReplaceText(const QString &path)
{
    if (m_bulkEditor->document()->isEmpty())
        return true;
    QMessageBox box(this);
    box.setObjectName(QStringLiteral("replaceTextBox"));
    box.setIcon(QMessageBox::Question);
    box.setWindowTitle(tr("Replace the text?"));
    box.setText(tr("Replace the text in the editor with %1?").arg(QFileInfo(path).fileName()));
    box.setInformativeText(
        tr("The text now in the editor is replaced; Undo cannot bring it back."));
    box.setStandardButtons(QMessageBox::Yes | QMessageBox::Cancel);
    box.button(QMessageBox::Yes)->setText(tr("Replace"));
    box.setDefaultButton(QMessageBox::Cancel);
    return m_hooks.exec(box) == QMessageBox::Yes;
}

bool MainWindow::confirmSubmitAgain()
{
    QMessageBox box(this);
    box.setObjectName(QStringLiteral("submitAgainBox"));
    box.setIcon(QMessageBox::Question);
    box.setWindowTitle(tr("Submit the same text again?"));
    box.setText(
        tr("This text was already submitted at %1: %2.")
            .arg(QLocale().toString(m_resultsTime.time(), QLocale::ShortFormat), summaryText()));
    box.setInformativeText(
        tr("Submitting it again requests every valid username once more: most come back as "
           "“Already queued”, and the new results replace these. To send only the rows that "
           "failed, use Retry errors."));
    box.setStandardButtons(QMessageBox::Yes | QMessageBox::Cancel);
    box.button(QMessageBox::Yes)->setText(tr("Submit again"));
    box.setDefaultButton(QMessageBox::Cancel);
    return m_hooks.exec(box) == QMessageBox::Yes;
}

void MainWindow::updateFilter()
{
    m_bulkProxy->setStateFilter(m_outcomeFilter->currentData().toString());
}

void MainWindow::updateBulkButtons()
{
    const bool running = isBatchRunning();
    // Enabled while the text is still being read, so Ctrl+Enter right after a paste works.
    const bool somethingToSubmit = isPreviewPending()
        ? m_bulkEditor->isInserting() || !m_bulkEditor->document()->isEmpty()
        : !m_previewParse.entries.isEmpty();
    const bool canSubmit = !running && !m_options.readOnly && somethingToSubmit;
    m_submitButton->setEnabled(canSubmit);
    if (m_submitAction)
        m_submitAction->setEnabled(canSubmit);
    m_cancelButton->setEnabled(running);
    m_bulkEditor->setReadOnly(running || m_bulkEditor->isInserting());
    const bool hasRows = m_bulkModel->rowCount() > 0;
    m_exportButton->setEnabled(hasRows && !running);
    m_copyInvalidButton->setEnabled(hasRows);
    m_retryButton->setEnabled(
        !running && !m_options.readOnly && m_bulkModel->count(Outcome::Error) > 0);
}

void MainWindow::submitBulk()
{
    if (isBatchRunning() || m_options.readOnly)
        return;
    if (isPreviewPending()) {
        // Submit what the user sees: finish reading the text first.
        m_submitAfterParse = true;
        if (!m_bulkEditor->isInserting() && !m_parseWatcher.isRunning()) {
            m_parseTimer->stop();
            startParse();
        }
        m_batchStatus->setText(tr("Reading the text…"));
        return;
    }
    startBatch();
}

void MainWindow::startBatch()
{
    const BulkParseResult parsed = m_previewParse; // implicitly shared: no deep copy
    if (parsed.entries.isEmpty()) {
        m_batchStatus->setText(tr("Nothing to submit: paste some usernames first."));
        return;
    }
    const QString source = currentSource(m_bulkSourceCombo);
    if (const QString error = Username::sourceError(source); !error.isEmpty()) {
        m_batchStatus->setText(tr("The source is not valid: %1").arg(error));
        return;
    }
    if (m_bulkModel->hasResults() && !m_resultsStale && !confirmSubmitAgain()) {
        m_batchStatus->setText(
            tr("Not submitted again: the results shown are still those of the run at %1.")
                .arg(QLocale().toString(m_resultsTime.time(), QLocale::ShortFormat)));
        return;
    }
    rememberSource(source);
    // The new run replaces the results: the table shows this text from now on (a reset of
    // 100,000 rows is skipped when the table already shows its preview).
    if (m_bulkModel->hasResults() ||
        m_bulkModel->parseResult().entries.constData() != parsed.entries.constData())
        m_bulkModel->setParseResult(parsed);
    m_resultsText = m_previewText;
    m_resultsFormat = m_previewFormat;
    m_resultsTime = QDateTime::currentDateTime();
    m_resultsStale = false;
    updateSummary();
    updateStaleNote();
    m_progress->setTextVisible(true);
    m_batchCancel = std::make_shared<std::atomic_bool>(false);
    m_batchId = m_nextId++;
    const int total = parsed.entries.size();
    m_progress->setRange(0, qMax(1, total));
    m_progress->setValue(0);
    m_etaLabel->setText(tr("Starting…"));
    m_batchStatus->setText(tr("Submitting the batch (inputs: %1)…").arg(total));
    m_batchTimer.start();
    updateBulkButtons();
    qCInfo(lcUi) << "submitting a batch of" << total << "inputs";

    RequestWorker *worker = m_worker;
    const quint64 id = m_batchId;
    const int chunk = m_settings.batchChunkSize();
    const std::shared_ptr<std::atomic_bool> cancel = m_batchCancel;
    const BulkParseResult copy = parsed;
    QMetaObject::invokeMethod(
        m_worker,
        [worker, id, copy, source, chunk, cancel] {
            worker->submitBatch(id, copy, source, chunk, cancel);
        },
        Qt::QueuedConnection);
}

void MainWindow::cancelBulk()
{
    if (!m_batchCancel || m_batchCancel->load())
        return;
    m_batchCancel->store(true);
    m_cancelButton->setEnabled(false);
    m_etaLabel->setText(tr("Cancelling…"));
    m_batchStatus->setText(tr("Cancelling: the chunk in progress finishes, the rest is not sent."));
}

void MainWindow::retryErrors()
{
    if (isBatchRunning() || m_options.readOnly || m_bulkModel->count(Outcome::Error) == 0)
        return;
    QList<RequestItem> items;
    m_retryRows.clear();
    const QList<RequestResult> &results = m_bulkModel->results();
    const QString fallbackSource = currentSource(m_bulkSourceCombo);
    for (qsizetype row = 0; row < results.size(); ++row) {
        const RequestResult &r = results.at(row);
        if (r.outcome != Outcome::Error || r.username.isEmpty())
            continue;
        items.append(RequestItem { r.username, r.source.isEmpty() ? fallbackSource : r.source });
        m_retryRows.append(int(row));
    }
    if (items.isEmpty())
        return;
    m_batchCancel = std::make_shared<std::atomic_bool>(false);
    m_batchId = m_nextId++;
    m_progress->setRange(0, items.size());
    m_progress->setValue(0);
    m_progress->setTextVisible(true);
    m_etaLabel->setText(tr("Starting…"));
    m_batchStatus->setText(tr("Retrying the rows that failed (%1)…").arg(items.size()));
    m_batchTimer.start();
    updateBulkButtons();
    RequestWorker *worker = m_worker;
    const quint64 id = m_batchId;
    const int chunk = m_settings.batchChunkSize();
    const std::shared_ptr<std::atomic_bool> cancel = m_batchCancel;
    QMetaObject::invokeMethod(
        m_worker,
        [worker, id, items, chunk, cancel] { worker->submitItems(id, items, chunk, cancel); },
        Qt::QueuedConnection);
}

void MainWindow::onBatchProgress(quint64 id, int done, int total)
{
    if (id != m_batchId)
        return;
    m_progress->setRange(0, qMax(1, total));
    m_progress->setValue(done);
    if (m_batchCancel && m_batchCancel->load())
        return;
    if (done > 0 && done < total) {
        const qint64 elapsed = m_batchTimer.elapsed();
        const qint64 eta = elapsed * (total - done) / done;
        m_etaLabel->setText(tr("about %1 left").arg(formatDuration(eta)));
    }
}

void MainWindow::onBatchFinished(
    quint64 id, const QList<RequestResult> &results, bool cancelled, qint64 elapsedMs)
{
    if (id != m_batchId)
        return;
    m_batchCancel.reset();
    QList<RequestResult> all = results;
    if (!m_retryRows.isEmpty()) {
        // A retry: its answers replace the failed rows, the other rows keep theirs.
        all = m_bulkModel->results();
        for (qsizetype i = 0; i < results.size() && i < m_retryRows.size(); ++i) {
            RequestResult r = results.at(i);
            const RequestResult &old = all.at(m_retryRows.at(i));
            r.input = old.input;
            r.line = old.line;
            all[m_retryRows.at(i)] = r;
        }
        m_retryRows.clear();
    }
    const BulkResultModel::Counts counts = BulkResultModel::countOutcomes(all);
    if (all.size() == m_bulkModel->rowCount()) {
        QElapsedTimer clock;
        clock.start();
        m_bulkModel->setResults(all, counts);
        qCDebug(lcUi) << "results model reset in" << clock.elapsed() << "ms";
    }
    const int total = all.size();
    const int notSent = counts[static_cast<int>(Outcome::Cancelled)];
    const int errors = counts[static_cast<int>(Outcome::Error)];
    const int queued = counts[static_cast<int>(Outcome::Queued)];
    m_progress->setRange(0, qMax(1, total));
    m_progress->setValue(total - notSent);
    m_etaLabel->setText(formatDuration(elapsedMs));
    if (cancelled && notSent > 0) {
        m_batchStatus->setText(
            tr("Cancelled. %1 of %2 inputs were handled before the cancel and are in the "
               "database (%3 newly queued); %4 were not sent — they are marked “Cancelled”.")
                .arg(total - notSent)
                .arg(total)
                .arg(queued)
                .arg(notSent));
    } else if (errors > 0) {
        m_batchStatus->setText(
            tr("Finished with errors: %1 input(s) could not be handled because the database "
               "failed; nothing was claimed for them. Submit again when it is back.")
                .arg(errors));
    } else {
        m_batchStatus->setText(
            tr("Done: %1 inputs in %2.").arg(total).arg(formatDuration(elapsedMs)));
    }
    qCInfo(lcUi) << "batch finished:" << total << "inputs," << queued << "queued," << errors
                 << "errors," << notSent << "cancelled in" << elapsedMs << "ms";
    updateSummary();
    updateBulkButtons();
    Q_EMIT batchFinished(cancelled);
}

QString MainWindow::batchStatusText() const
{
    return m_batchStatus->text();
}

void MainWindow::clearBulk()
{
    if (isBatchRunning())
        return;
    m_bulkFormat = BulkParser::Format::Auto;
    m_bulkEditor->clearText();
    if (!m_bulkModel->hasResults()) {
        m_batchStatus->clear();
        m_progress->setValue(0);
        m_progress->setTextVisible(false);
        m_etaLabel->clear();
    }
}

bool MainWindow::importFile(const QString &path)
{
    if (isBatchRunning())
        return false;
    // Reading the database's own files would release its locks (SqliteFileGuard).
    if (SqliteFileGuard::isDatabaseFile(path)) {
        m_batchStatus->setText(SqliteFileGuard::refusedFileMessage(path));
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        m_batchStatus->setText(tr("Cannot open %1: %2").arg(path, file.errorString()));
        return false;
    }
    QStringDecoder decoder(QStringDecoder::Utf8);
    QString text = decoder(file.readAll());
    if (decoder.hasError()) {
        m_batchStatus->setText(tr("%1 is not UTF-8 text.").arg(QFileInfo(path).fileName()));
        return false;
    }
    if (text.startsWith(QChar(0xfeff)))
        text.remove(0, 1);
    m_bulkFormat = BulkParser::formatForFileName(path);
    m_tabs->setCurrentIndex(BulkTab);
    m_bulkEditor->setBulkText(text);
    m_batchStatus->setText(tr("Imported %1.").arg(QFileInfo(path).fileName()));
    return true;
}

void MainWindow::exportCsv(const QString &chosenPath)
{
    if (m_exportWatcher.isRunning()) {
        Q_EMIT exportFinished(false, chosenPath);
        return;
    }
    // The database's own file chosen in the dialog is refused as chosen (with ".csv" added
    // it would be another file, which is not what the staff member picked).
    for (const QString &candidate : { chosenPath, Csv::exportPath(chosenPath, nullptr) }) {
        if (!candidate.isEmpty() && SqliteFileGuard::isDatabaseFile(candidate)) {
            m_batchStatus->setText(SqliteFileGuard::refusedFileMessage(candidate));
            Q_EMIT exportFinished(false, candidate);
            return;
        }
    }
    QString problem;
    const QString path = Csv::exportPath(chosenPath, &problem);
    if (path.isEmpty()) {
        m_batchStatus->setText(problem);
        Q_EMIT exportFinished(false, chosenPath);
        return;
    }
    const BulkParseResult parsed = m_bulkModel->parseResult(); // implicitly shared copies
    const QList<RequestResult> results = m_bulkModel->results();
    // What the table shows: with a filter on, only its rows.
    const QString state = m_bulkProxy->stateFilter();
    const int rows = m_bulkProxy->rowCount();
    const int all = m_bulkModel->rowCount();
    const QString shown = m_outcomeFilter->currentText();
    m_exportButton->setEnabled(false);
    m_batchStatus->setText(tr("Exporting…"));
    disconnect(&m_exportWatcher, nullptr, this, nullptr);
    connect(&m_exportWatcher, &QFutureWatcher<QString>::finished, this,
        [this, path, rows, all, state, shown] {
            const QString error = m_exportWatcher.result();
            const QString where = QDir::toNativeSeparators(path);
            if (!error.isEmpty())
                m_batchStatus->setText(tr("Cannot write %1: %2").arg(where, error));
            else if (state.isEmpty())
                m_batchStatus->setText(tr("Exported to %1 (rows: %2).").arg(where).arg(rows));
            else
                m_batchStatus->setText(tr("Exported the rows shown (%1): %2 of %3, to %4.")
                                           .arg(shown)
                                           .arg(rows)
                                           .arg(all)
                                           .arg(where));
            updateBulkButtons();
            Q_EMIT exportFinished(error.isEmpty(), path);
        });
    m_exportWatcher.setFuture(QtConcurrent::run([parsed, results, path, state]() -> QString {
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return file.errorString();
        file.write(BulkResultModel::toCsv(parsed, results, state).toUtf8());
        if (!file.commit())
            return file.errorString();
        return QString();
    }));
}

void MainWindow::copyInvalid()
{
    const QString text = m_bulkModel->invalidInputs();
    QApplication::clipboard()->setText(text);
    const int n = text.isEmpty() ? 0 : int(text.count(QLatin1Char('\n')) + 1);
    m_batchStatus->setText(tr("Invalid inputs copied to the clipboard: %1.").arg(n));
}

// ---- dialogs -------------------------------------------------------------------------------

void MainWindow::openDatabaseSettings()
{
    DatabaseSettingsDialog dialog(this);
    DatabaseConfig current = m_config;
    if (current.engine == DatabaseConfig::Engine::PostgreSQL)
        current.password = SecretStore::sessionValue(SecretStore::databaseKey(
            current.user, current.host, current.port, current.databaseName));
    dialog.setConfig(current);
    dialog.setPasswordStorageNote(m_secrets->backendDescription());
    if (m_hooks.exec(dialog) != QDialog::Accepted)
        return;
    const DatabaseConfig chosen = dialog.config();
    if (!chosen.isValid()) {
        setStatusMessage(tr("The database settings are incomplete; nothing changed."));
        return;
    }
    m_options.databaseUrl.clear(); // the user's choice now overrides --database
    setDatabaseConfig(chosen, true);
    setStatusMessage(tr("Database: %1").arg(chosen.displayUrl()));
}

void MainWindow::showAbout()
{
    QMessageBox box(this);
    box.setObjectName(QStringLiteral("aboutBox"));
    box.setWindowTitle(tr("About %1").arg(QStringLiteral(VIRALSPOT_DISPLAY_NAME)));
    box.setIconPixmap(windowIcon().pixmap(64, 64));
    box.setTextFormat(Qt::RichText);
    box.setText(tr("<h3>%1 %2</h3><p>Puts Instagram profiles on the ViralSpot scraping "
                   "queue, one at a time or by the hundred thousand.</p><p>Built with Qt %3.</p>")
                    .arg(QStringLiteral(VIRALSPOT_DISPLAY_NAME), QStringLiteral(VIRALSPOT_VERSION),
                        QString::fromLatin1(qVersion())));
    m_hooks.exec(box);
}

} // namespace ViralSpot::Ui
