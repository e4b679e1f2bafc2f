// Takes the README's screenshot of the real window (not a test):
//   xvfb-run -a -s "-screen 0 1400x900x24" build/tests/ui_screenshot docs/screenshot.png
//   xvfb-run -a -s "-screen 0 1400x900x24" build/tests/ui_screenshot --dark
//   docs/screenshot-dark.png
// Opens the window on a throwaway SQLite database, pastes a realistic list, submits it and
// grabs the window once the outcomes are shown.

#include "core/requestservice.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/historymodel.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QPalette>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSqlQuery>
#include <QTabWidget>
#include <QTemporaryDir>

using namespace ViralSpot;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    // --dark: the same window under a dark system palette (what a dark desktop theme gives).
    const bool dark = args.removeAll(QStringLiteral("--dark")) > 0;
    const QString output = args.value(0, QStringLiteral("screenshot.png"));
    if (dark) {
        QApplication::setStyle(QStringLiteral("Fusion"));
        QPalette palette;
        palette.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        palette.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
        palette.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        palette.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
        palette.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
        palette.setColor(QPalette::PlaceholderText, QColor(0x8c, 0x8c, 0x8c));
        palette.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
        palette.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
        palette.setColor(QPalette::Highlight, QColor(0x3d, 0x6f, 0xb4));
        palette.setColor(QPalette::HighlightedText, Qt::white);
        palette.setColor(QPalette::ToolTipBase, QColor(0x35, 0x35, 0x35));
        palette.setColor(QPalette::ToolTipText, QColor(0xe6, 0xe6, 0xe6));
        palette.setColor(QPalette::Disabled, QPalette::Text, QColor(0x7a, 0x7a, 0x7a));
        palette.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x7a, 0x7a, 0x7a));
        palette.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x7a, 0x7a, 0x7a));
        QApplication::setPalette(palette);
    }
    Test::initUiTestEnvironment();
    Test::wipeSettings();

    QTemporaryDir dir;
    const QString url = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("queue.sqlite"));
    {
        RequestService service(
            DatabaseConfig::fromUrl(url).value, QStringLiteral("screenshot-seed"));
        if (const Result opened = service.open(); !opened.ok) {
            qCritical("cannot open the database: %s", qPrintable(opened.error));
            return 1;
        }
        service.request(QStringLiteral("natgeo"), QStringLiteral("admin"));
        service.request(QStringLiteral("humansofny"), QStringLiteral("admin"));
        QSqlQuery q(service.database().value);
        for (const char *name : { "nasa", "bbcearth", "wired" })
            q.exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('%1')")
                       .arg(QLatin1String(name)));
        service.close();
    }

    Ui::MainWindowOptions options;
    options.databaseUrl = url;
    Ui::MainWindow window(options);
    window.resize(1280, 760);
    window.show();
    Test::waitFor([&] { return Test::database(&window)->isConnected(); }, 10000);

    // A few single requests for the history.
    auto *edit = Test::child<QLineEdit>(&window, "usernameEdit");
    for (const char *name :
        { "@Vogue", "https://www.instagram.com/natgeo/", "nasa", "bad..name" }) {
        edit->setText(QString::fromLatin1(name));
        Test::child<QPushButton>(&window, "requestButton")->click();
    }
    Test::waitFor(
        [&] { return Test::singlePage(&window)->historyModel()->rowCount() == 4; }, 10000);

    const QString list = QStringLiteral(
        "@natgeo\nhttps://www.instagram.com/NASA/\ninstagram.com/bbcearth?igsh=MTc4\n"
        "humansofny, wired; theeconomist\n@Vogue\npatagonia\nlonelyplanet\n"
        "https://www.instagram.com/time/reels/\nnot a..name\nredbull\nspotify\n"
        "Patagonia\nlego\n.hidden\nnetflix\nmuseumofmodernart\nnatgeo\n"
        "this_username_is_far_too_long_for_instagram\ncreative.market\nadobe\n");
    Test::child<QTabWidget>(&window, "tabs")->setCurrentIndex(Ui::MainWindow::BulkTab);
    auto *source = Test::child<QComboBox>(&window, "bulkSourceCombo");
    source->setCurrentText(QStringLiteral("campaign-spring"));
    Test::child<QPlainTextEdit>(&window, "bulkEditor")->setPlainText(list);
    Test::waitFor([&] { return !Test::bulk(&window)->isPreviewPending(); }, 10000);
    bool finished = false;
    QObject::connect(Test::bulk(&window), &Ui::BulkSession::batchFinished, &window,
        [&finished] { finished = true; });
    Test::child<QPushButton>(&window, "submitButton")->click();
    Test::waitFor([&] { return finished; }, 30000);
    Test::waitFor([] { return false; }, 500); // let it paint

    if (!window.grab().save(output)) {
        qCritical("cannot write %s", qPrintable(output));
        return 1;
    }
    if (!dark) {
        Test::child<QTabWidget>(&window, "tabs")->setCurrentIndex(Ui::MainWindow::SingleTab);
        Test::waitFor([] { return false; }, 300);
        QString single = output;
        single.replace(QLatin1String(".png"), QLatin1String("-single.png"));
        window.grab().save(single);
    }
    window.close();
    return 0;
}
