#!/usr/bin/env bash
# Start (or reuse) a private, throwaway PostgreSQL server for Buckle's tests.
#
# It listens on 127.0.0.1:$BUCKLE_PG_PORT only, keeps its data under
# $BUCKLE_PG_DIR, and never touches a system cluster (Debian's on 5432).
# The tests connect as the superuser `postgres` (password `postgres`) and
# CREATE DATABASE their own throwaway databases.
#
# Usage:
#   eval "$(bash scripts/dev-postgres.sh)"         # start/reuse, then export the URL
#   bash scripts/dev-postgres.sh start             # same; prints the export line
#   bash scripts/dev-postgres.sh status            # exit 0 if running and answering
#   bash scripts/dev-postgres.sh stop              # stop it (data kept)
#   bash scripts/dev-postgres.sh destroy           # stop it and delete its data
#
# Only the `export BUCKLE_TEST_POSTGRES_URL=...` line goes to stdout; all
# progress goes to stderr. Needs PostgreSQL's server binaries
# (Debian: apt-get install postgresql); .ci/run installs them when missing.
#
# Settings (environment):
#   BUCKLE_PG_PORT  default 55432
#   BUCKLE_PG_DIR   default /tmp/buckle-ci-pg (root) or /tmp/buckle-pg-$USER
#   BUCKLE_PG_BIN   directory with initdb/pg_ctl/postgres (default: newest
#                   /usr/lib/postgresql/*/bin)
#   BUCKLE_PG_DURABLE=1  keep PostgreSQL's durable defaults (fsync,
#                   synchronous_commit, full_page_writes on) instead of turning
#                   them off for speed: for benchmarks (bench/run.sh), whose
#                   grants must be as durable as in production. Give it its own
#                   BUCKLE_PG_PORT and BUCKLE_PG_DIR beside the test cluster.
set -euo pipefail

PG_PORT="${BUCKLE_PG_PORT:-55432}"
PG_PASSWORD=postgres
if [ "$(id -u)" -eq 0 ]; then
    PG_DIR="${BUCKLE_PG_DIR:-/tmp/buckle-ci-pg}"
else
    PG_DIR="${BUCKLE_PG_DIR:-/tmp/buckle-pg-$(id -un)}"
fi
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"
PG_URL="postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/postgres"

log() { echo "dev-postgres: $*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# Directory holding initdb, pg_ctl and postgres: $BUCKLE_PG_BIN, else the
# highest-versioned /usr/lib/postgresql/*/bin, else whatever is on PATH.
find_pg_bin() {
    if [ -n "${BUCKLE_PG_BIN:-}" ]; then
        echo "$BUCKLE_PG_BIN"
        return 0
    fi
    local d best=""
    # sort -V so that 9.6 < 10 < 15 < 16.
    while IFS= read -r d; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            best="$d"
        fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
    if [ -z "$best" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        best="$(dirname "$(command -v initdb)")"
    fi
    [ -n "$best" ] || return 1
    echo "$best"
}

PG_BIN="$(find_pg_bin)" || die "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb). Install them: apt-get install postgresql"

# initdb/postgres refuse to run as root: as root, run them as the `postgres`
# OS user (created by Debian's postgresql-common package).
if [ "$(id -u)" -eq 0 ]; then
    PG_OS_USER=postgres
    id -u "$PG_OS_USER" >/dev/null 2>&1 || die "running as root but there is no '$PG_OS_USER' OS user"
else
    PG_OS_USER="$(id -un)"
fi

as_pg() {
    # cd / so the postgres user is not left in an unreadable cwd (e.g. /root).
    if [ "$(id -u)" -ne 0 ]; then
        (cd / && "$@")
    elif command -v runuser >/dev/null 2>&1; then
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        local cmd
        cmd="$(printf '%q ' "$@")"
        (cd / && su -s /bin/sh "$PG_OS_USER" -c "$cmd")
    fi
}

# Prefer the client of the same version as the server; else psql on PATH.
if [ -x "$PG_BIN/psql" ]; then
    PSQL="$PG_BIN/psql"
else
    PSQL="$(command -v psql || true)"
fi

pg_ctl_() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }

# Is our server process alive? Checked by hand rather than with `pg_ctl
# status`, which trusts any live pid in postmaster.pid: after a reboot that
# pid may belong to an unrelated process, which `pg_ctl stop` would signal.
is_running() {
    local pid comm
    [ -f "$PG_DATA/postmaster.pid" ] || return 1
    pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
    case "$pid" in '' | *[!0-9]*) return 1 ;; esac
    comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    [ "$comm" = postgres ] || [ "$comm" = postmaster ]
}

# Does it accept TCP connections with the URL's credentials?
answers() {
    PGCONNECT_TIMEOUT=5 "$PSQL" "$PG_URL" -XAtq -v ON_ERROR_STOP=1 -c 'select 1' </dev/null >/dev/null 2>&1
}

wait_answers() {
    local i
    for i in $(seq 1 "${1:-30}"); do
        answers && return 0
        sleep 1
    done
    return 1
}

