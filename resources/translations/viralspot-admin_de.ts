<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name>AuditLog</name>
    <message>
        <source>queued</source>
        <translation>eingereiht</translation>
    </message>
    <message>
        <source>already processed</source>
        <translation>bereits verarbeitet</translation>
    </message>
    <message>
        <source>already queued</source>
        <translation>bereits in der Warteschlange</translation>
    </message>
    <message>
        <source>repeated in the batch</source>
        <translation>im Stapel wiederholt</translation>
    </message>
    <message>
        <source>invalid</source>
        <translation>ungültig</translation>
    </message>
    <message>
        <source>database error</source>
        <translation>Datenbankfehler</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>queued beside a paused request</source>
        <translation>eingereiht neben einer pausierten Anfrage</translation>
    </message>
    <message>
        <source>changed</source>
        <translation>geändert</translation>
    </message>
    <message>
        <source>skipped: the username has an active row</source>
        <translation>übersprungen: der Benutzername hat schon eine aktive Zeile</translation>
    </message>
    <message>
        <source>skipped: another selected row of the username</source>
        <translation>übersprungen: eine andere ausgewählte Zeile desselben Benutzernamens</translation>
    </message>
    <message>
        <source>skipped: not in a state for this action</source>
        <translation>übersprungen: nicht in einem Status für diese Aktion</translation>
    </message>
    <message>
        <source>skipped: no longer in the queue</source>
        <translation>übersprungen: nicht mehr in der Warteschlange</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
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
    <message>
        <source>Read-only mode: nothing is written to the queue (also VIRALSPOT_READ_ONLY=1).</source>
        <translation>Nur-Lese-Modus: Es wird nichts in die Warteschlange geschrieben (auch VIRALSPOT_READ_ONLY=1).</translation>
    </message>
</context>
<context>
    <name>Http</name>
    <message>
        <source>No address to listen on.</source>
        <translation>Keine Adresse zum Lauschen angegeben.</translation>
    </message>
    <message>
        <source>Refusing to listen on %1 without an API token: anyone on the network could queue profiles. Give a token with --token-file FILE or the VIRALSPOT_API_TOKEN environment variable, or bind 127.0.0.1.</source>
        <translation>Lauschen auf %1 ohne API-Token wird verweigert: jeder im Netz könnte Profile einreihen. Geben Sie ein Token mit --token-file DATEI oder der Umgebungsvariablen VIRALSPOT_API_TOKEN an, oder binden Sie an 127.0.0.1.</translation>
    </message>
    <message>
        <source>No database is configured.</source>
        <translation>Es ist keine Datenbank eingerichtet.</translation>
    </message>
    <message>
        <source>Invalid request size limits.</source>
        <translation>Ungültige Größenbeschränkungen für Anfragen.</translation>
    </message>
    <message>
        <source>Cannot read the token file %1: %2</source>
        <translation>Die Token-Datei %1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>The token file %1 is empty.</source>
        <translation>Die Token-Datei %1 ist leer.</translation>
    </message>
</context>
<context>
    <name>Outcome</name>
    <message>
        <source>Repeats an earlier input of this batch</source>
        <translation>Wiederholt eine frühere Eingabe dieses Stapels</translation>
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
    <message>
        <source>Note: an earlier request for %1 is paused (an admin paused it). It stays paused; this new request waits beside it.</source>
        <translation>Hinweis: Eine frühere Anfrage für %1 ist pausiert (von einem Administrator angehalten). Sie bleibt pausiert; diese neue Anfrage wartet daneben.</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>Drive</source>
        <translation>Laufwerk</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Ordner</translation>
    </message>
</context>
<context>
    <name>ServeCommand</name>
    <message>
        <source>Runs the HTTP endpoint without a window. The API token is read from --token-file or the VIRALSPOT_API_TOKEN environment variable, never from the command line.</source>
        <translation>Startet den HTTP-Endpunkt ohne Fenster. Das API-Token wird aus --token-file oder der Umgebungsvariablen VIRALSPOT_API_TOKEN gelesen, nie von der Befehlszeile.</translation>
    </message>
    <message>
        <source>Address to listen on (default 127.0.0.1; any other address needs an API token).</source>
        <translation>Adresse, auf der gelauscht wird (Vorgabe 127.0.0.1; jede andere Adresse braucht ein API-Token).</translation>
    </message>
    <message>
        <source>Port (default 8080; 0 picks a free one).</source>
        <translation>Port (Vorgabe 8080; 0 wählt einen freien).</translation>
    </message>
    <message>
        <source>File holding the API token required as &apos;Authorization: Bearer TOKEN&apos; on /api/ requests.</source>
        <translation>Datei mit dem API-Token, das als &apos;Authorization: Bearer TOKEN&apos; bei /api/-Anfragen verlangt wird.</translation>
    </message>
    <message>
        <source>Browser origin allowed by CORS (repeatable).</source>
        <translation>Per CORS erlaubter Browser-Ursprung (mehrfach möglich).</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Batches</name>
    <message>
        <source>The database is unavailable: %1</source>
        <translation>Die Datenbank ist nicht erreichbar: %1</translation>
    </message>
    <message>
        <source>The database failed: %1</source>
        <translation>Die Datenbank ist fehlgeschlagen: %1</translation>
    </message>
    <message numerus="yes">
        <source>workers idle (no row finished in the last %n minutes)</source>
        <translation>
            <numerusform>Worker untätig (keine Zeile in der letzten %n Minute abgeschlossen)</numerusform>
            <numerusform>Worker untätig (keine Zeile in den letzten %n Minuten abgeschlossen)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>too few completions to measure (%n in the last %1 minutes)</source>
        <translation>
            <numerusform>zu wenige Abschlüsse zum Messen (%n in den letzten %1 Minuten)</numerusform>
            <numerusform>zu wenige Abschlüsse zum Messen (%n in den letzten %1 Minuten)</numerusform>
        </translation>
    </message>
    <message>
        <source>the rest is paused</source>
        <translation>der Rest ist pausiert</translation>
    </message>
    <message>
        <source>nothing left to wait for</source>
        <translation>nichts mehr abzuwarten</translation>
    </message>
    <message>
        <source>Processed</source>
        <translation>Verarbeitet</translation>
    </message>
    <message>
        <source>Processing</source>
        <translation>In Arbeit</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Pausiert</translation>
    </message>
    <message>
        <source>Gone</source>
        <translation>Entfernt</translation>
    </message>
    <message>
        <source>Not queued</source>
        <translation>Nicht eingereiht</translation>
    </message>
    <message>
        <source>Retry the failed</source>
        <translation>Die fehlgeschlagenen wiederholen</translation>
    </message>
    <message>
        <source>Raise the waiting to HIGH</source>
        <translation>Die wartenden auf HIGH heben</translation>
    </message>
    <message>
        <source>Pause the rest</source>
        <translation>Den Rest pausieren</translation>
    </message>
    <message>
        <source>Resume the rest</source>
        <translation>Den Rest fortsetzen</translation>
    </message>
    <message>
        <source>batch</source>
        <translation>Stapel</translation>
    </message>
    <message>
        <source>Single requests of %1 on %2</source>
        <translation>Einzelanfragen von %1 am %2</translation>
    </message>
    <message>
        <source>no such batch</source>
        <translation>kein solcher Stapel</translation>
    </message>
    <message>
        <source>not waiting in the queue</source>
        <translation>wartet nicht in der Warteschlange</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n row(s) would change now</source>
        <translation>
            <numerusform>%1: %n Zeile würde sich jetzt ändern</numerusform>
            <numerusform>%1: %n Zeilen würden sich jetzt ändern</numerusform>
        </translation>
    </message>
    <message>
        <source>%1: nothing to change</source>
        <translation>%1: nichts zu ändern</translation>
    </message>
    <message>
        <source>A batch needs a name.</source>
        <translation>Ein Stapel braucht einen Namen.</translation>
    </message>
    <message>
        <source>A batch name is at most 200 characters.</source>
        <translation>Ein Stapelname hat höchstens 200 Zeichen.</translation>
    </message>
    <message>
        <source>No batch with id %1.</source>
        <translation>Kein Stapel mit der ID %1.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::BatchesCommand</name>
    <message>
        <source>done</source>
        <translation>fertig</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>List the batches (every bulk submission: window, submit, POST /api/batches), newest first, with where their profiles are now and when the rest should be done.</source>
        <translation>Listet die Stapel (jede Sammelübermittlung: Fenster, submit, POST /api/batches), die neuesten zuerst, mit dem Stand ihrer Profile und wann der Rest fertig sein sollte.</translation>
    </message>
    <message>
        <source>One JSON object per batch on standard output (the fields of GET /api/batches/{id}), nothing else.</source>
        <translation>Ein JSON-Objekt pro Stapel auf der Standardausgabe (die Felder von GET /api/batches/{id}), sonst nichts.</translation>
    </message>
    <message>
        <source>How many batches, newest first (default: 50).</source>
        <translation>Wie viele Stapel, die neuesten zuerst (Standard: 50).</translation>
    </message>
    <message>
        <source>Only batches whose name holds this text.</source>
        <translation>Nur Stapel, deren Name diesen Text enthält.</translation>
    </message>
    <message>
        <source>batches: unexpected argument &apos;%1&apos;.
Try &apos;viralspot-admin batches --help&apos;.
</source>
        <translation>batches: unerwartetes Argument &apos;%1&apos;.
Versuchen Sie &apos;viralspot-admin batches --help&apos;.
</translation>
    </message>
    <message>
        <source>batches: --limit takes a number above 0.
</source>
        <translation>batches: --limit erwartet eine Zahl über 0.
</translation>
    </message>
    <message>
        <source>batches: %1
</source>
        <translation>batches: %1
</translation>
    </message>
    <message>
        <source>id	created	name	total	processed	processing	waiting	failed	paused	gone	eta
</source>
        <translation>id	erstellt	name	gesamt	verarbeitet	in Arbeit	wartend	fehlgeschlagen	pausiert	entfernt	eta
</translation>
    </message>
    <message>
        <source>No batches yet.
</source>
        <translation>Noch keine Stapel.
