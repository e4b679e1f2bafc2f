#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks: its own data folder, 127.0.0.1, a
# free port, run as the `postgres` user (initdb and postgres refuse root).
# Source it, then: pg_throwaway_start (sets VIRALSPOT_TEST_PG_URL, PG_THROWAWAY_PORT,
# PG_THROWAWAY_DIR) ... pg_throwaway_stop. pg_throwaway_pause / pg_throwaway_resume stop and
# start the same server (outage tests).

pg_throwaway_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [[ -x $dir/initdb ]] || { echo "PostgreSQL server binaries not found" >&2; return 1; }
    echo "$dir"
}

pg_throwaway_as_postgres() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_throwaway_free_port() {
    local port
    for port in $(shuf -i 20000-60000 -n 50); do
        if ! (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

pg_throwaway_start() {
    local bin
    bin=$(pg_throwaway_bin) || return 1
    PG_THROWAWAY_DIR=$(mktemp -d /tmp/viralspot-pg.XXXXXX)
    chmod 755 "$PG_THROWAWAY_DIR"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$PG_THROWAWAY_DIR"
    pg_throwaway_as_postgres "$bin/initdb" -D "$PG_THROWAWAY_DIR/data" -U postgres -A trust \
        --no-sync -E UTF8 --locale=C.UTF-8 >"$PG_THROWAWAY_DIR/initdb.log" 2>&1 \
        || { cat "$PG_THROWAWAY_DIR/initdb.log" >&2; return 1; }
    local attempt
    for attempt in 1 2 3 4 5; do
        PG_THROWAWAY_PORT=$(pg_throwaway_free_port) || return 1
        if pg_throwaway_as_postgres "$bin/pg_ctl" -D "$PG_THROWAWAY_DIR/data" -w -t 30 \
            -l "$PG_THROWAWAY_DIR/server.log" \
            -o "-p $PG_THROWAWAY_PORT -k $PG_THROWAWAY_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB" \
            start >/dev/null; then
            VIRALSPOT_TEST_PG_URL="postgresql://postgres@127.0.0.1:$PG_THROWAWAY_PORT/postgres"
            export VIRALSPOT_TEST_PG_URL PG_THROWAWAY_PORT PG_THROWAWAY_DIR
            return 0
        fi
        tail -n 5 "$PG_THROWAWAY_DIR/server.log" >&2 || true
    done
    return 1
}

pg_throwaway_pause() {
    pg_throwaway_as_postgres "$(pg_throwaway_bin)/pg_ctl" -D "$PG_THROWAWAY_DIR/data" -m fast -w stop >/dev/null
}

pg_throwaway_resume() {
    pg_throwaway_as_postgres "$(pg_throwaway_bin)/pg_ctl" -D "$PG_THROWAWAY_DIR/data" -w -t 30 \
        -l "$PG_THROWAWAY_DIR/server.log" \
        -o "-p $PG_THROWAWAY_PORT -k $PG_THROWAWAY_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB" \
        start >/dev/null
}

pg_throwaway_stop() {
    [[ -n ${PG_THROWAWAY_DIR:-} && -d $PG_THROWAWAY_DIR ]] || return 0
    pg_throwaway_as_postgres "$(pg_throwaway_bin)/pg_ctl" -D "$PG_THROWAWAY_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_THROWAWAY_DIR"
    PG_THROWAWAY_DIR=
}