config_text() {
    cat <<EOF
# Written by scripts/dev-postgres.sh; throwaway test cluster, not for real data.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 300
shared_buffers = 128MB
EOF
    if [ "${BUCKLE_PG_DURABLE:-0}" = 1 ]; then
        cat <<EOF
# Durable, as PostgreSQL ships: a commit is on disk before it is answered.
fsync = on
synchronous_commit = on
full_page_writes = on
EOF
    else
        cat <<EOF
# Durability is pointless for a test cluster; this makes CREATE DATABASE and
# commits much faster.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    fi
    cat <<EOF
# Tests run tiny queries; parallel workers would only use /dev/shm, which is
# small in containers.
max_parallel_workers_per_gather = 0
logging_collector = off
EOF
}

# Rewritten on every start, so a change to config_text applies at once:
# cmd_start restarts a running server whose buckle.conf differs.
write_config() {
    config_text | as_pg tee "$PG_DATA/buckle.conf" >/dev/null
    if ! grep -q "^include_if_exists = 'buckle.conf'" "$PG_DATA/postgresql.conf"; then
        echo "include_if_exists = 'buckle.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
    fi
}

init_cluster() {
    local bin_version data_version=""
    # "pg_ctl (PostgreSQL) 15.18 (Debian ...)" -> 15 (the major, as in PG_VERSION)
    bin_version="$("$PG_BIN/pg_ctl" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
    if [ -f "$PG_DATA/PG_VERSION" ]; then
        data_version="$(cat "$PG_DATA/PG_VERSION")"
    fi
    if [ -n "$data_version" ] && [ "$data_version" = "$bin_version" ]; then
        return 0
    fi
    if [ -e "$PG_DATA" ]; then
        # Half-made (interrupted initdb) or made by another major version:
        # it only ever holds throwaway test databases, so start over.
        log "removing unusable data directory $PG_DATA (PG_VERSION='${data_version}', server $bin_version)"
        rm -rf "$PG_DATA"
    fi
    log "initdb $PG_DATA (PostgreSQL $bin_version, $PG_BIN)"
    local pwfile="$PG_DIR/.pwfile"
    printf '%s\n' "$PG_PASSWORD" >"$pwfile"
    [ "$(id -u)" -ne 0 ] || chown "$PG_OS_USER" "$pwfile"
    chmod 600 "$pwfile"
    # trust on the private unix socket (for admin), scram-sha-256 over TCP so
    # the URL's password is really checked, like a deployed server.
    if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" \
        -E UTF8 --locale=C --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1; then
        cat "$PG_DIR/initdb.log" >&2
        rm -f "$pwfile"
        die "initdb failed"
    fi
    rm -f "$pwfile"
}

prepare_dir() {
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown "$PG_OS_USER" "$PG_DIR"
        # Left by a run as another user? Give everything to postgres.
        if [ -e "$PG_DATA" ] && [ "$(stat -c %U "$PG_DATA")" != "$PG_OS_USER" ]; then
            chown -R "$PG_OS_USER" "$PG_DATA"
        fi
    fi
    chmod 700 "$PG_DIR"
}

cmd_start() {
    [ -n "$PSQL" ] || die "psql not found (Debian: apt-get install postgresql-client)"
    prepare_dir

    if is_running; then
        if [ "$(config_text)" = "$(cat "$PG_DATA/buckle.conf" 2>/dev/null)" ] && wait_answers 30; then
            log "reusing running server on 127.0.0.1:$PG_PORT ($PG_DATA)"
            echo "export BUCKLE_TEST_POSTGRES_URL=$PG_URL"
            return 0
        fi
        log "server in $PG_DATA has other settings or does not answer on 127.0.0.1:$PG_PORT; restarting it"
        pg_ctl_ -m fast -w -t 60 stop >&2 || die "could not stop the server in $PG_DATA"
    fi

    init_cluster
    write_config

    # A postmaster.pid left by a killed server (e.g. after a reboot) makes
    # `pg_ctl start` fail if its pid was reused; is_running said no server
    # owns it, so it is stale.
    if [ -f "$PG_DATA/postmaster.pid" ]; then
        log "removing stale $PG_DATA/postmaster.pid"
        rm -f "$PG_DATA/postmaster.pid"
    fi

    # Fresh log for each start; it must be writable by the server's user.
    : >"$PG_LOG"
    [ "$(id -u)" -ne 0 ] || chown "$PG_OS_USER" "$PG_LOG"
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    if ! pg_ctl_ -l "$PG_LOG" -w -t 60 start >&2; then
        tail -n 30 "$PG_LOG" >&2 || true
        die "PostgreSQL failed to start (is port $PG_PORT taken? see $PG_LOG)"
    fi
    if ! wait_answers 30; then
        tail -n 30 "$PG_LOG" >&2 || true
        die "PostgreSQL started but '$PG_URL' does not answer"
    fi
    log "ready: $PG_URL"
    echo "export BUCKLE_TEST_POSTGRES_URL=$PG_URL"
}

cmd_stop() {
    if is_running; then
        log "stopping PostgreSQL in $PG_DATA"
        pg_ctl_ -m fast -w -t 60 stop >&2
    else
        log "not running ($PG_DATA)"
    fi
}

cmd_status() {
    if is_running && answers; then
        log "running and answering: $PG_URL"
        return 0
    fi
    log "not running (or not answering) on 127.0.0.1:$PG_PORT ($PG_DATA)"
    return 1
}

cmd_destroy() {
    cmd_stop
    log "removing $PG_DIR"
    rm -rf "$PG_DIR"
}

case "${1:-start}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
destroy) cmd_destroy ;;
url) echo "$PG_URL" ;;
*)
    echo "usage: $0 [start|stop|status|destroy|url]" >&2
    exit 2
    ;;
esac
