#include "ui/databasesettingsdialog.h"

#include "core/database.h"
#include "ui/filedialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QSqlError>
#include <QSqlQuery>
#include <QStackedWidget>
#include <QtConcurrent/QtConcurrentRun>
#include <QVBoxLayout>

namespace ViralSpot::Ui {

namespace {

// Runs on a pool thread: its own service, its own connection, closed again at the end.
// Connects and runs "SELECT 1", nothing more: testing a database must not create the schema
// in it (that happens when the window starts using it).
Result runConnectionTest(const DatabaseConfig &config)
{
    const QString name = Database::threadConnectionName(QStringLiteral("settings-test"));
    Result tested = Result::success();
    {
        const ValueResult<QSqlDatabase> opened = Database::open(config, name);
        if (opened.ok) {
            QSqlQuery q(opened.value);
            if (!q.exec(QStringLiteral("SELECT 1")) || !q.next())
                tested = Result::failure(q.lastError().text());
        } else {
            tested = Result::failure(
                opened.error.isEmpty() ? QStringLiteral("unknown error") : opened.error);
        }
    }
    Database::close(name);
    return tested;
}

// The options the TLS fields show; the others pass through the dialog unchanged.
const QLatin1String SslModeOption("sslmode");
const QLatin1String SslRootCertOption("sslrootcert");

} // namespace

DatabaseSettingsDialog::DatabaseSettingsDialog(QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("databaseSettingsDialog"));
    setWindowTitle(tr("Database"));

    m_engine = new QComboBox(this);
    m_engine->setObjectName(QStringLiteral("engineCombo"));
    m_engine->addItem(tr("SQLite (a file on this computer)"), QStringLiteral("sqlite"));
    m_engine->addItem(tr("PostgreSQL (shared with the team)"), QStringLiteral("postgresql"));

    auto *sqlitePage = new QWidget(this);
    m_sqlitePath = new QLineEdit(sqlitePage);
    m_sqlitePath->setObjectName(QStringLiteral("sqlitePathEdit"));
    m_sqlitePath->setPlaceholderText(tr("Default: the application data folder"));
    auto *browse = new QPushButton(tr("Browse…"), sqlitePage);
    browse->setObjectName(QStringLiteral("browseSqliteButton"));
    connect(browse, &QPushButton::clicked, this, &DatabaseSettingsDialog::browseSqlite);
    auto *sqliteRow = new QHBoxLayout;
    sqliteRow->addWidget(m_sqlitePath, 1);
    sqliteRow->addWidget(browse);
    auto *sqliteForm = new QFormLayout(sqlitePage);
    sqliteForm->setContentsMargins(0, 0, 0, 0);
    // A layout row gets no buddy from addRow(): without one the '&' would show.
    auto *fileLabel = new QLabel(tr("&File:"), sqlitePage);
    fileLabel->setBuddy(m_sqlitePath);
    sqliteForm->addRow(fileLabel, sqliteRow);