</translation>
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
    <message>
        <source>A value holds a NUL character, which PostgreSQL cannot store.</source>
        <translation>Ein Wert enthält ein NUL-Zeichen, das PostgreSQL nicht speichern kann.</translation>
    </message>
    <message>
        <source>The statement has more placeholders than values.</source>
        <translation>Die Anweisung hat mehr Platzhalter als Werte.</translation>
    </message>
    <message>
        <source>The statement has fewer placeholders than values.</source>
        <translation>Die Anweisung hat weniger Platzhalter als Werte.</translation>
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
    <message>
        <source>&quot;%1&quot; is not a connection option.</source>
        <translation>„%1“ ist keine Verbindungsoption.</translation>
    </message>
    <message>
        <source>The connection option &quot;%1&quot; cannot be used here (it holds &apos;;&apos; or a space).</source>
        <translation>Die Verbindungsoption „%1“ kann hier nicht verwendet werden (sie enthält &apos;;&apos; oder ein Leerzeichen).</translation>
    </message>
    <message>
        <source>The connection string is not keyword=value pairs (at &quot;%1&quot;).</source>
        <translation>Die Verbindungszeichenfolge besteht nicht aus Schlüssel=Wert-Paaren (bei „%1“).</translation>
    </message>
    <message>
        <source>The connection string has an unterminated quote after &quot;%1=&quot;.</source>
        <translation>Die Verbindungszeichenfolge hat ein nicht geschlossenes Anführungszeichen nach „%1=“.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::DatabaseThread</name>
    <message>
        <source>unknown exception</source>
        <translation>unbekannte Ausnahme</translation>
    </message>
    <message>
        <source>The database could not be opened.</source>
        <translation>Die Datenbank konnte nicht geöffnet werden.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Http::EndpointServer</name>
    <message>
        <source>The endpoint is already running on %1.</source>
        <translation>Der Endpunkt läuft bereits auf %1.</translation>
    </message>
    <message>
        <source>Cannot listen on %1 port %2: %3</source>
        <translation>Lauschen auf %1 Port %2 nicht möglich: %3</translation>
    </message>
</context>
<context>
    <name>ViralSpot::MigrateCommand</name>
    <message>
        <source>-- %1 does not exist yet: every step, as for a new SQLite database.
</source>
        <translation>-- %1 existiert noch nicht: alle Schritte, wie für eine neue SQLite-Datenbank.
</translation>
    </message>
    <message>
        <source>-- No database given (--database URL or VIRALSPOT_DATABASE_URL): every step, as for a new PostgreSQL database.
-- An existing database needs only its missing steps (and an adopted ViralSpot table only its missing columns):
-- give its URL to see exactly those.
</source>
        <translation>-- Keine Datenbank angegeben (--database URL oder VIRALSPOT_DATABASE_URL): alle Schritte, wie für eine neue PostgreSQL-Datenbank.
-- Eine vorhandene Datenbank braucht nur ihre fehlenden Schritte (und eine übernommene ViralSpot-Tabelle nur ihre fehlenden Spalten):
-- geben Sie ihre URL an, um genau diese zu sehen.
</translation>
    </message>
    <message>
        <source>-- %1 is at schema version %2, the latest: nothing to migrate.
</source>
        <translation>-- %1 hat die Schemaversion %2, die neueste: nichts zu migrieren.
</translation>
    </message>
    <message>
        <source>-- %1 is at schema version %2; these steps bring it to %3.

</source>
        <translation>-- %1 hat die Schemaversion %2; diese Schritte bringen sie auf %3.

</translation>
    </message>
    <message>
        <source>-- What the role %1 needs at run time:
</source>
        <translation>-- Was die Rolle %1 zur Laufzeit braucht:
</translation>
    </message>
    <message>
        <source>Bring the database schema up to date, for the database owner or a DBA: only the missing steps run, each in its own transaction. With --print-sql, print the SQL instead (for review; nothing is run): with a database, only what it is missing; without one, every step for a new PostgreSQL database.
Exit status: 0 done, 1 duplicate active rows block a step (run &apos;viralspot-admin repair-duplicates --apply&apos; first), 2 the database failed or the role may not change the schema.</source>
        <translation>Bringt das Datenbankschema auf den neuesten Stand, für den Eigentümer der Datenbank oder einen DBA: Nur die fehlenden Schritte laufen, jeder in einer eigenen Transaktion. Mit --print-sql wird stattdessen das SQL ausgegeben (zur Durchsicht; nichts wird ausgeführt): mit einer Datenbank nur, was ihr fehlt; ohne eine alle Schritte für eine neue PostgreSQL-Datenbank.
Exit-Status: 0 erledigt, 1 doppelte aktive Zeilen blockieren einen Schritt (zuerst &apos;viralspot-admin repair-duplicates --apply&apos; ausführen), 2 die Datenbank ist fehlgeschlagen oder die Rolle darf das Schema nicht ändern.</translation>
    </message>
    <message>
        <source>Print the SQL instead of running it.</source>
        <translation>Das SQL ausgeben, statt es auszuführen.</translation>
    </message>
    <message>
        <source>Also grant ROLE the rights the app needs at run time (PostgreSQL).</source>
        <translation>Außerdem ROLE die Rechte erteilen, die die App zur Laufzeit braucht (PostgreSQL).</translation>
    </message>
    <message>
        <source>--grant is for PostgreSQL: SQLite has no roles.</source>
        <translation>--grant ist für PostgreSQL: SQLite hat keine Rollen.</translation>
    </message>
    <message>
        <source>migrate: give the database with --database URL (or VIRALSPOT_DATABASE_URL), or use --print-sql to see the SQL for a new one.</source>
        <translation>migrate: geben Sie die Datenbank mit --database URL (oder VIRALSPOT_DATABASE_URL) an, oder verwenden Sie --print-sql, um das SQL für eine neue zu sehen.</translation>
    </message>
    <message>
        <source>Read-only mode: nothing was migrated.</source>
        <translation>Nur-Lese-Modus: Es wurde nichts migriert.</translation>
    </message>
    <message>
        <source>Schema at version %1 of %2: the next step waits for the repair.</source>
        <translation>Schema auf Version %1 von %2: der nächste Schritt wartet auf die Reparatur.</translation>
    </message>
    <message>
        <source>Schema at version %1, the latest: nothing to do.</source>
        <translation>Schema auf Version %1, der neuesten: nichts zu tun.</translation>
    </message>
    <message>
        <source>Schema migrated from version %1 to %2.</source>
        <translation>Schema von Version %1 auf %2 migriert.</translation>
    </message>
    <message>
        <source>%1 failed: %2</source>
        <translation>%1 fehlgeschlagen: %2</translation>
    </message>
</context>
<context>
    <name>ViralSpot::QueueActionResult</name>
    <message>
        <source>%1 failed: %2</source>
        <translation>%1 fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>%1: %2 of %3 rows changed</source>
        <translation>%1: %2 von %3 Zeilen geändert</translation>
    </message>
    <message>
        <source>%1 skipped: the username already has an active (pending or processing) row</source>
        <translation>%1 übersprungen: der Benutzername hat bereits eine aktive Zeile (wartend oder in Bearbeitung)</translation>
    </message>
    <message>
        <source>%1 skipped: another selected row of the same username was used</source>
        <translation>%1 übersprungen: eine andere ausgewählte Zeile desselben Benutzernamens wurde verwendet</translation>
    </message>
    <message>
        <source>%1 skipped: not in a state this action applies to</source>
        <translation>%1 übersprungen: nicht in einem Zustand, für den diese Aktion gilt</translation>
    </message>
    <message>
        <source>%1 skipped: no longer in the queue</source>
        <translation>%1 übersprungen: nicht mehr in der Warteschlange</translation>
    </message>
</context>
<context>
    <name>ViralSpot::QueueActions</name>
    <message>
        <source>Retry</source>
        <translation>Wiederholen</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pausieren</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>Raise priority</source>
        <translation>Priorität erhöhen</translation>
    </message>
</context>
<context>
    <name>ViralSpot::QueueQuery</name>
    <message>
        <source>The database is unavailable: %1</source>
        <translation>Die Datenbank ist nicht erreichbar: %1</translation>
    </message>
    <message>
        <source>The database failed: %1</source>
        <translation>Die Datenbank ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Profile %1 is fully processed</source>
        <translation>Profil %1 ist vollständig verarbeitet</translation>
    </message>
    <message>
        <source>Profile %1 is in the queue with status %2</source>
        <translation>Profil %1 ist in der Warteschlange mit Status %2</translation>
    </message>
    <message>
        <source>Profile %1 has not been requested</source>
        <translation>Profil %1 wurde nicht angefragt</translation>
    </message>
    <message>
        <source>%1+</source>
        <extracomment>More than this many rows: the count stopped at its cap.</extracomment>
        <translation>%1+</translation>
    </message>
    <message>
        <source>about %1 million</source>
        <translation>etwa %1 Millionen</translation>
    </message>
    <message>
        <source>about %1</source>
        <translation>etwa %1</translation>
    </message>
