#!/usr/bin/env python3
# Benchmark (not a test): what the batch items' table layout costs on SQLite, outside the app.
# Writes a second batch of 100,000 items in 10 transactions of 10,000 (as bench_requests
# --record does) into a table already holding one such batch, for the layouts of schema step 6
# (a database made before d60af10, and one made since) and alternatives that are not the app's
# (docs/benchmarks.md, section 1). WAL,
# synchronous=FULL and a 64 MiB page cache as the app's connections; the batch id a
# 36-character UUID or an integer; queue ids time-ordered like the app's UUID v7. Python's own
# sqlite3 module drives the inserts (executemany), so the figures include its per-row cost,
# the same in every layout.
#   python3 tests/benchmarks/items_layout.py [LAYOUT ...]

import os
import random
import sqlite3
import string
import sys
import tempfile
import time
import uuid

ITEMS = 100_000
CHUNK = 10_000

COLUMNS = ("position INTEGER NOT NULL, input TEXT, username VARCHAR(255), "
           "outcome VARCHAR(30) NOT NULL, message TEXT")


def table(key_type, queue_id_type, without_rowid):
    return (f"CREATE TABLE it (batch_id {key_type} NOT NULL, {COLUMNS}, "
            f"queue_id {queue_id_type}, PRIMARY KEY (batch_id, position))"
            + (" WITHOUT ROWID" if without_rowid else ""))


USERNAME_INDEX = "CREATE INDEX it_u ON it (batch_id, username)"
QUEUE_ID_INDEX = "CREATE INDEX it_q ON it (queue_id)"

LAYOUTS = {
    # Schema step 6 in a database made before d60af10.
    "earlier_databases": [table("TEXT", "TEXT", False), USERNAME_INDEX, QUEUE_ID_INDEX],
    # ... without the queue_id index (read by no statement).
    "no_queue_id_idx": [table("TEXT", "TEXT", False), USERNAME_INDEX],
    # ... and the table its own primary key: schema step 6 in a database made since d60af10.
    "without_rowid_text_key": [table("TEXT", "TEXT", True), USERNAME_INDEX],
    # The table its own primary key, with the queue_id index (each entry carries the key).
    "without_rowid_with_queue_id_idx": [table("TEXT", "TEXT", True), USERNAME_INDEX,
                                        QUEUE_ID_INDEX],
    # ... with an integer batch key.
    "without_rowid_int_key": [table("INTEGER", "TEXT", True), USERNAME_INDEX],
    # ... and the queue id as 16 bytes.
    "without_rowid_int_key_blob_qid": [table("INTEGER", "BLOB", True), USERNAME_INDEX],
}


def queue_id(i):
    return "019%05x-%04x-7%03x-8%03x-%012x" % (i >> 16, i & 0xFFFF, i % 4096, i % 4096, i)


def main():
    random.seed(1)
    alphabet = string.ascii_lowercase + "._0123456789"
    names = ["".join(random.choice(alphabet) for _ in range(random.randint(6, 16)))
             for _ in range(ITEMS)]
    folder = tempfile.mkdtemp()
    for name in sys.argv[1:] or list(LAYOUTS):
        path = os.path.join(folder, name + ".sqlite")
        db = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "cache_size=-65536"):
            db.execute("PRAGMA " + pragma)
        for statement in LAYOUTS[name]:
            db.execute(statement)
        integer_key = "int_key" in name
        blob_ids = "blob" in name

        def rows(batch, first, serial):
            for p in range(first, first + CHUNK):
                q = queue_id(p + serial * ITEMS)
                yield (batch, p + 1, None, names[p], "queued", None,
                       uuid.UUID(q).bytes if blob_ids else q)

        def write(batch, serial):
            for first in range(0, ITEMS, CHUNK):
                db.execute("BEGIN")
                db.executemany("INSERT INTO it VALUES (?, ?, ?, ?, ?, ?, ?)",
                               rows(batch, first, serial))
                db.execute("COMMIT")

        write(1 if integer_key else str(uuid.uuid4()), 0)  # an earlier batch
        start = time.perf_counter()
        write(2 if integer_key else str(uuid.uuid4()), 1)
        ms = (time.perf_counter() - start) * 1000
        print(f"{name:32s} {ms:7.0f} ms  file {os.path.getsize(path) / 1e6:.1f} MB")
        db.close()


if __name__ == "__main__":
    main()
