#pragma once

#include "core/databaseconfig.h"

#include <QStringList>
#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTimer;

namespace ViralSpot::Http {
class EndpointServer;
struct RequestLogEntry;
} // namespace ViralSpot::Http

namespace ViralSpot::Ui {

class SecretStore;
class Settings;

// The embedded HTTP endpoint, started and stopped from the window: address, port, token,
// allowed origins, and a live request log. The server answers on this thread; its database
// work runs on its own threads.
class EndpointPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EndpointPanel)

public:
    EndpointPanel(Settings *settings, SecretStore *secrets, QWidget *parent = nullptr);
    ~EndpointPanel() override;

    // The database the endpoint queues into (password included). A running server restarts.
    void setDatabaseConfig(const ViralSpot::DatabaseConfig &config);

    bool start();
    void stop();
    bool isRunning() const;
    QString url() const;
    QString lastError() const { return m_lastError; }
    Http::EndpointServer *server() const { return m_server.get(); }

Q_SIGNALS:
    void runningChanged(bool running);

private:
    void appendLog(const ViralSpot::Http::RequestLogEntry &entry);
    void flushLog();
    void updateState();
    void saveFields();
    void generateToken();

    Settings *m_settings;
    SecretStore *m_secrets;
    std::unique_ptr<Http::EndpointServer> m_server;
    ViralSpot::DatabaseConfig m_config;
    bool m_haveConfig = false;
    QString m_lastError;

    QComboBox *m_bind = nullptr;
    QSpinBox *m_port = nullptr;
    QLineEdit *m_token = nullptr;
    QLineEdit *m_origins = nullptr;
    QCheckBox *m_autoStart = nullptr;
    QPushButton *m_startStop = nullptr;
    QLabel *m_status = nullptr;
    QPlainTextEdit *m_log = nullptr;
    QTimer *m_logFlush = nullptr;
    QStringList m_pendingLines;
    int m_logged = 0;
};

} // namespace ViralSpot::Ui