</context>
<context>
    <name>ViralSpot::RepairCommand</name>
    <message>
        <source>Find usernames with more than one active (PENDING or PROCESSING) queue row. With --apply, keep the oldest active row of each and mark the others FAILED, with an error message naming the row kept. Nothing is deleted.</source>
        <translation>Findet Benutzernamen mit mehr als einer aktiven (PENDING oder PROCESSING) Zeile in der Warteschlange. Mit --apply wird jeweils die älteste aktive Zeile behalten und die anderen werden als FAILED markiert, mit einer Fehlermeldung, die die behaltene Zeile nennt. Nichts wird gelöscht.</translation>
    </message>
    <message>
        <source>Repair, instead of only reporting.</source>
        <translation>Reparieren, statt nur zu berichten.</translation>
    </message>
    <message>
        <source>No duplicate active rows: nothing to repair.</source>
        <translation>Keine doppelten aktiven Zeilen: nichts zu reparieren.</translation>
    </message>
    <message>
        <source>The repair failed: %1</source>
        <translation>Die Reparatur ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Repaired %1 usernames: %2 rows marked FAILED, the oldest active row of each kept.</source>
        <translation>%1 Benutzernamen repariert: %2 Zeilen als FAILED markiert, jeweils die älteste aktive Zeile behalten.</translation>
    </message>
    <message>
        <source>Read-only mode: nothing was repaired.</source>
        <translation>Nur-Lese-Modus: Es wurde nichts repariert.</translation>
    </message>
    <message>
        <source>The audit log could not be written: %1</source>
        <translation>Das Protokoll konnte nicht geschrieben werden: %1</translation>
    </message>
    <message>
        <source>The rows could not be listed: %1</source>
        <translation>Die Zeilen konnten nicht aufgelistet werden: %1</translation>
    </message>
    <message>
        <source>would mark FAILED: %1	row %2	%3	created %4	keeps row %5</source>
        <translation>würde als FAILED markieren: %1	Zeile %2	%3	erstellt %4	behält Zeile %5</translation>
    </message>
    <message>
        <source>%1 usernames have more than one active queue row (%2 extra rows). Run &apos;%3&apos; to keep the oldest of each and mark the others FAILED.</source>
        <translation>%1 Benutzernamen haben mehr als eine aktive Zeile in der Warteschlange (%2 überzählige Zeilen). Führen Sie &apos;%3&apos; aus, um jeweils die älteste zu behalten und die anderen als FAILED zu markieren.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::RequestService</name>
    <message>
        <source>The database is unavailable: %1</source>
        <translation>Die Datenbank ist nicht erreichbar: %1</translation>
    </message>
    <message>
        <source>The database failed: %1</source>
        <translation>Die Datenbank ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Refused a value that could not be sent safely.</source>
        <translation>Ein Wert, der nicht sicher gesendet werden konnte, wurde abgelehnt.</translation>
    </message>
    <message>
        <source>The username is not in normalized form.</source>
        <translation>Der Benutzername ist nicht in normalisierter Form.</translation>
    </message>
    <message>
        <source>Repeats %1 from input %2 of this batch</source>
        <translation>Wiederholt %1 aus Eingabe %2 dieses Stapels</translation>
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
    <message>
        <source>The database schema is at version %1 and this version of ViralSpot Admin needs version %2 (next step: %3 — %4), but the database role %5 may not change the schema (%6). Ask the database owner to run &apos;viralspot-admin migrate&apos; with this database (to review the SQL first: &apos;viralspot-admin migrate --print-sql&apos;), and to grant this role what it needs (&apos;%7&apos;).</source>
        <translation>Das Datenbankschema hat die Version %1, und diese Version von ViralSpot Admin braucht Version %2 (nächster Schritt: %3 — %4), aber die Datenbankrolle %5 darf das Schema nicht ändern (%6). Bitten Sie den Eigentümer der Datenbank, &apos;viralspot-admin migrate&apos; mit dieser Datenbank auszuführen (um zuerst das SQL durchzusehen: &apos;viralspot-admin migrate --print-sql&apos;), und dieser Rolle zu erteilen, was sie braucht (&apos;%7&apos;).</translation>
    </message>
    <message>
        <source>The database role %1 may not create objects in schema %2, so it cannot bring the schema up to date. Ask the database owner to run &apos;viralspot-admin migrate&apos; with this database, and to grant this role what it needs (&apos;%3&apos;).</source>
        <translation>Die Datenbankrolle %1 darf im Schema %2 keine Objekte anlegen und kann das Schema daher nicht auf den neuesten Stand bringen. Bitten Sie den Eigentümer der Datenbank, &apos;viralspot-admin migrate&apos; mit dieser Datenbank auszuführen und dieser Rolle zu erteilen, was sie braucht (&apos;%3&apos;).</translation>
    </message>
    <message>
        <source>The database role %1 lacks a right on %2 (%3): it needs %4 there. As the database owner, run: %5; (every grant the app needs: &apos;%6&apos;).</source>
        <translation>Der Datenbankrolle %1 fehlt ein Recht auf %2 (%3): sie braucht dort %4. Führen Sie als Eigentümer der Datenbank aus: %5; (alle Rechte, die die App braucht: &apos;%6&apos;).</translation>
    </message>
    <message>
        <source>The database role %1 lacks a right: %2 As the database owner, grant it (every grant the app needs: &apos;%3&apos;).</source>
        <translation>Der Datenbankrolle %1 fehlt ein Recht: %2 Erteilen Sie es als Eigentümer der Datenbank (alle Rechte, die die App braucht: &apos;%3&apos;).</translation>
    </message>
    <message>
        <source>The queue holds duplicate active rows (%1 usernames with %2 extra rows), left by an older tool, so requests are refused until they are repaired. Run &apos;%3&apos; to keep the oldest active row of each username and mark the others FAILED (nothing is deleted; without --apply it only lists them), or use Repair… in the window&apos;s banner.</source>
        <translation>Die Warteschlange enthält doppelte aktive Zeilen (%1 Benutzernamen mit %2 überzähligen Zeilen), die ein älteres Werkzeug hinterlassen hat; daher werden Anfragen abgelehnt, bis sie repariert sind. Führen Sie &apos;%3&apos; aus, um jeweils die älteste aktive Zeile jedes Benutzernamens zu behalten und die anderen als FAILED zu markieren (nichts wird gelöscht; ohne --apply werden sie nur aufgelistet), oder verwenden Sie „Reparieren…“ im Banner des Fensters.</translation>
    </message>
    <message>
        <source>Cannot read the schema version: %1</source>
        <translation>Die Schemaversion kann nicht gelesen werden: %1</translation>
    </message>
</context>
<context>
    <name>ViralSpot::SqliteFileGuard</name>
    <message>
        <source>The SQLite database %1 is no longer the file this program writes to (%2): another program, or this one outside SQLite, opened and closed its files, and the changes made since then are not in the database. The last change was not confirmed; the database is opened again.</source>
        <translation>Die SQLite-Datenbank %1 ist nicht mehr die Datei, in die dieses Programm schreibt (%2): Ein anderes Programm oder dieses außerhalb von SQLite hat ihre Dateien geöffnet und geschlossen, und die seitdem vorgenommenen Änderungen sind nicht in der Datenbank. Die letzte Änderung wurde nicht bestätigt; die Datenbank wird erneut geöffnet.</translation>
    </message>
    <message>
        <source>This program still holds copies of the SQLite database %1 that are no longer the files at that path (%2). The database is opened again once every connection of this program has let go of them (within seconds).</source>
        <translation>Dieses Programm hält noch Kopien der SQLite-Datenbank %1, die nicht mehr die Dateien unter diesem Pfad sind (%2). Die Datenbank wird erneut geöffnet, sobald jede Verbindung dieses Programms sie freigegeben hat (innerhalb von Sekunden).</translation>
    </message>
    <message>
        <source>the database file was deleted or replaced</source>
        <translation>die Datenbankdatei wurde gelöscht oder ersetzt</translation>
    </message>
    <message>
        <source>its write-ahead log %1-wal was deleted or replaced</source>
        <translation>ihr Write-Ahead-Log %1-wal wurde gelöscht oder ersetzt</translation>
    </message>
    <message>
        <source>%1 is a file of the database this program has open. It is not opened outside the database: doing so would release the database&apos;s locks and lose other programs&apos; changes. Choose another file.</source>
        <translation>%1 ist eine Datei der Datenbank, die dieses Programm geöffnet hat. Sie wird nicht außerhalb der Datenbank geöffnet: Das würde die Sperren der Datenbank aufheben und die Änderungen anderer Programme verlieren. Wählen Sie eine andere Datei.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::SubmitCommand</name>
    <message>
        <source>Where the request comes from (default: frontend).</source>
        <translation>Woher die Anfrage kommt (Vorgabe: frontend).</translation>
    </message>
    <message>
        <source>One JSON object per input on standard output, nothing else.</source>
        <translation>Ein JSON-Objekt pro Eingabe auf der Standardausgabe, sonst nichts.</translation>
    </message>
    <message>
        <source>Read standard input as CSV.</source>
        <translation>Die Standardeingabe als CSV lesen.</translation>
    </message>
    <message>
        <source>Usernames or profile URLs, or - for standard input.</source>
        <translation>Benutzernamen oder Profil-URLs, oder - für die Standardeingabe.</translation>
    </message>
    <message>
        <source>submit: give one or more usernames, or - to read them from standard input.
Try &apos;viralspot-admin submit --help&apos;.
</source>
        <translation>submit: geben Sie einen oder mehrere Benutzernamen an, oder - um sie von der Standardeingabe zu lesen.
Versuchen Sie &apos;viralspot-admin submit --help&apos;.
</translation>
    </message>
    <message>
        <source>%1 inputs: %2 queued, %3 already processed, %4 already queued, %5 duplicate in batch, %6 invalid, %7 errors
</source>
        <translation>%1 Eingaben: %2 eingereiht, %3 bereits verarbeitet, %4 bereits in der Warteschlange, %5 doppelt im Stapel, %6 ungültig, %7 Fehler
</translation>
    </message>
    <message>
        <source>submit: %1
</source>
        <translation>submit: %1
</translation>
    </message>
    <message>
        <source>submit: read-only mode: nothing was submitted.
</source>
        <translation>submit: Nur-Lese-Modus: Es wurde nichts übermittelt.
</translation>
    </message>
    <message>
        <source>submit: the audit log could not be written: %1
</source>
        <translation>submit: Das Protokoll konnte nicht geschrieben werden: %1
</translation>
    </message>
    <message>
        <source>done</source>
        <translation>fertig</translation>
    </message>
    <message>
        <source>ETA unknown</source>
        <translation>voraussichtliches Ende unbekannt</translation>
    </message>
    <message>
        <source>ETA unknown (%1)</source>
        <translation>voraussichtliches Ende unbekannt (%1)</translation>
    </message>
    <message>
        <source>ETA %1 - %2</source>
        <translation>voraussichtliches Ende %1 - %2</translation>
    </message>
    <message>
        <source>%1%: %2 of %3 finished (%4 processed, %5 failed, %6 gone); %7 processing, %8 waiting, %9 paused; %10</source>
        <translation>%1%: %2 von %3 abgeschlossen (%4 verarbeitet, %5 fehlgeschlagen, %6 entfernt); %7 in Arbeit, %8 wartend, %9 pausiert; %10</translation>
    </message>
    <message>
        <source>submit: stopped waiting: the database is not available: %1
</source>
        <translation>submit: Warten beendet: die Datenbank ist nicht erreichbar: %1
</translation>
    </message>
    <message>
        <source>submit: the batch %1 is not in the database.
</source>
        <translation>submit: der Stapel %1 ist nicht in der Datenbank.
</translation>
    </message>
    <message>
        <source>Request processing of Instagram profiles: queue each at HIGH priority unless it is already processed or already waiting. Every submission is recorded as a batch (see &apos;viralspot-admin batches&apos;).
Usernames may be given as name, @name or a profile URL. Use - to read a list (new lines, commas, semicolons, tabs or spaces; CSV with a username column) from standard input; it is read, committed and printed piece by piece.
Exit status: 0 every input handled (with --wait: and every profile processed), 1 some input invalid, 2 the database failed, 3 with --wait: some profiles failed (or their queue row was deleted). When several apply, the first of 2, 1, 3 wins.</source>
        <translation>Fordert die Verarbeitung von Instagram-Profilen an: reiht jedes mit Priorität HIGH ein, sofern es nicht schon verarbeitet ist oder bereits wartet. Jede Übermittlung wird als Stapel festgehalten (siehe &apos;viralspot-admin batches&apos;).
Benutzernamen können als name, @name oder Profil-URL angegeben werden. Mit - wird eine Liste (Zeilenumbrüche, Kommas, Semikolons, Tabulatoren oder Leerzeichen; CSV mit einer Spalte username) von der Standardeingabe gelesen; sie wird Stück für Stück gelesen, gespeichert und ausgegeben.
Exit-Status: 0 alle Eingaben erledigt (mit --wait: und jedes Profil verarbeitet), 1 ungültige Eingaben, 2 die Datenbank ist fehlgeschlagen, 3 mit --wait: einige Profile sind fehlgeschlagen (oder ihre Zeile wurde gelöscht). Trifft mehreres zu, gilt das erste von 2, 1, 3.</translation>
    </message>
    <message>
        <source>The batch&apos;s name (default: the source and the time).</source>
        <translation>Der Name des Stapels (Standard: die Quelle und die Uhrzeit).</translation>
    </message>
    <message>
        <source>Follow the batch until every profile is processed or failed, with its progress on standard error.</source>
        <translation>Den Stapel verfolgen, bis jedes Profil verarbeitet oder fehlgeschlagen ist, mit dem Fortschritt auf der Standardfehlerausgabe.</translation>
    </message>
    <message>
        <source>submit: standard input cannot be read.
</source>
        <translation>submit: die Standardeingabe kann nicht gelesen werden.
</translation>
    </message>
    <message>
        <source>submit: batch %1, waiting for it to finish
</source>
        <translation>submit: Stapel %1, warte auf sein Ende
