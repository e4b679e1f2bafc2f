#pragma once

#include "core/databaseconfig.h"

#include <QDialog>
#include <QFutureWatcher>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;

namespace ViralSpot::Ui {

// Where the queue lives: a SQLite file, or a PostgreSQL server with a Test button. The Test
// runs on a pool thread with its own connection; the dialog never runs SQL on the GUI thread.
// PostgreSQL takes its TLS settings here (sslmode, root certificate), and a provider's whole
// connection string (Supabase's URI, libpq's keyword=value form) pasted into the connection
// string field or the host field fills every field (DatabaseConfig::fromConnectionString).
class DatabaseSettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DatabaseSettingsDialog)

public:
    explicit DatabaseSettingsDialog(QWidget *parent = nullptr);
    ~DatabaseSettingsDialog() override;

    // The config shown, password included (the caller keeps it out of the settings file).
    void setConfig(const ViralSpot::DatabaseConfig &config);
    ViralSpot::DatabaseConfig config() const;
    // The sentence saying where the password is kept (keychain or this session only).
    void setPasswordStorageNote(const QString &note);

    // Fills the fields from a connection string. False (and the reason shown under the
    // field) when it cannot be read; the fields are then left as they were.
    bool applyConnectionString(const QString &text);

    // Starts a connection test; testFinished() answers.
    void testConnection();
    bool isTesting() const;

Q_SIGNALS:
    void testFinished(bool ok, const QString &message);

private:
    void updateEngine();
    void browseSqlite();
    void browseRootCertificate();
    // The file picker for the root certificate, kept apart so the dialog seam can replace it.
    QString pickRootCertificateFile();
    void setSslMode(const QString &mode);
    void checkRootCertificatePath();

    QComboBox *m_engine = nullptr;
    QStackedWidget *m_pages = nullptr;
    QLineEdit *m_sqlitePath = nullptr;
    QLineEdit *m_host = nullptr;
    QSpinBox *m_port = nullptr;
    QLineEdit *m_database = nullptr;
    QLineEdit *m_user = nullptr;
    QLineEdit *m_password = nullptr;
    QLabel *m_passwordNote = nullptr;
    QLineEdit *m_connectionString = nullptr;
    QLabel *m_connectionStringNote = nullptr;
    QComboBox *m_sslMode = nullptr;
    QLineEdit *m_sslRootCert = nullptr;
    QLabel *m_sslRootCertNote = nullptr;
    QPushButton *m_okButton = nullptr;
    QPushButton *m_testButton = nullptr;
    QLabel *m_testResult = nullptr;
    QString m_options; // libpq options other than sslmode and sslrootcert, kept as given
    QFutureWatcher<Result> m_test; // the Test button's connection test
};

} // namespace ViralSpot::Ui
