#include "ui/notifications/desktopnotifier.h"

#include "ui/uilogging.h"

#include <QApplication>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QGuiApplication>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QTimer>
#include <QVariantMap>

namespace ViralSpot::Ui {

namespace {

const QString Path = QStringLiteral("/org/freedesktop/Notifications");
const QString Interface = QStringLiteral("org.freedesktop.Notifications");
const QString DefaultAction = QStringLiteral("default");

} // namespace

DesktopNotifier::DesktopNotifier(QObject *parent)
    : QObject(parent)
{
    setObjectName(QStringLiteral("desktopNotifier"));
    QDBusConnection bus = QDBusConnection::sessionBus();
    m_busConnected = bus.isConnected();
    if (m_busConnected) {
        // Signals of whichever process owns the name (the desktop's notification daemon).
        bus.connect(serviceName(), Path, Interface, QStringLiteral("ActionInvoked"), this,
            SLOT(onActionInvoked(uint, QString)));
        bus.connect(serviceName(), Path, Interface, QStringLiteral("NotificationClosed"), this,
            SLOT(onNotificationClosed(uint, uint)));
    }
}

DesktopNotifier::~DesktopNotifier() = default;

QString DesktopNotifier::serviceName()
{
    return QStringLiteral("org.freedesktop.Notifications");
}

QString DesktopNotifier::channelName(Channel channel)
{
    switch (channel) {
    case Channel::DBus:
        return QStringLiteral("dbus");
    case Channel::Tray:
        return QStringLiteral("tray");
    case Channel::Banner:
        break;
    }
    return QStringLiteral("banner");
}

void DesktopNotifier::notify(const QString &key, const QString &title, const QString &body)
{
    if (!m_busConnected) {
        fallback(key, title, body);
        return;
    }
    QDBusMessage call =
        QDBusMessage::createMethodCall(serviceName(), Path, Interface, QStringLiteral("Notify"));
    QVariantMap hints;
    const QString desktopEntry = QGuiApplication::desktopFileName();
    if (!desktopEntry.isEmpty())
        hints.insert(QStringLiteral("desktop-entry"), desktopEntry);
    // app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout
    call << QGuiApplication::applicationDisplayName() << uint(0) << desktopEntry << title << body
         << QStringList { DefaultAction, tr("Open") } << hints << int(-1);
    auto *watcher =
        new QDBusPendingCallWatcher(QDBusConnection::sessionBus().asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this,
        [this, key, title, body](QDBusPendingCallWatcher *w) {
            w->deleteLater();
            const QDBusPendingReply<uint> reply = *w;
            if (reply.isError()) {
                // No notification service on this bus (or it failed): the next best thing.
                qCInfo(lcUi) << "notification service:" << reply.error().name()
                             << reply.error().message();
                fallback(key, title, body);
                return;
            }
            m_keys.insert(reply.value(), key);
            record(Channel::DBus, key, title, body);
        });
}

void DesktopNotifier::fallback(const QString &key, const QString &title, const QString &body)
{
    if (m_trayAllowed && QSystemTrayIcon::isSystemTrayAvailable()) {
        if (!m_tray) {
            // A tray icon without a picture is not shown, nor its message (Qt: "No Icon set").
            QIcon icon = QApplication::windowIcon();
            if (icon.isNull())
                icon = QApplication::style()->standardIcon(QStyle::SP_MessageBoxInformation);
            m_tray = new QSystemTrayIcon(icon, this);
            connect(m_tray, &QSystemTrayIcon::messageClicked, this,
                [this] { Q_EMIT activated(m_trayKey); });
        }
        m_tray->show();
        m_trayKey = key;
        showTrayMessage(title, body, 0);
        record(Channel::Tray, key, title, body);
        return;
    }
    Q_EMIT bannerRequested(key, title, body);
    record(Channel::Banner, key, title, body);
}

// A tray icon just shown is placed by the tray a moment later; a message shown before that
// has no icon to point at and is lost (seen in the real window under Xvfb with an XEmbed tray,
// trayer: no message at once, the balloon at the icon a second later). So the message waits
// until the icon has its place (its geometry leaves the origin), at most 3 s.
void DesktopNotifier::showTrayMessage(const QString &title, const QString &body, int attempt)
{
    if (!m_tray)
        return;
    if (!m_tray->geometry().topLeft().isNull() || attempt >= 30) {
        m_tray->showMessage(title, body);
        return;
    }
    QTimer::singleShot(
        100, this, [this, title, body, attempt] { showTrayMessage(title, body, attempt + 1); });
}

void DesktopNotifier::record(
    Channel channel, const QString &key, const QString &title, const QString &body)
{
    m_shown.append({ channel, key, title, body });
    Q_EMIT delivered(channel, key);
}

void DesktopNotifier::onActionInvoked(uint id, const QString &action)
{
    const auto it = m_keys.constFind(id);
    if (it == m_keys.cend())
        return; // another program's notification
    if (action == DefaultAction)
        Q_EMIT activated(it.value());
}

void DesktopNotifier::onNotificationClosed(uint id, uint reason)
{
    Q_UNUSED(reason)
    m_keys.remove(id);
}

} // namespace ViralSpot::Ui
