#include "ui/endpointpanel.h"

#include "core/http/endpointserver.h"
#include "ui/secretstore.h"
#include "ui/settings.h"
#include "ui/uilogging.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

namespace ViralSpot::Ui {

namespace {
const QString TokenKey = QStringLiteral("endpoint-token");
constexpr int LogLines = 5000;
} // namespace

EndpointPanel::EndpointPanel(Settings *settings, SecretStore *secrets, QWidget *parent)
    : QWidget(parent)
    , m_settings(settings)
    , m_secrets(secrets)
{
    auto *box = new QGroupBox(tr("Embedded HTTP endpoint"), this);
    m_bind = new QComboBox(box);
    m_bind->setObjectName(QStringLiteral("endpointBindCombo"));
    m_bind->setEditable(true);
    m_bind->addItems(
        { QStringLiteral("127.0.0.1"), QStringLiteral("::1"), QStringLiteral("0.0.0.0") });
    m_bind->setCurrentText(m_settings->endpointBind());
    m_bind->setToolTip(tr("Any address other than loopback requires an API token."));
    m_port = new QSpinBox(box);
    m_port->setObjectName(QStringLiteral("endpointPortSpin"));
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("any free port"));
    m_port->setValue(m_settings->endpointPort());
    m_token = new QLineEdit(box);
    m_token->setObjectName(QStringLiteral("endpointTokenEdit"));
    m_token->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    m_token->setPlaceholderText(tr("None (loopback only)"));
    m_token->setText(SecretStore::sessionValue(TokenKey));
    auto *generate = new QPushButton(tr("&Generate"), box);
    generate->setObjectName(QStringLiteral("endpointGenerateTokenButton"));
    auto *tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(generate);
    m_origins = new QLineEdit(box);
    m_origins->setObjectName(QStringLiteral("endpointOriginsEdit"));
    m_origins->setPlaceholderText(tr("e.g. https://app.viralspot.example (comma separated)"));
    m_origins->setText(m_settings->endpointOrigins().join(QStringLiteral(", ")));
    m_autoStart = new QCheckBox(tr("Start with the window"), box);
    m_autoStart->setObjectName(QStringLiteral("endpointAutoStartCheck"));
    m_autoStart->setChecked(m_settings->endpointAutoStart());
    auto *tokenNote = new QLabel(m_secrets->backend() == SecretStore::Backend::Keychain
            ? tr("The token is kept in the desktop keychain.")
            : tr("No keychain service: the token is kept for this "
                 "session only."),
        box);
    tokenNote->setWordWrap(true);

    m_startStop = new QPushButton(box);
    m_startStop->setObjectName(QStringLiteral("endpointStartStopButton"));
    m_status = new QLabel(box);
    m_status->setObjectName(QStringLiteral("endpointStatusLabel"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse);
    m_status->setOpenExternalLinks(true);
    m_status->setWordWrap(true);

    auto *form = new QFormLayout;
    form->addRow(tr("&Address:"), m_bind);
    form->addRow(tr("&Port:"), m_port);
    // The field is a row of widgets, so QFormLayout would make a label without a buddy, and a
    // label without a buddy shows its "&" instead of underlining the shortcut key.
    auto *tokenLabel = new QLabel(tr("API &token:"), box);
    tokenLabel->setBuddy(m_token);
    form->addRow(tokenLabel, tokenRow);
    form->addRow(QString(), tokenNote);
    form->addRow(tr("Allowed &origins:"), m_origins);
    form->addRow(QString(), m_autoStart);
    auto *controls = new QHBoxLayout;
    controls->addWidget(m_startStop);
    controls->addWidget(m_status, 1);
    auto *boxLayout = new QVBoxLayout(box);
    boxLayout->addLayout(form);
    boxLayout->addLayout(controls);

    auto *logBox = new QGroupBox(tr("Requests"), this);
    m_log = new QPlainTextEdit(logBox);
    m_log->setObjectName(QStringLiteral("endpointLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(LogLines);
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setPlaceholderText(tr("Each request appears here: time, client, method, path, status, "
                                 "milliseconds."));
    auto *clearLog = new QPushButton(tr("C&lear"), logBox);
    clearLog->setObjectName(QStringLiteral("endpointClearLogButton"));
    auto *logButtons = new QHBoxLayout;
    logButtons->addStretch(1);
    logButtons->addWidget(clearLog);
    auto *logLayout = new QVBoxLayout(logBox);
    logLayout->addWidget(m_log, 1);
    logLayout->addLayout(logButtons);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(box);
    layout->addWidget(logBox, 1);

    // Lines are appended in batches: a busy endpoint must not repaint once per request.
    m_logFlush = new QTimer(this);
    m_logFlush->setInterval(200);
    m_logFlush->setSingleShot(true);
    connect(m_logFlush, &QTimer::timeout, this, &EndpointPanel::flushLog);
    connect(clearLog, &QPushButton::clicked, m_log, &QPlainTextEdit::clear);
    connect(generate, &QPushButton::clicked, this, &EndpointPanel::generateToken);
    connect(m_startStop, &QPushButton::clicked, this, [this] {
        if (isRunning())
            stop();
        else
            start();
    });
    connect(m_autoStart, &QCheckBox::toggled, this, &EndpointPanel::saveFields);
    connect(m_secrets, &SecretStore::readFinished, this,
        [this](const QString &key, const QString &value, bool found) {
            if (key == TokenKey && found && m_token->text().isEmpty())
                m_token->setText(value);
        });
    if (m_token->text().isEmpty())
        m_secrets->read(TokenKey);
    updateState();
}

EndpointPanel::~EndpointPanel()
{
    stop();
}

void EndpointPanel::setDatabaseConfig(const DatabaseConfig &config)
{
    const bool first = !m_haveConfig;
    m_config = config;
    m_haveConfig = true;
    if (isRunning()) {
        stop();
        start();
    } else if (first && m_settings->endpointAutoStart()) {
        start();
    }
}

void EndpointPanel::saveFields()
{
    m_settings->setValue(Settings::Key::EndpointBind, m_bind->currentText().trimmed());
    m_settings->setValue(Settings::Key::EndpointPort, m_port->value());
    QStringList origins;
    const QStringList parts = m_origins->text().split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString &part : parts) {
        if (!part.trimmed().isEmpty())
            origins.append(part.trimmed());
    }
    m_settings->setValue(Settings::Key::EndpointOrigins, origins);
    m_settings->setValue(Settings::Key::EndpointAutoStart, m_autoStart->isChecked());
    m_secrets->write(TokenKey, m_token->text().trimmed());
}

void EndpointPanel::generateToken()
{
    QByteArray bytes(24, Qt::Uninitialized);
    QRandomGenerator::system()->generate(bytes.begin(), bytes.end());
    m_token->setText(QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)));
}