    auto *pgPage = new QWidget(this);
    m_connectionString = new QLineEdit(pgPage);
    m_connectionString->setObjectName(QStringLiteral("connectionStringEdit"));
    m_connectionString->setPlaceholderText(tr("Paste postgresql://… or host=… port=…"));
    m_connectionString->setToolTip(
        tr("A connection string from your hosting provider (for Supabase: Connect → "
           "Connection string → URI), pasted whole, fills the fields below."));
    m_connectionStringNote = new QLabel(pgPage);
    m_connectionStringNote->setObjectName(QStringLiteral("connectionStringLabel"));
    m_connectionStringNote->setWordWrap(true);
    m_connectionStringNote->hide();
    m_host = new QLineEdit(pgPage);
    m_host->setObjectName(QStringLiteral("hostEdit"));
    m_port = new QSpinBox(pgPage);
    m_port->setObjectName(QStringLiteral("portSpin"));
    m_port->setRange(1, 65535);
    m_port->setValue(5432);
    m_database = new QLineEdit(pgPage);
    m_database->setObjectName(QStringLiteral("databaseEdit"));
    m_user = new QLineEdit(pgPage);
    m_user->setObjectName(QStringLiteral("userEdit"));
    m_password = new QLineEdit(pgPage);
    m_password->setObjectName(QStringLiteral("passwordEdit"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(tr("Empty: PGPASSWORD or ~/.pgpass"));
    m_passwordNote = new QLabel(pgPage);
    m_passwordNote->setObjectName(QStringLiteral("passwordStorageLabel"));
    m_passwordNote->setWordWrap(true);
    QFont small = m_passwordNote->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    m_passwordNote->setFont(small);
    m_sslMode = new QComboBox(pgPage);
    m_sslMode->setObjectName(QStringLiteral("sslModeCombo"));
    m_sslMode->addItem(tr("Default (PGSSLMODE, else prefer)"), QString());
    m_sslMode->addItem(tr("disable: no TLS"), QStringLiteral("disable"));
    m_sslMode->addItem(tr("allow: TLS only if the server insists"), QStringLiteral("allow"));
    m_sslMode->addItem(tr("prefer: TLS if the server offers it"), QStringLiteral("prefer"));
    m_sslMode->addItem(tr("require: TLS, server not verified"), QStringLiteral("require"));
    m_sslMode->addItem(tr("verify-ca: TLS, certificate signed by the root certificate"),
        QStringLiteral("verify-ca"));
    m_sslMode->addItem(
        tr("verify-full: TLS, certificate and host name verified"), QStringLiteral("verify-full"));
    m_sslMode->setToolTip(tr("libpq's sslmode. Hosted PostgreSQL (Supabase and others) wants "
                             "verify-full with the provider's root certificate."));
    m_sslRootCert = new QLineEdit(pgPage);
    m_sslRootCert->setObjectName(QStringLiteral("sslRootCertEdit"));
    m_sslRootCert->setPlaceholderText(tr("Default: ~/.postgresql/root.crt"));
    m_sslRootCert->setToolTip(tr("The certificate authority that signed the server's "
                                 "certificate (PEM), e.g. Supabase's prod-ca-2021.crt."));
    auto *browseCert = new QPushButton(tr("Br&owse…"), pgPage);
    browseCert->setObjectName(QStringLiteral("browseRootCertButton"));
    connect(
        browseCert, &QPushButton::clicked, this, &DatabaseSettingsDialog::browseRootCertificate);
    auto *certRow = new QHBoxLayout;
    certRow->addWidget(m_sslRootCert, 1);
    certRow->addWidget(browseCert);

    auto *pgForm = new QFormLayout(pgPage);
    pgForm->setContentsMargins(0, 0, 0, 0);
    pgForm->addRow(tr("Connection &string:"), m_connectionString);
    pgForm->addRow(QString(), m_connectionStringNote);
    pgForm->addRow(tr("&Host:"), m_host);
    pgForm->addRow(tr("&Port:"), m_port);
    pgForm->addRow(tr("&Database:"), m_database);
    pgForm->addRow(tr("&User:"), m_user);
    pgForm->addRow(tr("Pass&word:"), m_password);
    pgForm->addRow(QString(), m_passwordNote);
    pgForm->addRow(tr("T&LS mode:"), m_sslMode);
    // A row whose field is a layout gets no buddy from QFormLayout: the label needs its own.
    auto *certLabel = new QLabel(tr("&Root certificate:"), pgPage);
    certLabel->setBuddy(m_sslRootCert);
    pgForm->addRow(certLabel, certRow);
    m_sslRootCertNote = new QLabel(pgPage);
    m_sslRootCertNote->setObjectName(QStringLiteral("sslRootCertNote"));
    m_sslRootCertNote->setWordWrap(true);
    m_sslRootCertNote->hide();
    pgForm->addRow(QString(), m_sslRootCertNote);

    m_pages = new QStackedWidget(this);
    m_pages->addWidget(sqlitePage);
    m_pages->addWidget(pgPage);

    m_testButton = new QPushButton(tr("&Test"), this);
    m_testButton->setObjectName(QStringLiteral("testButton"));
    m_testResult = new QLabel(this);
    m_testResult->setObjectName(QStringLiteral("testResultLabel"));
    m_testResult->setWordWrap(true);
    m_testResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *testRow = new QHBoxLayout;
    testRow->addWidget(m_testButton);
    testRow->addWidget(m_testResult, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->setObjectName(QStringLiteral("buttonBox"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    m_okButton = buttons->button(QDialogButtonBox::Ok);
    connect(m_sslRootCert, &QLineEdit::textChanged, this,
        &DatabaseSettingsDialog::checkRootCertificatePath);

    auto *top = new QFormLayout;
    top->addRow(tr("&Engine:"), m_engine);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_pages);
    layout->addLayout(testRow);
    layout->addStretch(1);
    layout->addWidget(buttons);
    setMinimumWidth(460);

    connect(m_engine, &QComboBox::currentIndexChanged, this, &DatabaseSettingsDialog::updateEngine);
    connect(m_testButton, &QPushButton::clicked, this, &DatabaseSettingsDialog::testConnection);
    // A paste arrives as one edit: the whole string is there at once.
    connect(m_connectionString, &QLineEdit::textEdited, this, [this](const QString &text) {
        if (!text.trimmed().isEmpty() && applyConnectionString(text))
            m_connectionString->clear(); // it holds the password
    });
    connect(m_host, &QLineEdit::textEdited, this, [this](const QString &text) {
        if (DatabaseConfig::looksLikeConnectionString(text))
            applyConnectionString(text);
    });
    connect(&m_test, &QFutureWatcher<Result>::finished, this, [this] {
        const Result tested = m_test.result();
        const bool ok = tested.ok;
        checkRootCertificatePath(); // enables Test again unless the path is unusable
        m_testResult->setText(ok ? tr("Connected.") : tr("Failed: %1").arg(tested.error));
        Q_EMIT testFinished(ok, ok ? tr("Connected.") : tested.error);
    });
    updateEngine();
}

DatabaseSettingsDialog::~DatabaseSettingsDialog()
{
    m_test.waitForFinished(); // the test thread must not outlive the dialog's watcher
}

void DatabaseSettingsDialog::setConfig(const DatabaseConfig &config)
{
    const bool pg = config.engine == DatabaseConfig::Engine::PostgreSQL;
    m_engine->setCurrentIndex(pg ? 1 : 0);
    if (pg) {
        m_host->setText(config.host);
        m_port->setValue(config.port);
        m_database->setText(config.databaseName);
        m_user->setText(config.user);
        m_password->setText(config.password);
        DatabaseConfig rest = config;
        rest.setOption(SslModeOption, QString());
        rest.setOption(SslRootCertOption, QString());
        m_options = rest.options;
        setSslMode(config.sslMode());
        m_sslRootCert->setText(config.sslRootCert());
    } else {
        m_sqlitePath->setText(config.sqlitePath);
    }
    updateEngine();
}

DatabaseConfig DatabaseSettingsDialog::config() const
{
    DatabaseConfig config;
    if (m_engine->currentIndex() == 1) {
        config.engine = DatabaseConfig::Engine::PostgreSQL;
        config.host = m_host->text().trimmed();
        config.port = m_port->value();
        config.databaseName = m_database->text().trimmed();
        config.user = m_user->text().trimmed();
        config.password = m_password->text();
        config.options = m_options;
        config.setOption(SslModeOption, m_sslMode->currentData().toString());
        config.setOption(SslRootCertOption, m_sslRootCert->text().trimmed());
        return config;
    }
    const QString path = m_sqlitePath->text().trimmed();
    if (path.isEmpty())
        return DatabaseConfig::fromUrl(DatabaseConfig::defaultUrl()).value;
    config.engine = DatabaseConfig::Engine::SQLite;
    config.sqlitePath = path;
    return config;
}

void DatabaseSettingsDialog::setPasswordStorageNote(const QString &note)
{
    m_passwordNote->setText(note);
}

bool DatabaseSettingsDialog::applyConnectionString(const QString &text)
{
    const ValueResult<DatabaseConfig> read = DatabaseConfig::fromConnectionString(text);
    const DatabaseConfig &parsed = read.value;
    if (!read.ok || parsed.engine != DatabaseConfig::Engine::PostgreSQL) {
        m_connectionStringNote->setText(read.ok ? tr("Not a PostgreSQL connection string.")
                                                : tr("Not read: %1").arg(read.error));
        m_connectionStringNote->show();
        return false;
    }
    setConfig(parsed);
    m_connectionStringNote->setText(parsed.password.isEmpty()
            ? tr("Filled in from the connection string. Enter the password.")
            : tr("Filled in from the connection string."));
    m_connectionStringNote->show();
    if (parsed.password.isEmpty())
        m_password->setFocus();
    return true;
}

void DatabaseSettingsDialog::testConnection()
{
    if (m_test.isRunning())
        return;
    m_testButton->setEnabled(false);
    m_testResult->setText(tr("Testing…"));
    m_test.setFuture(QtConcurrent::run(runConnectionTest, config()));
}

bool DatabaseSettingsDialog::isTesting() const
{
    return m_test.isRunning();
}

void DatabaseSettingsDialog::updateEngine()
{
    m_pages->setCurrentIndex(m_engine->currentIndex());
    m_testResult->clear();
    checkRootCertificatePath();
}

void DatabaseSettingsDialog::browseSqlite()
{
    // A file dialog that never reads the files it lists (see FileDialog); it names the
    // database, so the database's own file is a valid answer here.
    FileDialog dialog(this, FileDialog::Mode::Save, tr("SQLite database file"),
        m_sqlitePath->text(), tr("SQLite databases (*.sqlite *.db);;All files (*)"));
    dialog.setOption(QFileDialog::DontConfirmOverwrite);
    dialog.setRefuseDatabaseFiles(false);
    if (dialog.exec() == QDialog::Accepted && !dialog.selectedFiles().isEmpty())
        m_sqlitePath->setText(dialog.selectedFiles().constFirst());
}

void DatabaseSettingsDialog::setSslMode(const QString &mode)
{
    int index = m_sslMode->findData(mode);
    if (index < 0) { // a value libpq may know and this list does not: shown as it is
        m_sslMode->addItem(mode, mode);
        index = m_sslMode->count() - 1;
    }
    m_sslMode->setCurrentIndex(index);
}

// libpq gets its options as one "key=value key=value" string from Qt's driver, unquoted, and
// the URL form keeps them as plain pairs: a path with a space, ';' or a quote cannot pass.
void DatabaseSettingsDialog::checkRootCertificatePath()
{
    static const QRegularExpression unusable(QStringLiteral("[\\s;'\\\\]"));
    const bool bad =
        m_engine->currentIndex() == 1 && m_sslRootCert->text().trimmed().contains(unusable);
    m_sslRootCertNote->setText(bad
            ? tr("This path cannot be used: it holds a space, ';', a quote or a backslash. "
                 "Copy the certificate to a path without them.")
            : QString());
    m_sslRootCertNote->setVisible(bad);
    m_okButton->setEnabled(!bad);
    m_testButton->setEnabled(!bad && !m_test.isRunning());
}

void DatabaseSettingsDialog::browseRootCertificate()
{
    const QString file = pickRootCertificateFile();
    if (file.isEmpty())
        return;
    m_sslRootCert->setText(file);
    // A root certificate is given to be checked against: ask for the check if none is set.
    const QString mode = m_sslMode->currentData().toString();
    if (mode != QLatin1String("verify-ca") && mode != QLatin1String("verify-full"))
        setSslMode(QStringLiteral("verify-full"));
}

QString DatabaseSettingsDialog::pickRootCertificateFile()
{
    // The one safe dialog: a certificate may sit beside an open SQLite database.
    return FileDialog::openFileName(this, tr("Root certificate"), m_sslRootCert->text(),
        tr("Certificates (*.crt *.pem *.cer);;All files (*)"));
}

} // namespace ViralSpot::Ui
