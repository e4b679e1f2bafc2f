#include "databasesettingsdialog.h"

#include "database.h"
#include "filedialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
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
QString runConnectionTest(const DatabaseConfig &config)
{
    const QString name = Database::threadConnectionName(QStringLiteral("settings-test"));
    QString error;
    {
        QSqlDatabase db = Database::open(config, name, &error);
        if (db.isOpen()) {
            QSqlQuery q(db);
            if (!q.exec(QStringLiteral("SELECT 1")) || !q.next())
                error = q.lastError().text();
        } else if (error.isEmpty()) {
            error = QStringLiteral("unknown error");
        }
    }
    Database::close(name);
    return error;
}

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
    sqliteForm->addRow(tr("&File:"), sqliteRow);

    auto *pgPage = new QWidget(this);
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
    auto *pgForm = new QFormLayout(pgPage);
    pgForm->setContentsMargins(0, 0, 0, 0);
    pgForm->addRow(tr("&Host:"), m_host);
    pgForm->addRow(tr("&Port:"), m_port);
    pgForm->addRow(tr("&Database:"), m_database);
    pgForm->addRow(tr("&User:"), m_user);
    pgForm->addRow(tr("Pass&word:"), m_password);
    pgForm->addRow(QString(), m_passwordNote);

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
    connect(&m_test, &QFutureWatcher<QString>::finished, this, [this] {
        const QString error = m_test.result();
        const bool ok = error.isEmpty();
        m_testButton->setEnabled(true);
        m_testResult->setText(ok ? tr("Connected.") : tr("Failed: %1").arg(error));
        Q_EMIT testFinished(ok, ok ? tr("Connected.") : error);
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
        m_options = config.options;
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
        return config;
    }
    const QString path = m_sqlitePath->text().trimmed();
    if (path.isEmpty()) {
        QString error;
        return DatabaseConfig::fromUrl(DatabaseConfig::defaultUrl(), &error);
    }
    config.engine = DatabaseConfig::Engine::SQLite;
    config.sqlitePath = path;
    return config;
}

void DatabaseSettingsDialog::setPasswordStorageNote(const QString &note)
{
    m_passwordNote->setText(note);
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

} // namespace ViralSpot::Ui