</translation>
    </message>
    <message>
        <source>ETA after %1 (more than %2 rows ahead)</source>
        <translation>Fertig nicht vor %1 (mehr als %2 Zeilen davor)</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::AuditLogWidget</name>
    <message>
        <source>Export the audit log view</source>
        <translation>Die Protokollansicht exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>Username, user or host contains…</source>
        <translation>Benutzername, Benutzer oder Rechner enthält…</translation>
    </message>
    <message>
        <source>All actions</source>
        <translation>Alle Aktionen</translation>
    </message>
    <message>
        <source>All origins</source>
        <translation>Alle Ursprünge</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>Beliebige Zeit</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Letzte 30 Tage</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>CSV exportieren…</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Origin</source>
        <translation>Ursprung</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <source>OS user</source>
        <translation>Systembenutzer</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Rechner</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>Gesamt</translation>
    </message>
    <message>
        <source>Counts</source>
        <translation>Anzahlen</translation>
    </message>
    <message>
        <source>Usernames</source>
        <translation>Benutzernamen</translation>
    </message>
    <message>
        <source>Load more</source>
        <translation>Mehr laden</translation>
    </message>
    <message>
        <source>Database error: %1</source>
        <translation>Datenbankfehler: %1</translation>
    </message>
    <message>
        <source> … (truncated)</source>
        <translation> … (gekürzt)</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>Export fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Entries shown: %1</source>
        <translation>Angezeigte Einträge: %1</translation>
    </message>
    <message>
        <source>Exported to %1 (entries: %2).</source>
        <translation>Nach %1 exportiert (Einträge: %2).</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::BatchFormat</name>
    <message>
        <source>done %1</source>
        <translation>fertig %1</translation>
    </message>
    <message>
        <source>done</source>
        <translation>fertig</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>unknown: %1</source>
        <translation>unbekannt: %1</translation>
    </message>
    <message>
        <source>%1 of %2 processed</source>
        <translation>%1 von %2 verarbeitet</translation>
    </message>
    <message>
        <source>%1 processing</source>
        <translation>%1 in Bearbeitung</translation>
    </message>
    <message>
        <source>%1 waiting (%2 high)</source>
        <translation>%1 wartend (%2 hoch)</translation>
    </message>
    <message>
        <source>%1 waiting</source>
        <translation>%1 wartend</translation>
    </message>
    <message>
        <source>%1 paused</source>
        <translation>%1 pausiert</translation>
    </message>
    <message>
        <source>%1 failed</source>
        <translation>%1 fehlgeschlagen</translation>
    </message>
    <message>
        <source>%1 gone</source>
        <translation>%1 entfernt</translation>
    </message>
    <message>
        <source>%1 not queued</source>
        <translation>%1 nicht eingereiht</translation>
    </message>
    <message>
        <source>predicted %1 at %2%</source>
        <translation>vorhergesagt %1 bei %2 %</translation>
    </message>
    <message>
        <source>within range</source>
        <translation>im Rahmen</translation>
    </message>
    <message numerus="yes">
        <source>%n min early</source>
        <translation>
            <numerusform>%n Min. früher</numerusform>
            <numerusform>%n Min. früher</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min late</source>
        <translation>
            <numerusform>%n Min. später</numerusform>
            <numerusform>%n Min. später</numerusform>
        </translation>
    </message>
    <message>
        <source>%1, finished %2: %3</source>
        <translation>%1, fertig %2: %3</translation>
    </message>
    <message>
        <source>Batches: %1+ (counted up to %1)</source>
        <translation>Stapel: %1+ (gezählt bis %1)</translation>
    </message>
    <message>
        <source>Batches: %1</source>
        <translation>Stapel: %1</translation>
    </message>
    <message>
        <source>Batch finished: %1</source>
        <translation>Stapel fertig: %1</translation>
    </message>
    <message>
        <source>All %1 profiles processed.</source>
        <translation>Alle %1 Profile verarbeitet.</translation>
    </message>
    <message>
        <source>%1 of %2 processed, %3 failed.</source>
        <translation>%1 von %2 verarbeitet, %3 fehlgeschlagen.</translation>
    </message>
    <message>
        <source>%1 removed from the queue.</source>
        <translation>%1 aus der Warteschlange entfernt.</translation>
    </message>
    <message numerus="yes">
        <source>Retry the failed items of this batch: %n row(s) go back to the queue as pending.</source>
        <translation>
            <numerusform>Fehlgeschlagene Einträge dieses Stapels erneut versuchen: %n Zeile kommt als wartend zurück in die Warteschlange.</numerusform>
            <numerusform>Fehlgeschlagene Einträge dieses Stapels erneut versuchen: %n Zeilen kommen als wartend zurück in die Warteschlange.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Raise the waiting items of this batch to HIGH priority: %n row(s).</source>
        <translation>
            <numerusform>Wartende Einträge dieses Stapels auf Priorität HIGH anheben: %n Zeile.</numerusform>
            <numerusform>Wartende Einträge dieses Stapels auf Priorität HIGH anheben: %n Zeilen.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Pause the waiting items of this batch: %n row(s); workers leave them alone.</source>
        <translation>
            <numerusform>Wartende Einträge dieses Stapels pausieren: %n Zeile; die Worker lassen sie liegen.</numerusform>
            <numerusform>Wartende Einträge dieses Stapels pausieren: %n Zeilen; die Worker lassen sie liegen.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Resume the paused items of this batch: %n row(s) go back to pending.</source>
        <translation>
            <numerusform>Pausierte Einträge dieses Stapels fortsetzen: %n Zeile wird wieder wartend.</numerusform>
            <numerusform>Pausierte Einträge dieses Stapels fortsetzen: %n Zeilen werden wieder wartend.</numerusform>
        </translation>
    </message>
    <message>
        <source>after %1</source>
        <translation>nach %1</translation>
    </message>
    <message>
        <source>Estimated from a sample of %1 items spread over the batch; exact counts decide when it is finished.</source>
        <translation>Geschätzt aus einer Stichprobe von %1 über den Stapel verteilten Einträgen; ob er fertig ist, entscheiden genaue Zählungen.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::BatchItemModel</name>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>Eingabe</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>At submission</source>
        <translation>Beim Einreichen</translation>
    </message>
    <message>
        <source>State now</source>
        <translation>Zustand jetzt</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Priorität</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::BatchListModel</name>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>ETA</source>
        <translation>Voraussichtlich</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Origin</source>
        <translation>Herkunft</translation>
    </message>
    <message>
        <source>Submitted by</source>
        <translation>Eingereicht von</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>More than %1 rows are ahead of this batch; their exact count is read in the background.</source>
        <translation>Mehr als %1 Zeilen sind vor diesem Stapel; ihre genaue Zahl wird im Hintergrund gelesen.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::BatchPage</name>
    <message>
        <source>Items shown: %1 of %2 matching</source>
        <translation>Angezeigte Einträge: %1 von %2 passenden</translation>
    </message>
    <message>
        <source>Database error: %1</source>
        <translation>Datenbankfehler: %1</translation>
    </message>
    <message>
        <source>← All batches</source>
        <translation>← Alle Stapel</translation>
    </message>
    <message>
        <source>Re&amp;name</source>
        <translation>Umbe&amp;nennen</translation>
    </message>
    <message>
        <source>Notify me when it finishes</source>
        <translation>Benachrichtigen, wenn er fertig ist</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>All items</source>
        <translation>Alle Einträge</translation>
    </message>
    <message>
        <source>&amp;Show:</source>
        <translation>&amp;Zeigen:</translation>
    </message>
    <message>
        <source>E&amp;xport CSV…</source>
        <translation>CSV e&amp;xportieren…</translation>
    </message>
    <message>
        <source>This batch no longer exists.</source>
        <translation>Diesen Stapel gibt es nicht mehr.</translation>
    </message>
    <message>
        <source>Source %1 · from the %2 · by %3 · created %4</source>
        <translation>Quelle %1 · aus %2 · von %3 · erstellt %4</translation>
    </message>
    <message>
        <source>ETA %1</source>
        <translation>Voraussichtlich %1</translation>
    </message>
    <message>
        <source>No prediction recorded yet.</source>
        <translation>Noch keine Vorhersage aufgezeichnet.</translation>
    </message>
    <message>
        <source>Predictions: %1</source>
        <translation>Vorhersagen: %1</translation>
    </message>
    <message>
        <source>Read-only mode</source>
        <translation>Nur-Lese-Modus</translation>
    </message>
    <message>
        <source>%1: counting…</source>
        <translation>%1: wird gezählt…</translation>
    </message>
    <message>
        <source>%1 failed: %2</source>
        <translation>%1 fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>%1: nothing to change now.</source>
        <translation>%1: jetzt nichts zu ändern.</translation>
    </message>
    <message>
        <source>Rows that changed meanwhile are skipped, and so is any row that would become a second active row for its username.</source>
        <translation>Zeilen, die sich inzwischen geändert haben, werden übersprungen, ebenso jede Zeile, die eine zweite aktive Zeile für ihren Benutzernamen würde.</translation>
    </message>
    <message>
        <source>%1: not confirmed; nothing changed.</source>
        <translation>%1: nicht bestätigt; nichts geändert.</translation>
    </message>
    <message>
        <source>%1: working…</source>
        <translation>%1: läuft…</translation>
    </message>
    <message>
        <source>%1: changed %2, skipped %3.</source>
        <translation>%1: %2 geändert, %3 übersprungen.</translation>
    </message>
    <message>
        <source>Export the batch&apos;s items</source>
        <translation>Einträge des Stapels exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>Exporting to %1…</source>
        <translation>Export nach %1…</translation>
    </message>
    <message>
        <source>Exported to %1 (items: %2).</source>
        <translation>Nach %1 exportiert (Einträge: %2).</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>Export fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Renamed to “%1”.</source>
        <translation>Umbenannt in „%1“.</translation>
    </message>
    <message>
        <source>Could not rename: %1</source>
        <translation>Umbenennen nicht möglich: %1</translation>
    </message>
    <message>
        <source>Could not change the notification: %1</source>
        <translation>Benachrichtigung nicht änderbar: %1</translation>
    </message>
    <message>
        <source>A notification comes when this batch finishes.</source>
        <translation>Eine Benachrichtigung kommt, wenn dieser Stapel fertig ist.</translation>
    </message>
    <message>
        <source>No notification for this batch.</source>
        <translation>Keine Benachrichtigung für diesen Stapel.</translation>
    </message>
    <message>
        <source>Items shown: %1 of about %2 matching</source>
        <translation>Angezeigte Einträge: %1 von etwa %2 passenden</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::BatchProgressDelegate</name>
    <message>
        <source>%1 — of %2</source>
        <translation>%1 — von %2</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::BatchesTab</name>
    <message>
        <source>Find a batch by name…</source>
        <translation>Stapel nach Namen suchen…</translation>
    </message>
    <message>
        <source>Desktop &amp;notifications when my batches finish</source>
        <translation>Desktop-&amp;Benachrichtigungen, wenn meine Stapel fertig sind</translation>
    </message>
    <message>
        <source>Database error: %1</source>
        <translation>Datenbankfehler: %1</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::BulkPage</name>
    <message>
        <source>Usernames</source>
        <translation>Benutzernamen</translation>
    </message>
    <message>
        <source>Paste or type usernames, @names or profile URLs — one per line, or separated by commas, semicolons, tabs or spaces. You can also drop a .txt or .csv file here. Tab moves to the next field; Ctrl+Tab types a tab.</source>
        <translation>Benutzernamen, @Namen oder Profil-URLs einfügen oder eingeben — einen pro Zeile oder getrennt durch Kommas, Semikolons, Tabulatoren oder Leerzeichen. Sie können auch eine .txt- oder .csv-Datei hierher ziehen. Tab wechselt zum nächsten Feld; Strg+Tab fügt einen Tabulator ein.</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>&amp;Importieren…</translation>
    </message>
    <message>
        <source>Clea&amp;r</source>
        <translation>Lee&amp;ren</translation>
    </message>
    <message>
        <source>Clear the text (Ctrl+Z brings it back); the results stay until the next Submit all</source>
        <translation>Den Text leeren (Strg+Z holt ihn zurück); die Ergebnisse bleiben bis zum nächsten „Alle senden“</translation>
    </message>
    <message>
        <source>Preview and results</source>
        <translation>Vorschau und Ergebnisse</translation>
    </message>
    <message>
        <source>All rows</source>
        <translation>Alle Zeilen</translation>
    </message>
    <message>
        <source>Valid (not yet submitted)</source>
        <translation>Gültig (noch nicht gesendet)</translation>
    </message>
    <message>
        <source>&amp;Show:</source>
        <translation>&amp;Zeigen:</translation>
    </message>
    <message>
        <source>Su&amp;bmit all</source>
        <translation>Alle &amp;senden</translation>
    </message>
    <message>
        <source>Request every valid username (Ctrl+Enter)</source>
        <translation>Jeden gültigen Benutzernamen anfragen (Strg+Eingabe)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Stop after the current chunk; what was committed stays (Esc)</source>
        <translation>Nach dem laufenden Abschnitt anhalten; Festgeschriebenes bleibt (Esc)</translation>
    </message>
    <message>
        <source>Retry &amp;errors</source>
        <translation>&amp;Fehler erneut senden</translation>
    </message>
    <message>
        <source>Send the rows that failed because of the database again</source>
        <translation>Die Zeilen, die wegen der Datenbank fehlgeschlagen sind, erneut senden</translation>
    </message>
    <message>
        <source>%v of %m</source>
        <translation>%v von %m</translation>
    </message>
    <message>
        <source>Copy in&amp;valid</source>
        <translation>&amp;Ungültige kopieren</translation>
    </message>
    <message>
        <source>Copy the invalid inputs, one per line, for fixing</source>
        <translation>Die ungültigen Eingaben zum Korrigieren kopieren, eine pro Zeile</translation>
    </message>
    <message>
        <source>E&amp;xport CSV…</source>
        <translation>CSV e&amp;xportieren…</translation>
    </message>
    <message>
        <source>Source:</source>
        <translation>Quelle:</translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>%1 kann nicht geöffnet werden: %2</translation>
    </message>
    <message>
        <source>Imported %1.</source>
        <translation>%1 importiert.</translation>
    </message>
    <message>
        <source>Import usernames</source>
        <translation>Benutzernamen importieren</translation>
    </message>
    <message>
        <source>Text and CSV files (*.txt *.csv);;All files (*)</source>
        <translation>Text- und CSV-Dateien (*.txt *.csv);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Export results</source>
        <translation>Ergebnisse exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>Invalid inputs copied to the clipboard: %1.</source>
        <translation>Ungültige Eingaben in die Zwischenablage kopiert: %1.</translation>
    </message>
    <message>
        <source>Replace the text?</source>
        <translation>Text ersetzen?</translation>
    </message>
    <message>
        <source>Replace the text in the editor with %1?</source>
        <translation>Den Text im Editor durch %1 ersetzen?</translation>
    </message>
    <message>
        <source>The text now in the editor is replaced; Undo cannot bring it back.</source>
        <translation>Der Text, der jetzt im Editor steht, wird ersetzt; Rückgängig kann ihn nicht zurückholen.</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>Ersetzen</translation>
    </message>
    <message>
        <source>Submit the same text again?</source>
        <translation>Denselben Text erneut senden?</translation>
    </message>
    <message>
        <source>This text was already submitted at %1: %2.</source>
        <translation>Dieser Text wurde bereits um %1 gesendet: %2.</translation>
    </message>
    <message>
        <source>Submitting it again requests every valid username once more: most come back as “Already queued”, and the new results replace these. To send only the rows that failed, use Retry errors.</source>
        <translation>Erneutes Senden fragt jeden gültigen Benutzernamen noch einmal an: Die meisten kommen als „Bereits in der Warteschlange“ zurück, und die neuen Ergebnisse ersetzen diese. Um nur die fehlgeschlagenen Zeilen zu senden, verwenden Sie „Fehler erneut senden“.</translation>
    </message>
    <message>
        <source>Submit again</source>
        <translation>Erneut senden</translation>
    </message>
    <message>
        <source>The batch&apos;s name in the Batches tab (empty: the source and time)</source>
        <translation>Der Name des Stapels im Reiter Stapel (leer: Quelle und Uhrzeit)</translation>
    </message>
    <message>
        <source>&amp;Follow in Batches</source>
        <translation>In Stapeln ver&amp;folgen</translation>
    </message>
    <message>
        <source>Open the submitted batch&apos;s page: its items as they are processed</source>
        <translation>Die Seite des eingereichten Stapels öffnen: seine Einträge, während sie verarbeitet werden</translation>
    </message>
    <message>
        <source>Open the page of “%1”</source>
        <translation>Die Seite von „%1“ öffnen</translation>
    </message>
    <message>
        <source>Batch &amp;name:</source>
        <translation>Stapel&amp;name:</translation>
    </message>
    <message>
        <source>The items of the streamed file&apos;s batch, read from the database as you scroll; Follow in Batches filters them by state</source>
        <translation>Die Einträge des Stapels der gestreamten Datei, beim Blättern aus der Datenbank gelesen; „In Stapeln verfolgen“ filtert sie nach Zustand</translation>
    </message>
    <message>
        <source>Chose %1 (%2). It is read and submitted piece by piece, in constant memory: every line becomes an item of the batch.</source>
        <translation>%1 (%2) gewählt. Die Datei wird Stück für Stück gelesen und gesendet, mit gleichbleibendem Speicherbedarf: Jede Zeile wird ein Eintrag des Stapels.</translation>
    </message>
    <message>
        <source>Read as %1.</source>
        <translation>Gelesen als %1.</translation>
    </message>
    <message>
        <source>Imported %1 (read as %2).</source>
        <translation>%1 importiert (gelesen als %2).</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::BulkResultModel</name>
    <message>
        <source>valid</source>
        <translation>gültig</translation>
    </message>
    <message>
        <source>invalid: %1</source>
        <translation>ungültig: %1</translation>
    </message>
    <message>
        <source>duplicate of line %1</source>
        <translation>doppelt mit Zeile %1</translation>
    </message>
    <message>
        <source>duplicate</source>
        <translation>doppelt</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>Zeile</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>Eingabe</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Prüfung</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::BulkSession</name>
    <message numerus="yes">
        <source>%n s</source>
        <translation>
            <numerusform>%n s</numerusform>
            <numerusform>%n s</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>Inserting…</source>
        <translation>Einfügen…</translation>
    </message>
    <message>
        <source>Reading…</source>
        <translation>Lese…</translation>
    </message>
    <message>
        <source>Nothing to submit yet.</source>
        <translation>Noch nichts zu senden.</translation>
    </message>
    <message>
        <source>Inputs: %1 · valid: %2 · invalid: %3 · duplicates: %4</source>
        <translation>Eingaben: %1 · gültig: %2 · ungültig: %3 · doppelt: %4</translation>
    </message>
    <message>
        <source>CSV, column %1</source>
        <translation>CSV, Spalte %1</translation>
    </message>
    <message>
        <source>These results are for the text submitted at %1, not for the text as it is now. They stay until you submit again: Submit all sends the current text.</source>
        <translation>Diese Ergebnisse gehören zu dem um %1 gesendeten Text, nicht zum jetzigen Text. Sie bleiben, bis Sie erneut senden: „Alle senden“ sendet den aktuellen Text.</translation>
    </message>
    <message>
        <source>Reading the text…</source>
        <translation>Lese den Text…</translation>
    </message>
    <message>
        <source>Nothing to submit: paste some usernames first.</source>
        <translation>Nichts zu senden: fügen Sie zuerst Benutzernamen ein.</translation>
    </message>
    <message>
        <source>The source is not valid: %1</source>
        <translation>Die Quelle ist ungültig: %1</translation>
    </message>
    <message>
        <source>Not submitted again: the results shown are still those of the run at %1.</source>
        <translation>Nicht erneut gesendet: Die angezeigten Ergebnisse sind weiterhin die des Laufs um %1.</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Starte…</translation>
    </message>
    <message>
        <source>Submitting the batch (inputs: %1)…</source>
        <translation>Sende den Stapel (Eingaben: %1)…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Breche ab…</translation>
    </message>
    <message>
        <source>Cancelling: the chunk in progress finishes, the rest is not sent.</source>
        <translation>Abbruch: der laufende Abschnitt wird beendet, der Rest wird nicht gesendet.</translation>
    </message>
    <message>
        <source>Retrying the rows that failed (%1)…</source>
        <translation>Die fehlgeschlagenen Zeilen werden erneut gesendet (%1)…</translation>
    </message>
    <message>
        <source>about %1 left</source>
        <translation>noch etwa %1</translation>
    </message>
    <message>
        <source>Cancelled. %1 of %2 inputs were handled before the cancel and are in the database (%3 newly queued); %4 were not sent — they are marked “Cancelled”.</source>
        <translation>Abgebrochen. %1 von %2 Eingaben wurden vor dem Abbruch erledigt und sind in der Datenbank (%3 neu eingereiht); %4 wurden nicht gesendet — sie sind als „Abgebrochen“ markiert.</translation>
    </message>
    <message>
        <source>Finished with errors: %1 input(s) could not be handled because the database failed; nothing was claimed for them. Submit again when it is back.</source>
        <translation>Mit Fehlern beendet: %1 Eingabe(n) konnten nicht erledigt werden, weil die Datenbank fehlschlug; für sie wurde nichts beansprucht. Senden Sie erneut, wenn sie wieder da ist.</translation>
    </message>
    <message>
        <source>Done: %1 inputs in %2.</source>
        <translation>Fertig: %1 Eingaben in %2.</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Wird exportiert…</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Exported to %1 (rows: %2).</source>
        <translation>Nach %1 exportiert (Zeilen: %2).</translation>
    </message>
    <message>
        <source>Exported the rows shown (%1): %2 of %3, to %4.</source>
        <translation>Die angezeigten Zeilen (%1) exportiert: %2 von %3, nach %4.</translation>
    </message>
    <message>
        <source>File %1 (%2): too large for the editor. Submit all reads it piece by piece and records every line in the batch; no preview.</source>
        <translation>Datei %1 (%2): zu groß für den Editor. „Alle senden“ liest sie Stück für Stück und erfasst jede Zeile im Stapel; keine Vorschau.</translation>
    </message>
    <message>
        <source>in the batch: %1</source>
        <translation>im Stapel: %1</translation>
    </message>
    <message>
        <source>not sent: the file from line %1 on</source>
        <translation>nicht gesendet: die Datei ab Zeile %1</translation>
    </message>
    <message>
        <source>These results are for the file %1 submitted at %2, not for what is chosen now. They stay until you submit again.</source>
        <translation>Diese Ergebnisse gehören zur um %2 gesendeten Datei %1, nicht zur jetzigen Auswahl. Sie bleiben bis zum nächsten Senden.</translation>
    </message>
    <message>
        <source>%1 changed since it was submitted: its lines cannot be matched with the batch any more. Import it again and submit it.</source>
        <translation>%1 hat sich seit dem Senden geändert: Ihre Zeilen lassen sich nicht mehr dem Stapel zuordnen. Importieren und senden Sie sie erneut.</translation>
    </message>
    <message>
        <source>Submitting %1 as it is read…</source>
        <translation>%1 wird gesendet, während sie gelesen wird…</translation>
    </message>
    <message>
        <source>Carrying on with %1 from line %2…</source>
        <translation>%1 wird ab Zeile %2 fortgesetzt…</translation>
    </message>
    <message>
        <source>lines read: %1 · %p%</source>
        <translation>gelesene Zeilen: %1 · %p %</translation>
    </message>
    <message>
        <source>The database failed at line %1 of %2: %3. The %4 inputs before it are in the batch; nothing from line %1 on was written, and the rest of the file was not read. Retry errors carries on from line %1 when the database is back.</source>
        <translation>Die Datenbank ist bei Zeile %1 von %2 fehlgeschlagen: %3. Die %4 Eingaben davor sind im Stapel; ab Zeile %1 wurde nichts geschrieben, und der Rest der Datei wurde nicht gelesen. „Fehler erneut senden“ setzt ab Zeile %1 fort, sobald die Datenbank wieder da ist.</translation>
    </message>
    <message>
        <source>Cancelled after line %1 of %2: its %3 inputs up to there are in the batch (%4 newly queued); the rest of the file was not read.</source>
        <translation>Nach Zeile %1 von %2 abgebrochen: Ihre %3 Eingaben bis dahin sind im Stapel (%4 neu eingereiht); der Rest der Datei wurde nicht gelesen.</translation>
    </message>
    <message>
        <source>Done: %1 inputs from %2 lines of %3 in %4.</source>
        <translation>Fertig: %1 Eingaben aus %2 Zeilen von %3 in %4.</translation>
    </message>
    <message>
        <source>Nothing to export: no line of the file reached the batch.</source>
        <translation>Nichts zu exportieren: Keine Zeile der Datei hat den Stapel erreicht.</translation>
    </message>
    <message>
        <source>Exported the batch&apos;s items to %1 (rows: %2).</source>
        <translation>Die Einträge des Stapels wurden nach %1 exportiert (Zeilen: %2).</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::ConnectionStatus</name>
    <message>
        <source>Try &amp;now</source>
        <translation>&amp;Jetzt versuchen</translation>
    </message>
    <message>
        <source>&amp;Repair…</source>
        <translation>&amp;Reparieren…</translation>
    </message>
    <message>
        <source>Read-only</source>
        <translation>Nur lesen</translation>
    </message>
    <message>
        <source>&lt;b&gt;The database is unavailable.&lt;/b&gt; Nothing is being queued until it returns; requests made now get “error”. Checking again automatically… (%1)</source>
        <translation>&lt;b&gt;Die Datenbank ist nicht erreichbar.&lt;/b&gt; Bis sie zurück ist, wird nichts eingereiht; Anfragen erhalten jetzt „Fehler“. Automatische erneute Prüfung… (%1)</translation>
    </message>
    <message numerus="yes">
        <source>Repaired: %n duplicate rows marked FAILED. Requests work again.</source>
        <translation>
            <numerusform>Repariert: %n doppelte Zeile als FAILED markiert. Anfragen funktionieren wieder.</numerusform>
            <numerusform>Repariert: %n doppelte Zeilen als FAILED markiert. Anfragen funktionieren wieder.</numerusform>
        </translation>
    </message>
    <message>
        <source>● Connected</source>
        <translation>● Verbunden</translation>
    </message>
    <message>
        <source>● Unavailable</source>
        <translation>● Nicht erreichbar</translation>
    </message>
    <message>
        <source>○ Connecting…</source>
        <translation>○ Verbinde…</translation>
    </message>
    <message>
        <source>Not encrypted</source>
        <translation>Nicht verschlüsselt</translation>
    </message>
    <message>
        <source>TLS: encrypted, verified</source>
        <translation>TLS: verschlüsselt, geprüft</translation>
    </message>
    <message>
        <source>TLS: encrypted, certificate verified (host name not checked)</source>
        <translation>TLS: verschlüsselt, Zertifikat geprüft (Rechnername nicht geprüft)</translation>
    </message>
    <message>
        <source>TLS: encrypted, not verified</source>
        <translation>TLS: verschlüsselt, nicht geprüft</translation>
    </message>
    <message>
        <source>sslmode=%1 %2 %3</source>
        <translation>sslmode=%1 %2 %3</translation>
    </message>
    <message>
        <source>Updates: off</source>
        <translation>Aktualisierung: aus</translation>
    </message>
    <message>
        <source>Updates: pushed</source>
        <translation>Aktualisierung: gemeldet (Push)</translation>
    </message>
    <message numerus="yes">
        <source>Updates: polled every %n s</source>
        <translation>
            <numerusform>Aktualisierung: abgefragt jede %n s</numerusform>
            <numerusform>Aktualisierung: abgefragt alle %n s</numerusform>
        </translation>
    </message>
    <message>
        <source>Updates: paused</source>
        <translation>Aktualisierung: angehalten</translation>
    </message>
    <message>
        <source>The queue views read again when the database notifies a change (PostgreSQL LISTEN/NOTIFY); while that connection is lost they check every interval.</source>
        <translation>Die Warteschlangenansichten lesen neu, wenn die Datenbank eine Änderung meldet (PostgreSQL LISTEN/NOTIFY); solange diese Verbindung verloren ist, prüfen sie in jedem Intervall.</translation>
    </message>
    <message>
        <source>The queue views check for changes every interval (SQLite: a cheap check of the file&apos;s version; PostgreSQL through a transaction pooler, where LISTEN cannot work: they read again).</source>
        <translation>Die Warteschlangenansichten prüfen in jedem Intervall auf Änderungen (SQLite: eine günstige Prüfung der Dateiversion; PostgreSQL über einen Transaktions-Pooler, wo LISTEN nicht funktioniert: sie lesen neu).</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::Csv</name>
    <message>
        <source>%1 already exists and was not replaced. To replace it, choose it in the file dialog; or type another name.</source>
        <translation>%1 existiert bereits und wurde nicht ersetzt. Um sie zu ersetzen, wählen Sie sie im Dateidialog aus; oder geben Sie einen anderen Namen ein.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::DatabaseSettingsDialog</name>
    <message>
        <source>Database</source>
        <translation>Datenbank</translation>
    </message>
    <message>
        <source>SQLite (a file on this computer)</source>
        <translation>SQLite (eine Datei auf diesem Rechner)</translation>
    </message>
    <message>
        <source>PostgreSQL (shared with the team)</source>
        <translation>PostgreSQL (mit dem Team geteilt)</translation>
    </message>
    <message>
        <source>Default: the application data folder</source>
        <translation>Vorgabe: der Anwendungsdatenordner</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>&amp;File:</source>
        <translation>&amp;Datei:</translation>
    </message>
    <message>
        <source>Empty: PGPASSWORD or ~/.pgpass</source>
        <translation>Leer: PGPASSWORD oder ~/.pgpass</translation>
    </message>
    <message>
        <source>&amp;Host:</source>
        <translation>&amp;Rechner:</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>&amp;Port:</translation>
    </message>
    <message>
        <source>&amp;Database:</source>
        <translation>Daten&amp;bank:</translation>
    </message>
    <message>
        <source>&amp;User:</source>
        <translation>Ben&amp;utzer:</translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation>Pass&amp;wort:</translation>
    </message>
    <message>
        <source>&amp;Test</source>
        <translation>&amp;Testen</translation>
    </message>
    <message>
        <source>&amp;Engine:</source>
        <translation>&amp;Engine:</translation>
    </message>
    <message>
        <source>Connected.</source>
        <translation>Verbunden.</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>Teste…</translation>
    </message>
    <message>
        <source>SQLite database file</source>
        <translation>SQLite-Datenbankdatei</translation>
    </message>
    <message>
        <source>SQLite databases (*.sqlite *.db);;All files (*)</source>
        <translation>SQLite-Datenbanken (*.sqlite *.db);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Paste postgresql://… or host=… port=…</source>
        <translation>postgresql://… oder host=… port=… einfügen</translation>
    </message>
    <message>
        <source>A connection string from your hosting provider (for Supabase: Connect → Connection string → URI), pasted whole, fills the fields below.</source>
        <translation>Eine Verbindungszeichenfolge Ihres Hosting-Anbieters (für Supabase: Connect → Connection string → URI), vollständig eingefügt, füllt die Felder unten aus.</translation>
    </message>
    <message>
        <source>Default (PGSSLMODE, else prefer)</source>
        <translation>Vorgabe (PGSSLMODE, sonst prefer)</translation>
    </message>
    <message>
        <source>disable: no TLS</source>
        <translation>disable: kein TLS</translation>
    </message>
    <message>
        <source>allow: TLS only if the server insists</source>
        <translation>allow: TLS nur, wenn der Server darauf besteht</translation>
    </message>
    <message>
        <source>prefer: TLS if the server offers it</source>
        <translation>prefer: TLS, wenn der Server es anbietet</translation>
    </message>
    <message>
        <source>require: TLS, server not verified</source>
        <translation>require: TLS, Server nicht geprüft</translation>
    </message>
    <message>
        <source>verify-ca: TLS, certificate signed by the root certificate</source>
        <translation>verify-ca: TLS, Zertifikat vom Stammzertifikat signiert</translation>
    </message>
    <message>
        <source>verify-full: TLS, certificate and host name verified</source>
        <translation>verify-full: TLS, Zertifikat und Rechnername geprüft</translation>
    </message>
    <message>
        <source>libpq&apos;s sslmode. Hosted PostgreSQL (Supabase and others) wants verify-full with the provider&apos;s root certificate.</source>
        <translation>sslmode von libpq. Gehostetes PostgreSQL (Supabase und andere) verlangt verify-full mit dem Stammzertifikat des Anbieters.</translation>
    </message>
    <message>
        <source>Default: ~/.postgresql/root.crt</source>
        <translation>Vorgabe: ~/.postgresql/root.crt</translation>
    </message>
    <message>
        <source>The certificate authority that signed the server&apos;s certificate (PEM), e.g. Supabase&apos;s prod-ca-2021.crt.</source>
        <translation>Die Zertifizierungsstelle, die das Zertifikat des Servers signiert hat (PEM), z. B. prod-ca-2021.crt von Supabase.</translation>
    </message>
    <message>
        <source>Br&amp;owse…</source>
        <translation>Durchsu&amp;chen…</translation>
    </message>
    <message>
        <source>Connection &amp;string:</source>
        <translation>&amp;Verbindungszeichenfolge:</translation>
    </message>
    <message>
        <source>T&amp;LS mode:</source>
        <translation>T&amp;LS-Modus:</translation>
    </message>
    <message>
        <source>&amp;Root certificate:</source>
        <translation>&amp;Stammzertifikat:</translation>
    </message>
    <message>
        <source>Not a PostgreSQL connection string.</source>
        <translation>Keine PostgreSQL-Verbindungszeichenfolge.</translation>
    </message>
    <message>
        <source>Not read: %1</source>
        <translation>Nicht gelesen: %1</translation>
    </message>
    <message>
        <source>Filled in from the connection string. Enter the password.</source>
        <translation>Aus der Verbindungszeichenfolge ausgefüllt. Geben Sie das Passwort ein.</translation>
    </message>
    <message>
        <source>Filled in from the connection string.</source>
        <translation>Aus der Verbindungszeichenfolge ausgefüllt.</translation>
    </message>
    <message>
        <source>This path cannot be used: it holds a space, &apos;;&apos;, a quote or a backslash. Copy the certificate to a path without them.</source>
        <translation>Dieser Pfad kann nicht verwendet werden: Er enthält ein Leerzeichen, &apos;;&apos;, ein Anführungszeichen oder einen Backslash. Kopieren Sie das Zertifikat in einen Pfad ohne diese Zeichen.</translation>
    </message>
    <message>
        <source>Root certificate</source>
        <translation>Stammzertifikat</translation>
    </message>
    <message>
        <source>Certificates (*.crt *.pem *.cer);;All files (*)</source>
        <translation>Zertifikate (*.crt *.pem *.cer);;Alle Dateien (*)</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::DesktopNotifier</name>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::EndpointPanel</name>
    <message>
        <source>Embedded HTTP endpoint</source>
        <translation>Eingebetteter HTTP-Endpunkt</translation>
    </message>
    <message>
        <source>Any address other than loopback requires an API token.</source>
        <translation>Jede Adresse außer Loopback erfordert ein API-Token.</translation>
    </message>
    <message>
        <source>any free port</source>
        <translation>beliebiger freier Port</translation>
    </message>
    <message>
        <source>None (loopback only)</source>
        <translation>Keine (nur Loopback)</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>&amp;Erzeugen</translation>
    </message>
    <message>
        <source>e.g. https://app.viralspot.example (comma separated)</source>
        <translation>z. B. https://app.viralspot.example (durch Kommas getrennt)</translation>
    </message>
    <message>
        <source>Start with the window</source>
        <translation>Mit dem Fenster starten</translation>
    </message>
    <message>
        <source>The token is kept in the desktop keychain.</source>
        <translation>Das Token liegt im Schlüsselbund der Arbeitsumgebung.</translation>
    </message>
    <message>
        <source>No keychain service: the token is kept for this session only.</source>
        <translation>Kein Schlüsselbund-Dienst: das Token gilt nur für diese Sitzung.</translation>
    </message>
    <message>
        <source>&amp;Address:</source>
        <translation>&amp;Adresse:</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>&amp;Port:</translation>
    </message>
    <message>
        <source>API &amp;token:</source>
        <translation>API-&amp;Token:</translation>
    </message>
    <message>
        <source>Allowed &amp;origins:</source>
        <translation>Erlaubte &amp;Ursprünge:</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>Each request appears here: time, client, method, path, status, milliseconds.</source>
        <translation>Jede Anfrage erscheint hier: Zeit, Client, Methode, Pfad, Status, Millisekunden.</translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation>&amp;Leeren</translation>
    </message>
    <message>
        <source>“%1” is not an IP address.</source>
        <translation>„%1“ ist keine IP-Adresse.</translation>
    </message>
    <message>
        <source>No database is configured yet.</source>
        <translation>Es ist noch keine Datenbank eingerichtet.</translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation>S&amp;toppen</translation>
    </message>
    <message>
        <source>S&amp;tart</source>
        <translation>S&amp;tarten</translation>
    </message>
    <message>
        <source>Listening on &lt;a href=&quot;%1/health&quot;&gt;%1&lt;/a&gt;</source>
        <translation>Lauscht auf &lt;a href=&quot;%1/health&quot;&gt;%1&lt;/a&gt;</translation>
    </message>
    <message>
        <source>Not running: %1</source>
        <translation>Läuft nicht: %1</translation>
    </message>
    <message>
        <source>Not running.</source>
        <translation>Läuft nicht.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::HistoryModel</name>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::MainWindow</name>
    <message>
        <source>&amp;Single request</source>
        <translation>&amp;Einzelanfrage</translation>
    </message>
    <message>
        <source>&amp;Bulk</source>
        <translation>&amp;Stapel</translation>
    </message>
    <message>
        <source>&amp;Endpoint</source>
        <translation>&amp;Endpunkt</translation>
    </message>
    <message>
        <source>Cannot use --database: %1</source>
        <translation>--database ist nicht nutzbar: %1</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>&amp;Importieren…</translation>
    </message>
    <message>
        <source>Su&amp;bmit all</source>
        <translation>Alle &amp;senden</translation>
    </message>
    <message>
        <source>Copy in&amp;valid</source>
        <translation>&amp;Ungültige kopieren</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Export results…</source>
        <translation>Ergebnisse &amp;exportieren…</translation>
    </message>
    <message>
        <source>&amp;Database…</source>
        <translation>&amp;Datenbank…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Requests</source>
        <translation>&amp;Anfragen</translation>
    </message>
    <message>
        <source>&amp;Cancel batch</source>
        <translation>Stapel a&amp;bbrechen</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About %1</source>
        <translation>Ü&amp;ber %1</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>Über &amp;Qt</translation>
    </message>
    <message>
        <source>The database is back. You can carry on.</source>
        <translation>Die Datenbank ist wieder da. Sie können weitermachen.</translation>
    </message>
    <message>
        <source>The database settings are incomplete; nothing changed.</source>
        <translation>Die Datenbankeinstellungen sind unvollständig; nichts wurde geändert.</translation>
    </message>
    <message>
        <source>Database: %1</source>
        <translation>Datenbank: %1</translation>
    </message>
    <message>
        <source>About %1</source>
        <translation>Über %1</translation>
    </message>
    <message>
        <source>&lt;h3&gt;%1 %2&lt;/h3&gt;&lt;p&gt;Puts Instagram profiles on the ViralSpot scraping queue, one at a time or by the hundred thousand.&lt;/p&gt;&lt;p&gt;Built with Qt %3.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;%1 %2&lt;/h3&gt;&lt;p&gt;Stellt Instagram-Profile in die ViralSpot-Warteschlange, einzeln oder zu Hunderttausenden.&lt;/p&gt;&lt;p&gt;Erstellt mit Qt %3.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>The database is back. Rows that failed: %1 — use “Retry errors” to send them again.</source>
        <translation>Die Datenbank ist wieder da. Fehlgeschlagene Zeilen: %1 – mit „Fehler erneut senden“ noch einmal senden.</translation>
    </message>
    <message>
        <source>B&amp;atches</source>
        <translation>St&amp;apel</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::NotificationBanner</name>
    <message>
        <source>&amp;Open</source>
        <translation>&amp;Öffnen</translation>
    </message>
    <message>
        <source>&amp;Dismiss</source>
        <translation>&amp;Schließen</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::Outcome</name>
    <message>
        <source>Queued</source>
        <translation>Eingereiht</translation>
    </message>
    <message>
        <source>Already processed</source>
        <translation>Bereits verarbeitet</translation>
    </message>
    <message>
        <source>Already queued</source>
        <translation>Bereits in der Warteschlange</translation>
    </message>
    <message>
        <source>Invalid</source>
        <translation>Ungültig</translation>
    </message>
    <message>
        <source>Duplicate in batch</source>
        <translation>Doppelt im Stapel</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::OverviewWidget</name>
    <message>
        <source>Split requests by</source>
        <translation>Anfragen aufteilen nach</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Requests per hour, last 24 hours</source>
        <translation>Anfragen pro Stunde, letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Requests per hour, last 7 days</source>
        <translation>Anfragen pro Stunde, letzte 7 Tage</translation>
    </message>
    <message>
        <source>Queue by status</source>
        <translation>Warteschlange nach Status</translation>
    </message>
    <message>
        <source>Database error: %1</source>
        <translation>Datenbankfehler: %1</translation>
    </message>
    <message>
        <source>Updated at %1</source>
        <translation>Aktualisiert um %1</translation>
    </message>
    <message numerus="yes">
        <source>refreshes every %n s, as the Queue tab</source>
        <translation>
            <numerusform>aktualisiert alle %n s, wie der Tab „Warteschlange“</numerusform>
            <numerusform>aktualisiert alle %n s, wie der Tab „Warteschlange“</numerusform>
        </translation>
    </message>
    <message>
        <source>auto-refresh paused on the Queue tab</source>
        <translation>automatische Aktualisierung im Tab „Warteschlange“ angehalten</translation>
    </message>
    <message>
        <source>Hour (local time)</source>
        <translation>Stunde (Ortszeit)</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>Day (local time)</source>
        <translation>Tag (Ortszeit)</translation>
    </message>
    <message>
        <source>Requests per hour, last 7 days, on a log scale (an hour without requests on the bottom line)</source>
        <translation>Anfragen pro Stunde, letzte 7 Tage, logarithmisch (Stunden ohne Anfragen auf der unteren Linie)</translation>
    </message>
    <message>
        <source>Requests (log scale)</source>
        <translation>Anfragen (log. Skala)</translation>
    </message>
    <message>
        <source>Requests by status:</source>
        <translation>Anfragen nach Status:</translation>
    </message>
    <message>
        <source>Requests by source:</source>
        <translation>Anfragen nach Quelle:</translation>
    </message>
    <message>
        <source>%1 (%2%)</source>
        <translation>%1 (%2 %)</translation>
    </message>
    <message>
        <source>“about”: estimated by PostgreSQL beyond %1 rows</source>
        <translation>„etwa“: über %1 Zeilen von PostgreSQL geschätzt</translation>
    </message>
    <message>
        <source>“+”: counting stopped at %1 rows (shares of the counted rows)</source>
        <translation>„+“: Zählung bei %1 Zeilen beendet (Anteile der gezählten Zeilen)</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::ProfileLookupWidget</name>
    <message>
        <source>Username, @name or instagram.com link</source>
        <translation>Benutzername, @name oder instagram.com-Link</translation>
    </message>
    <message>
        <source>Request processing</source>
        <translation>Verarbeitung anfordern</translation>
    </message>
    <message>
        <source>Read-only mode</source>
        <translation>Nur-Lese-Modus</translation>
    </message>
    <message>
        <source>Type a username to see its state and queue history.</source>
        <translation>Geben Sie einen Benutzernamen ein, um seinen Zustand und Verlauf in der Warteschlange zu sehen.</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Priorität</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Last attempt</source>
        <translation>Letzter Versuch</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Geändert</translation>
    </message>
    <message>
        <source>Not a valid username: %1</source>
        <translation>Kein gültiger Benutzername: %1</translation>
    </message>
    <message>
        <source>Looking up %1…</source>
        <translation>Suche %1…</translation>
    </message>
    <message>
        <source>Database error: %1</source>
        <translation>Datenbankfehler: %1</translation>
    </message>
    <message>
        <source>%1 is processed (in primary_profiles).</source>
        <translation>%1 ist verarbeitet (in primary_profiles).</translation>
    </message>
    <message>
        <source>%1 is not processed yet.</source>
        <translation>%1 ist noch nicht verarbeitet.</translation>
    </message>
    <message>
        <source>It has never been on the queue.</source>
        <translation>Es war nie in der Warteschlange.</translation>
    </message>
    <message>
        <source>It is waiting on the queue now.</source>
        <translation>Es wartet jetzt in der Warteschlange.</translation>
    </message>
    <message>
        <source>Queue rows: %1.</source>
        <translation>Zeilen in der Warteschlange: %1.</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::QueueBrowserWidget</name>
    <message>
        <source>Export the queue view</source>
        <translation>Die Warteschlangenansicht exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>Database error: %1</source>
        <translation>Datenbankfehler: %1</translation>
    </message>
    <message>
        <source>Refreshed at %1</source>
        <translation>Aktualisiert um %1</translation>
    </message>
    <message>
        <source>Find username (prefix)…</source>
        <translation>Benutzername suchen (Anfang)…</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>Alle Status</translation>
    </message>
    <message>
        <source>All priorities</source>
        <translation>Alle Prioritäten</translation>
    </message>
    <message>
        <source>All sources</source>
        <translation>Alle Quellen</translation>
    </message>
    <message>
        <source>Created any time</source>
        <translation>Beliebig erstellt</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>Letzte Stunde</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Letzte 30 Tage</translation>
    </message>
    <message>
        <source>Between…</source>
        <translation>Zwischen…</translation>
    </message>
    <message>
        <source>Refresh now</source>
        <translation>Jetzt aktualisieren</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>CSV exportieren…</translation>
    </message>
    <message>
        <source>Read-only mode: actions are disabled.</source>
        <translation>Nur-Lese-Modus: Aktionen sind deaktiviert.</translation>
    </message>
    <message>
        <source>Counts unavailable: %1</source>
        <translation>Anzahlen nicht verfügbar: %1</translation>
    </message>
    <message>
        <source>Total %1 — %2 — %3</source>
        <translation>Gesamt %1 — %2 — %3</translation>
    </message>
    <message>
        <source>Read-only mode</source>
        <translation>Nur-Lese-Modus</translation>
    </message>
    <message>
        <source>Failed rows go back to pending, their error cleared.</source>
        <translation>Fehlgeschlagene Zeilen kehren zu wartend zurück, ihr Fehler wird gelöscht.</translation>
    </message>
    <message>
        <source>Pending rows are paused: workers leave them alone.</source>
        <translation>Wartende Zeilen werden pausiert: die Worker lassen sie in Ruhe.</translation>
    </message>
    <message>
        <source>Paused rows go back to pending.</source>
        <translation>Pausierte Zeilen kehren zu wartend zurück.</translation>
    </message>
    <message>
        <source>Low-priority rows are raised to high priority.</source>
        <translation>Zeilen mit niedriger Priorität erhalten hohe Priorität.</translation>
    </message>
    <message>
        <source>
