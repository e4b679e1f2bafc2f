<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name>CommandLine</name>
    <message>
        <source>Database URL: sqlite:PATH or postgresql://user@host[:port]/dbname (default: $VIRALSPOT_DATABASE_URL, else a SQLite file in the application data folder).</source>
        <translation>Datenbank-URL: sqlite:PFAD oder postgresql://benutzer@host[:port]/dbname (Vorgabe: $VIRALSPOT_DATABASE_URL, sonst eine SQLite-Datei im Anwendungsdatenordner).</translation>
    </message>
    <message>
        <source>Try &apos;%1 --help&apos;.</source>
        <translation>Versuchen Sie &apos;%1 --help&apos;.</translation>
    </message>
</context>
<context>
    <name>Outcome</name>
    <message>
        <source>Repeats an earlier line of this batch</source>
        <translation>Wiederholt eine frühere Zeile dieses Stapels</translation>
    </message>
    <message>
        <source>Invalid input</source>
        <translation>Ungültige Eingabe</translation>
    </message>
    <message>
        <source>The database failed</source>
        <translation>Die Datenbank ist fehlgeschlagen</translation>
    </message>
    <message>
        <source>Not sent: the batch was cancelled</source>
        <translation>Nicht gesendet: der Stapel wurde abgebrochen</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Database</name>
    <message>
        <source>The Qt SQL driver for %1 is not installed (package %2).</source>
        <translation>Der Qt-SQL-Treiber für %1 ist nicht installiert (Paket %2).</translation>
    </message>
    <message>
        <source>Cannot create the folder %1 for the SQLite database.</source>
        <translation>Der Ordner %1 für die SQLite-Datenbank kann nicht angelegt werden.</translation>
    </message>
    <message>
        <source>Cannot connect to %1 at %2: %3</source>
        <translation>Keine Verbindung zu %1 auf %2: %3</translation>
    </message>
    <message>
        <source>Cannot use the SQLite database %1: %2</source>
        <translation>Die SQLite-Datenbank %1 ist nicht nutzbar: %2</translation>
    </message>
</context>
<context>
    <name>ViralSpot::DatabaseConfig</name>
    <message>
        <source>The SQLite URL names no file: use sqlite:PATH.</source>
        <translation>Die SQLite-URL nennt keine Datei: verwenden Sie sqlite:PFAD.</translation>
    </message>
    <message>
        <source>The SQLite path contains a NUL character.</source>
        <translation>Der SQLite-Pfad enthält ein NUL-Zeichen.</translation>
    </message>
    <message>
        <source>The database URL is empty.</source>
        <translation>Die Datenbank-URL ist leer.</translation>
    </message>
    <message>
        <source>Unsupported database URL &quot;%1&quot;: use sqlite:PATH or postgresql://user[:password]@host[:port]/dbname.</source>
        <translation>Nicht unterstützte Datenbank-URL „%1“: verwenden Sie sqlite:PFAD oder postgresql://benutzer[:passwort]@host[:port]/dbname.</translation>
    </message>
    <message>
        <source>The PostgreSQL URL is not valid: %1</source>
        <translation>Die PostgreSQL-URL ist ungültig: %1</translation>
    </message>
    <message>
        <source>The PostgreSQL port must be between 1 and 65535.</source>
        <translation>Der PostgreSQL-Port muss zwischen 1 und 65535 liegen.</translation>
    </message>
    <message>
        <source>The PostgreSQL URL option &quot;%1&quot; is not a plain key=value pair.</source>
        <translation>Die PostgreSQL-URL-Option „%1“ ist kein einfaches Schlüssel=Wert-Paar.</translation>
    </message>
    <message>
        <source>The PostgreSQL URL names no database: add /dbname.</source>
        <translation>Die PostgreSQL-URL nennt keine Datenbank: ergänzen Sie /dbname.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Schema</name>
    <message>
        <source>Cannot start the migration: %1</source>
        <translation>Die Migration kann nicht gestartet werden: %1</translation>
    </message>
    <message>
        <source>Migration %1 (%2) failed: %3</source>
        <translation>Migration %1 (%2) fehlgeschlagen: %3</translation>
    </message>
    <message>
        <source>Duplicate active rows remain after the repair.</source>
        <translation>Nach der Reparatur bleiben doppelte aktive Zeilen übrig.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::RequestWorker</name>
    <message>
        <source>No database is configured.</source>
        <translation>Es ist keine Datenbank eingerichtet.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::SecretStore</name>
    <message>
        <source>The password is kept in the desktop keychain, never in the settings file.</source>
        <translation>Das Passwort liegt im Schlüsselbund der Arbeitsumgebung, nie in der Einstellungsdatei.</translation>
    </message>
    <message>
        <source>No keychain service is running: the password is kept for this session only (or set PGPASSWORD / ~/.pgpass). It is never written to the settings file.</source>
        <translation>Es läuft kein Schlüsselbund-Dienst: das Passwort gilt nur für diese Sitzung (oder setzen Sie PGPASSWORD / ~/.pgpass). Es wird nie in die Einstellungsdatei geschrieben.</translation>
    </message>
</context>
</TS>
