#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

class QSystemTrayIcon;

namespace ViralSpot::Ui {

// Desktop notifications: the freedesktop notification service over D-Bus
// (org.freedesktop.Notifications Notify, with a "default" action so that clicking the
// notification opens what it is about: ActionInvoked), as qBittorrent does. Where no service
// answers on the session bus (or there is no session bus), a tray message when the desktop has
// a tray, else bannerRequested() for the window's in-window banner. The D-Bus call is
// asynchronous: the GUI thread never waits for the bus.
//
// Test seam: shown() lists every notification with the channel that carried it, and
// delivered() is emitted for each; a test asserts on those, and on a real listener that owns
// the service name on a private session bus (dbus-run-session).
class DesktopNotifier final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DesktopNotifier)

public:
    enum class Channel
    {
        DBus,
        Tray,
        Banner
    };
    struct Shown
    {
        Channel channel = Channel::Banner;
        QString key;
        QString title;
        QString body;
    };

    explicit DesktopNotifier(QObject *parent = nullptr);
    ~DesktopNotifier() override;

    static QString serviceName(); // org.freedesktop.Notifications
    static QString channelName(Channel channel); // "dbus", "tray", "banner"

    // `key` comes back with activated() when the person clicks it (a batch id).
    void notify(const QString &key, const QString &title, const QString &body);

    const QList<Shown> &shown() const { return m_shown; }
    // The tray is used only when the desktop has one; tests may rule it out.
    void setTrayAllowed(bool allowed) { m_trayAllowed = allowed; }

Q_SIGNALS:
    void delivered(ViralSpot::Ui::DesktopNotifier::Channel channel, const QString &key);
    void activated(const QString &key);
    // No service and no tray: the window shows this in its banner.
    void bannerRequested(const QString &key, const QString &title, const QString &body);

private Q_SLOTS:
    void onActionInvoked(uint id, const QString &action);
    void onNotificationClosed(uint id, uint reason);

private:
    void fallback(const QString &key, const QString &title, const QString &body);
    void showTrayMessage(const QString &title, const QString &body, int attempt);
    void record(Channel channel, const QString &key, const QString &title, const QString &body);

    bool m_busConnected = false;
    bool m_trayAllowed = true;
    QHash<uint, QString> m_keys; // notification id -> key, until closed
    QSystemTrayIcon *m_tray = nullptr;
    QString m_trayKey;
    QList<Shown> m_shown;
};

} // namespace ViralSpot::Ui