Rows in another state are skipped, and so is any row that would become a second active row for its username.</source>
        <translation>
Zeilen in einem anderen Zustand werden übersprungen, ebenso jede Zeile, die eine zweite aktive Zeile für ihren Benutzernamen würde.</translation>
    </message>
    <message>
        <source>%1: working…</source>
        <translation>%1: in Arbeit…</translation>
    </message>
    <message>
        <source>Exporting to %1…</source>
        <translation>Exportiere nach %1…</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>Export fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Matching rows: %1</source>
        <translation>Passende Zeilen: %1</translation>
    </message>
    <message>
        <source>%1: selected rows: %2. Go ahead?</source>
        <translation>%1: ausgewählte Zeilen: %2. Fortfahren?</translation>
    </message>
    <message>
        <source>Exported to %1 (rows: %2).</source>
        <translation>Nach %1 exportiert (Zeilen: %2).</translation>
    </message>
    <message>
        <source>Retry selected</source>
        <translation>Ausgewählte wiederholen</translation>
    </message>
    <message>
        <source>Pause selected</source>
        <translation>Ausgewählte pausieren</translation>
    </message>
    <message>
        <source>Resume selected</source>
        <translation>Ausgewählte fortsetzen</translation>
    </message>
    <message>
        <source>Raise priority of selected</source>
        <translation>Priorität der ausgewählten erhöhen</translation>
    </message>
    <message>
        <source>Pause auto-refresh</source>
        <translation>Automatische Aktualisierung anhalten</translation>
    </message>
    <message>
        <source>Resume auto-refresh</source>
        <translation>Automatische Aktualisierung fortsetzen</translation>
    </message>
    <message>
        <source>Count exactly</source>
        <translation>Genau zählen</translation>
    </message>
    <message>
        <source>Count every row (on millions of rows this reads the whole queue).</source>
        <translation>Jede Zeile zählen (bei Millionen Zeilen liest das die ganze Warteschlange).</translation>
    </message>
    <message>
        <source>Counting…</source>
        <translation>Zähle…</translation>
    </message>
    <message>
        <source>(“about”: estimated by PostgreSQL, “+”: counting stopped, beyond %1 rows)</source>
        <translation>(„etwa“: von PostgreSQL geschätzt, „+“: Zählung beendet, über %1 Zeilen)</translation>
    </message>
    <message>
        <source>(“about”: estimated by PostgreSQL beyond %1 rows)</source>
        <translation>(„etwa“: über %1 Zeilen von PostgreSQL geschätzt)</translation>
    </message>
    <message>
        <source>(“+”: counting stopped at %1 rows)</source>
        <translation>(„+“: Zählung bei %1 Zeilen beendet)</translation>
    </message>
    <message>
        <source>Auto-refresh</source>
        <translation>Automatisch aktualisieren</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Aus</translation>
    </message>
    <message numerus="yes">
        <source>%n s</source>
        <translation>
            <numerusform>%n s</numerusform>
            <numerusform>%n s</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::QueueTableModel</name>
    <message>
        <source>loading…</source>
        <translation>lädt…</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Priorität</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Last attempt</source>
        <translation>Letzter Versuch</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Geändert</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::QueueTabs</name>
    <message>
        <source>Queue</source>
        <translation>Warteschlange</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>Profil</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>Überblick</translation>
    </message>
    <message>
        <source>Audit</source>
        <translation>Protokoll</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::RepairDialog</name>
    <message>
        <source>Repair duplicate queue rows</source>
        <translation>Doppelte Zeilen in der Warteschlange reparieren</translation>
    </message>
    <message>
        <source>Looking for duplicate active rows…</source>
        <translation>Suche nach doppelten aktiven Zeilen…</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Row to mark FAILED</source>
        <translation>Als FAILED zu markierende Zeile</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Row kept</source>
        <translation>Behaltene Zeile</translation>
    </message>
    <message>
        <source>&amp;Mark them FAILED</source>
        <translation>Als FAILED &amp;markieren</translation>
    </message>
    <message>
        <source>Repairing…</source>
        <translation>Repariere…</translation>
    </message>
    <message>
        <source>The duplicate rows could not be read: %1</source>
        <translation>Die doppelten Zeilen konnten nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>The queue holds no duplicate active rows: nothing to repair.</source>
        <translation>Die Warteschlange enthält keine doppelten aktiven Zeilen: nichts zu reparieren.</translation>
    </message>
    <message numerus="yes">
        <source>%n usernames have more than one active (PENDING or PROCESSING) row.</source>
        <translation>
            <numerusform>%n Benutzername hat mehr als eine aktive (PENDING oder PROCESSING) Zeile.</numerusform>
            <numerusform>%n Benutzernamen haben mehr als eine aktive (PENDING oder PROCESSING) Zeile.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n rows would be marked FAILED, each with a message naming the row kept (the oldest active row of its username). Nothing is deleted; the repair is recorded in the audit log.</source>
        <translation>
            <numerusform>%n Zeile würde als FAILED markiert, mit einer Meldung, die die behaltene Zeile nennt (die älteste aktive Zeile ihres Benutzernamens). Nichts wird gelöscht; die Reparatur wird im Protokoll festgehalten.</numerusform>
            <numerusform>%n Zeilen würden als FAILED markiert, jede mit einer Meldung, die die behaltene Zeile nennt (die älteste aktive Zeile ihres Benutzernamens). Nichts wird gelöscht; die Reparatur wird im Protokoll festgehalten.</numerusform>
        </translation>
    </message>
    <message>
        <source>The first %1 are listed.</source>
        <translation>Die ersten %1 sind aufgeführt.</translation>
    </message>
    <message numerus="yes">
        <source>Repaired %n usernames.</source>
        <translation>
            <numerusform>%n Benutzername repariert.</numerusform>
            <numerusform>%n Benutzernamen repariert.</numerusform>
        </translation>
    </message>
    <message>
        <source>The repair failed: %1</source>
        <translation>Die Reparatur ist fehlgeschlagen: %1</translation>
    </message>
