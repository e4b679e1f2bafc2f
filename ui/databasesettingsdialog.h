#pragma once

#include "databaseconfig.h"

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

    // Starts a connection test; testFinished() answers.
    void testConnection();
    bool isTesting() const;

Q_SIGNALS:
    void testFinished(bool ok, const QString &message);

private:
    void updateEngine();
    void browseSqlite();

    QComboBox *m_engine = nullptr;
    QStackedWidget *m_pages = nullptr;
    QLineEdit *m_sqlitePath = nullptr;
    QLineEdit *m_host = nullptr;
    QSpinBox *m_port = nullptr;
    QLineEdit *m_database = nullptr;
    QLineEdit *m_user = nullptr;
    QLineEdit *m_password = nullptr;
    QLabel *m_passwordNote = nullptr;
    QPushButton *m_testButton = nullptr;
    QLabel *m_testResult = nullptr;
    QString m_options;
    QFutureWatcher<QString> m_test;
};

} // namespace ViralSpot::Ui
