#!/usr/bin/env bash
# Throwaway PgBouncers in front of the throwaway PostgreSQL (scripts/pg-throwaway.sh), one in
# pool_mode=transaction (as Supabase's transaction pooler, port 6543) and one in
# pool_mode=session (Supabase's session pooler): each its own folder and free port on
# 127.0.0.1, run as the `postgres` user (PgBouncer refuses root), auth trust.
# Source it after pg_throwaway_start, then: pgbouncer_throwaway_start (sets and exports
# VIRALSPOT_TEST_PGBOUNCER_TX_URL and VIRALSPOT_TEST_PGBOUNCER_SESSION_URL) ...
# pgbouncer_throwaway_stop (call it whatever happens, e.g. from an EXIT trap).
# PGBOUNCER_POOL_SIZE (default 4): server connections per database in transaction mode.
# Small on purpose: the clients of a test outnumber them, so server sessions really change
# hands between transactions. Session mode holds a server connection for each client's whole
# session (a client beyond the pool waits until one leaves), so it gets
# PGBOUNCER_SESSION_POOL_SIZE (default 20), as a session pooler must be sized.

pgbouncer_throwaway_start() {
    [[ -n ${PG_THROWAWAY_PORT:-} ]] || { echo "start the throwaway PostgreSQL first" >&2; return 1; }
    command -v pgbouncer >/dev/null || { echo "pgbouncer is not installed (scripts/install-deps.sh test)" >&2; return 1; }
    PGBOUNCER_THROWAWAY_DIR=$(mktemp -d /tmp/viralspot-pgbouncer.XXXXXX)
    export PGBOUNCER_THROWAWAY_DIR
    chmod 755 "$PGBOUNCER_THROWAWAY_DIR"
    local mode port pool_size
    for mode in transaction session; do
        pool_size=${PGBOUNCER_POOL_SIZE:-4}
        [[ $mode == session ]] && pool_size=${PGBOUNCER_SESSION_POOL_SIZE:-20}
        mkdir -p "$PGBOUNCER_THROWAWAY_DIR/$mode"
        printf '"postgres" ""\n' >"$PGBOUNCER_THROWAWAY_DIR/$mode/userlist.txt"
        port=$(pg_throwaway_free_port) || return 1
        cat >"$PGBOUNCER_THROWAWAY_DIR/$mode/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$PG_THROWAWAY_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $PGBOUNCER_THROWAWAY_DIR/$mode/userlist.txt
pool_mode = $mode
default_pool_size = $pool_size
max_client_conn = 2000
max_db_connections = 0
logfile = $PGBOUNCER_THROWAWAY_DIR/$mode/pgbouncer.log
pidfile = $PGBOUNCER_THROWAWAY_DIR/$mode/pgbouncer.pid
log_connections = 0
log_disconnections = 0
EOF
        [[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$PGBOUNCER_THROWAWAY_DIR/$mode"
        pg_throwaway_as_postgres pgbouncer -d -q "$PGBOUNCER_THROWAWAY_DIR/$mode/pgbouncer.ini" \
            || { tail -n 5 "$PGBOUNCER_THROWAWAY_DIR/$mode/pgbouncer.log" >&2; return 1; }
        for _ in $(seq 1 50); do
            (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
            sleep 0.1
        done
        if [[ $mode == transaction ]]; then
            VIRALSPOT_TEST_PGBOUNCER_TX_URL="postgresql://postgres@127.0.0.1:$port/postgres"
        else
            VIRALSPOT_TEST_PGBOUNCER_SESSION_URL="postgresql://postgres@127.0.0.1:$port/postgres"
        fi
    done
    export VIRALSPOT_TEST_PGBOUNCER_TX_URL VIRALSPOT_TEST_PGBOUNCER_SESSION_URL
}

pgbouncer_throwaway_stop() {
    [[ -n ${PGBOUNCER_THROWAWAY_DIR:-} && -d $PGBOUNCER_THROWAWAY_DIR ]] || return 0
    local mode pid
    for mode in transaction session; do
        pid=$(cat "$PGBOUNCER_THROWAWAY_DIR/$mode/pgbouncer.pid" 2>/dev/null) || continue
        if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi
    done
    rm -rf "$PGBOUNCER_THROWAWAY_DIR"
    PGBOUNCER_THROWAWAY_DIR=
}