</context>
<context>
    <name>ViralSpot::Ui::RequestWorker</name>
    <message>
        <source>No database is configured.</source>
        <translation>Es ist keine Datenbank eingerichtet.</translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>%1 kann nicht geöffnet werden: %2</translation>
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
<context>
    <name>ViralSpot::Ui::SingleRequestPage</name>
    <message>
        <source>Request processing of a profile</source>
        <translation>Verarbeitung eines Profils anfordern</translation>
    </message>
    <message>
        <source>name, @name or https://www.instagram.com/name/</source>
        <translation>name, @name oder https://www.instagram.com/name/</translation>
    </message>
    <message>
        <source>&amp;Request</source>
        <translation>&amp;Anfragen</translation>
    </message>
    <message>
        <source>Put the profile on the high priority queue (Enter)</source>
        <translation>Das Profil in die Warteschlange mit hoher Priorität stellen (Eingabe)</translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation>&amp;Benutzername:</translation>
    </message>
    <message>
        <source>S&amp;ource:</source>
        <translation>&amp;Quelle:</translation>
    </message>
    <message>
        <source>This session</source>
        <translation>Diese Sitzung</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation>&amp;Leeren</translation>
    </message>
    <message>
        <source>Source: %1</source>
        <translation>Quelle: %1</translation>
    </message>
    <message>
        <source>→ %1</source>
        <translation>→ %1</translation>
    </message>
    <message>
        <source>Requesting…</source>
        <translation>Frage an…</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
</TS>
