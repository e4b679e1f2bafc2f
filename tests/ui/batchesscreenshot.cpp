// Takes the README's pictures of the Batches tab and a batch's page in the real window (not a
// test):
//   xvfb-run -a -s "-screen 0 1400x900x24" build/tests/batches_screenshot
//   docs/screenshot-batches.png
// writes docs/screenshot-batches.png (the tab) and docs/screenshot-batches-page.png (a page).
// Seeds a throwaway SQLite database with batches in various states: a worker has finished
// some rows over the last minutes (so there is a completion rate to estimate from), failed a
// few, and is processing one.

#include "core/batches/batches.h"
#include "core/bulkparser.h"
#include "core/ids.h"
#include "core/queuequery.h"
#include "core/requestservice.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/batches/batchestab.h"
#include "ui/batches/batchitemmodel.h"
#include "ui/batches/batchlistmodel.h"
#include "ui/batches/batchpage.h"

#include <QApplication>
#include <QSqlQuery>
#include <QTabWidget>
#include <QTemporaryDir>

using namespace ViralSpot;

namespace {

QString submit(RequestService &service, const QString &name, const QString &source,
    const QString &who, const QStringList &names)
{
    NewBatch batch;
    batch.id = Ids::uuidV7();
    batch.name = name;
    batch.source = source;
    batch.origin =
        who == QLatin1String("127.0.0.1") ? QStringLiteral("endpoint") : QStringLiteral("window");
    batch.submittedBy = who;
    BatchOptions options;
    options.record = batch;
    service.requestBulk(BulkParser::parse(names.join(QLatin1Char('\n'))), source, options);
    return batch.id;
}

// A worker's work: `status` for these usernames, finished `minutesAgo` (spread a little).
void work(QSqlDatabase &db, const QStringList &names, const QString &status, int minutesAgo,
    const QString &error = {})
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE queue SET status = ?, attempts = 1, error_message = ?, "
                             "updated_at = ?, last_attempt = ? WHERE username = ?"));
    int i = 0;
    for (const QString &name : names) {
        const QDateTime when =
            QDateTime::currentDateTimeUtc().addSecs(-60 * minutesAgo + 7 * (i++ % 8));
        q.addBindValue(status);
        q.addBindValue(error.isEmpty() ? QVariant() : QVariant(error));
        q.addBindValue(QueueQuery::timestampValue(db, when));
        q.addBindValue(QueueQuery::timestampValue(db, when));
        q.addBindValue(name);
        q.exec();
    }
}

QStringList names(const QString &prefix, int n)
{
    QStringList list;
    for (int i = 1; i <= n; ++i)
        list << QStringLiteral("%1_%2").arg(prefix).arg(i);
    return list;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    const QString output = app.arguments().value(1, QStringLiteral("screenshot-batches.png"));
    Test::initUiTestEnvironment();
    Test::wipeSettings();

    QTemporaryDir dir;
    const QString url = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("queue.sqlite"));
    QString followId;
    {
        RequestService service(DatabaseConfig::fromUrl(url).value, QStringLiteral("seed"));
        if (const Result opened = service.open(); !opened.ok) {
            qCritical("cannot open the database: %s", qPrintable(opened.error));
            return 1;
        }
        const QString user = AuditLog::currentOsUser();
        const QString travelId = submit(service, QStringLiteral("Travel creators (done)"),
            QStringLiteral("campaign-spring"), user, names(QStringLiteral("travel"), 24));
        const QString frontId =
            submit(service, QStringLiteral("Frontend import"), QStringLiteral("frontend"),
                QStringLiteral("127.0.0.1"), names(QStringLiteral("front"), 60));
        followId = submit(service, QStringLiteral("Spring campaign — fashion"),
            QStringLiteral("campaign-spring"), user,
            names(QStringLiteral("fashion"), 40)
                << QStringLiteral("bad..name") << QStringLiteral("fashion_3"));
        submit(service, QStringLiteral("Museums shortlist"), QStringLiteral("admin"), user,
            names(QStringLiteral("museum"), 12));
        QSqlDatabase db = service.database().value;
        // Submitted earlier than the work on them below.
        QSqlQuery created(db);
        created.prepare(QStringLiteral("UPDATE viralspot_batches SET created_at = ? WHERE id = ?"));
        for (const auto &[id, minutes] :
            { std::pair { travelId, 41 }, std::pair { frontId, 12 }, std::pair { followId, 9 } }) {
            created.addBindValue(QueueQuery::timestampValue(
                db, QDateTime::currentDateTimeUtc().addSecs(-60 * minutes)));
            created.addBindValue(id);
            created.exec();
        }
        work(db, names(QStringLiteral("travel"), 22), QStringLiteral("COMPLETED"), 25);
        work(db, { QStringLiteral("travel_23"), QStringLiteral("travel_24") },
            QStringLiteral("FAILED"), 24, QStringLiteral("profile is private"));
        work(db, names(QStringLiteral("front"), 30), QStringLiteral("COMPLETED"), 6);
        work(db, names(QStringLiteral("fashion"), 14), QStringLiteral("COMPLETED"), 3);
        work(db, { QStringLiteral("fashion_15") }, QStringLiteral("PROCESSING"), 0);
        work(db, { QStringLiteral("fashion_16"), QStringLiteral("fashion_17") },
            QStringLiteral("FAILED"), 2, QStringLiteral("HTTP 429 from Instagram, gave up"));
        // The finished batch's prediction history and finish time are recorded by a look.
        Batches::list(db);
        service.close();
    }

    Ui::MainWindowOptions options;
    options.databaseUrl = url;
    Ui::MainWindow window(options);
    window.resize(1280, 760);
    window.show();
    Test::waitFor([&] { return Test::database(&window)->isConnected(); }, 10000);
    auto *tab = window.findChild<Ui::BatchesTab *>(QStringLiteral("batchesTab"));
    Test::child<QTabWidget>(&window, "tabs")->setCurrentWidget(tab);
    Test::waitFor([&] { return tab->model()->rowCount() == 4 && !tab->model()->isBusy(); }, 10000);
    Test::waitFor([] { return false; }, 500); // let it paint
    if (!window.grab().save(output)) {
        qCritical("cannot write %s", qPrintable(output));
        return 1;
    }
    tab->openBatch(followId);
    Test::waitFor(
        [&] { return tab->page()->itemModel()->rowCount() > 0 && tab->page()->detail().found; },
        10000);
    Test::waitFor([] { return false; }, 500);
    QString page = output;
    page.replace(QLatin1String(".png"), QLatin1String("-page.png"));
    window.grab().save(page);
    window.close();
    return 0;
}
