#include "ui/connectionstatus.h"

#include "core/changes/changewatcher.h"
#include "ui/bulkresultmodel.h"
#include "ui/databasesession.h"
#include "ui/palette/statuspalette.h"
#include "ui/repairdialog.h"
#include "ui/requestworker.h"

#include <QDir>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStatusBar>

namespace ViralSpot::Ui {

using StatusPalette::setTextColor;

ConnectionStatus::ConnectionStatus(
    DatabaseSession *session, QStatusBar *statusBar, bool readOnly, QWidget *bannerParent)
    : QObject(bannerParent)
    , m_session(session)
    , m_statusBar(statusBar)
    , m_readOnly(readOnly)
{
    setObjectName(QStringLiteral("connectionStatus"));
    m_banner = new QFrame(bannerParent);
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
    connect(m_bannerRetryButton, &QPushButton::clicked, m_session, &DatabaseSession::ping);
    // Offered while the queue holds duplicate active rows (see showRepairBanner()).
    m_repairButton = new QPushButton(tr("&Repair…"), m_banner);
    m_repairButton->setObjectName(QStringLiteral("repairButton"));
    m_repairButton->hide();
    connect(m_repairButton, &QPushButton::clicked, this, &ConnectionStatus::openRepairDialog);
    auto *bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->setContentsMargins(10, 6, 10, 6);
    bannerLayout->addWidget(m_bannerLabel, 1);
    bannerLayout->addWidget(m_repairButton);
    bannerLayout->addWidget(m_bannerRetryButton);
    m_banner->hide();

    m_statusEngine = new QLabel(statusBar);
    m_statusEngine->setObjectName(QStringLiteral("statusEngine"));
    m_statusWhere = new QLabel(statusBar);
    m_statusWhere->setObjectName(QStringLiteral("statusWhere"));
    m_statusWhere->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_statusConnection = new QLabel(statusBar);
    m_statusConnection->setObjectName(QStringLiteral("statusConnection"));
    statusBar->addPermanentWidget(m_statusEngine);
    statusBar->addPermanentWidget(m_statusWhere);
    statusBar->addPermanentWidget(m_statusConnection);
    m_statusSecurity = new QLabel(statusBar);
    m_statusSecurity->setObjectName(QStringLiteral("statusSecurity"));
    m_statusSecurity->hide();
    statusBar->addPermanentWidget(m_statusSecurity);
    m_statusUpdates = new QLabel(statusBar);
    m_statusUpdates->setObjectName(QStringLiteral("statusUpdates"));
    m_statusUpdates->hide();
    statusBar->addPermanentWidget(m_statusUpdates);
    if (m_readOnly) {
        auto *ro = new QLabel(tr("Read-only"), statusBar);
        ro->setObjectName(QStringLiteral("statusReadOnly"));
        statusBar->addPermanentWidget(ro);
    }
    updateStatusBar();

    connect(m_session, &DatabaseSession::configChanged, this, &ConnectionStatus::updateStatusBar);
    connect(m_session, &DatabaseSession::configApplied, this, [this] {
        showConnectionSecurity({}); // until the new connection says
        updateStatusBar();
    });
    connect(m_session, &DatabaseSession::connectionChanged, this,
        &ConnectionStatus::onConnectionChanged);
    connect(m_session, &DatabaseSession::repairRequiredChanged, this, [this] {
        if (m_session->isConnected())
            showRepairBanner();
    });
    connect(m_session, &DatabaseSession::securityChanged, this,
        &ConnectionStatus::showConnectionSecurity);
}

void ConnectionStatus::followUpdates(ChangeWatcher *watcher)
{
    if (m_watcher)
        disconnect(m_watcher, nullptr, this, nullptr);
    m_watcher = watcher;
    if (watcher) {
        connect(watcher, &ChangeWatcher::stateChanged, this, &ConnectionStatus::updateUpdatesLabel);
        connect(watcher, &QObject::destroyed, this, &ConnectionStatus::updateUpdatesLabel,
            Qt::QueuedConnection);
    }
    updateUpdatesLabel();
}

void ConnectionStatus::updateUpdatesLabel()
{
    if (!m_watcher) {
        m_statusUpdates->hide();
        return;
    }
    const int seconds = m_watcher->interval() / 1000;
    QString text;
    switch (m_watcher->mode()) {
    case ChangeWatcher::Mode::Off:
        text = tr("Updates: off");
        break;
    case ChangeWatcher::Mode::Push:
        text = tr("Updates: pushed");
        break;
    case ChangeWatcher::Mode::Poll:
        text = tr("Updates: polled every %n s", nullptr, seconds);
        break;
    }
    if (m_watcher->isPaused() && m_watcher->mode() != ChangeWatcher::Mode::Off)
        text = tr("Updates: paused");
    m_statusUpdates->setText(text);
    m_statusUpdates->setToolTip(m_watcher->canPush()
            ? tr("The queue views read again when the database notifies a change "
                 "(PostgreSQL LISTEN/NOTIFY); while that connection is lost they check every "
                 "interval.")
            : tr("The queue views check for changes every interval (SQLite: a cheap check of "
                 "the file's version; PostgreSQL through a transaction pooler, where LISTEN "
                 "cannot work: they read again)."));
    m_statusUpdates->show();
}

void ConnectionStatus::showMessage(const QString &text)
{
    m_statusBar->showMessage(text, 10000);
}

void ConnectionStatus::onConnectionChanged(bool connected, const QString &error)
{
    if (connected) {
        showRepairBanner();
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
}

void ConnectionStatus::showRepairBanner()
{
    const QString message = m_session->repairMessage();
    if (message.isEmpty()) {
        m_banner->hide();
        return;
    }
    m_bannerLabel->setText(message.toHtmlEscaped());
    m_bannerRetryButton->hide();
    // Read-only mode writes nothing, a repair included; the message still says what to run.
    m_repairButton->setVisible(!m_readOnly);
    m_banner->show();
}

void ConnectionStatus::openRepairDialog()
{
    RepairDialog dialog(m_banner->window());
    RequestWorker *worker = m_session->worker();
    connect(worker, &RequestWorker::repairPreviewReady, &dialog, &RepairDialog::setPreview);
    connect(worker, &RequestWorker::repairFinished, &dialog, &RepairDialog::setFinished);
    connect(&dialog, &RepairDialog::applyRequested, worker, &RequestWorker::applyRepair);
    QMetaObject::invokeMethod(worker, &RequestWorker::previewRepair, Qt::QueuedConnection);
    if (dialog.exec() == QDialog::Accepted) {
        showMessage(tr("Repaired: %n duplicate rows marked FAILED. Requests work again.", nullptr,
            dialog.rowsMarkedFailed()));
    }
}

void ConnectionStatus::updateStatusBar()
{
    const DatabaseConfig config = m_session->config();
    m_statusEngine->setText(config.engineName());
    const QString where = config.engine == DatabaseConfig::Engine::SQLite
        ? QDir::toNativeSeparators(config.sqlitePath)
        : config.displayUrl();
    m_statusWhere->setText(where);
    m_statusWhere->setToolTip(where);
    QString text;
    QColor color;
    if (m_session->isConnected()) {
        text = tr("● Connected");
        color = outcomeColor(QStringLiteral("queued"));
    } else if (m_session->isConnectionKnown()) {
        text = tr("● Unavailable");
        color = outcomeColor(QStringLiteral("error"));
        m_statusConnection->setToolTip(m_session->connectionError());
    } else {
        text = tr("○ Connecting…");
        color = outcomeColor(QString());
    }
    m_statusConnection->setText(text);
    setTextColor(m_statusConnection, color);
    if (!m_session->isConnected())
        m_statusSecurity->hide(); // shown again by the next connection's report
}

void ConnectionStatus::showConnectionSecurity(const ConnectionSecurity &security)
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
    setTextColor(m_statusSecurity,
        outcomeColor(security.encrypted && security.verification == Verification::HostAndChain
                ? QStringLiteral("queued")
                : QString()));
}

} // namespace ViralSpot::Ui