bool EndpointPanel::start()
{
    if (isRunning())
        return true;
    saveFields();
    Http::EndpointSettings settings;
    const QString bind = m_bind->currentText().trimmed();
    if (!settings.bindAddress.setAddress(bind)) {
        m_lastError = tr("“%1” is not an IP address.").arg(bind);
        updateState();
        return false;
    }
    settings.port = quint16(m_port->value());
    settings.token = m_token->text().trimmed().toUtf8();
    settings.allowedOrigins = m_settings->endpointOrigins();
    settings.database = m_config;
    if (!m_haveConfig) {
        m_lastError = tr("No database is configured yet.");
        updateState();
        return false;
    }
    m_server = std::make_unique<Http::EndpointServer>();
    connect(m_server.get(), &Http::EndpointServer::requestLogged, this, &EndpointPanel::appendLog);
    const Result started = m_server->start(settings);
    m_lastError = started.error;
    if (!started.ok) {
        qCWarning(lcUi) << "endpoint did not start:" << m_lastError;
        m_server.reset();
        updateState();
        return false;
    }
    qCInfo(lcUi) << "endpoint listening on" << m_server->url();
    updateState();
    Q_EMIT runningChanged(true);
    return true;
}

void EndpointPanel::stop()
{
    if (!m_server)
        return;
    m_server->stop();
    m_server.reset();
    flushLog();
    updateState();
    Q_EMIT runningChanged(false);
}

bool EndpointPanel::isRunning() const
{
    return m_server && m_server->isListening();
}

QString EndpointPanel::url() const
{
    return isRunning() ? m_server->url() : QString();
}

void EndpointPanel::appendLog(const Http::RequestLogEntry &entry)
{
    m_pendingLines.append(entry.toLine());
    if (m_pendingLines.size() > LogLines)
        m_pendingLines.remove(0, m_pendingLines.size() - LogLines);
    ++m_logged;
    if (!m_logFlush->isActive())
        m_logFlush->start();
}

void EndpointPanel::flushLog()
{
    if (m_pendingLines.isEmpty())
        return;
    m_log->appendPlainText(m_pendingLines.join(QLatin1Char('\n')));
    m_pendingLines.clear();
}

void EndpointPanel::updateState()
{
    const bool running = isRunning();
    m_startStop->setText(running ? tr("S&top") : tr("S&tart"));
    for (QWidget *w : { static_cast<QWidget *>(m_bind), static_cast<QWidget *>(m_port),
             static_cast<QWidget *>(m_token), static_cast<QWidget *>(m_origins) })
        w->setEnabled(!running);
    if (running) {
        const QString url = m_server->url();
        m_status->setText(tr("Listening on <a href=\"%1/health\">%1</a>").arg(url.toHtmlEscaped()));
    } else if (!m_lastError.isEmpty()) {
        m_status->setText(tr("Not running: %1").arg(m_lastError.toHtmlEscaped()));
    } else {
        m_status->setText(tr("Not running."));
    }
}

} // namespace ViralSpot::Ui
