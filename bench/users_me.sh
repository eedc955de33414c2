#!/usr/bin/env bash
# Measures Buckle's hot path: GET /v1/users/me with a personal access token
# (token lookup by hash, expiry, permission check, one account read), plus
# cold-start time, on the embedded SQLite default (or DATABASE_URL if set).
#
#   bash bench/users_me.sh            # 10 s runs, 2 threads, 64 connections
#   DURATION=30s CONNECTIONS=128 bash bench/users_me.sh
#
# Needs wrk and hyperfine (apt-get install -y wrk hyperfine). Loopback only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-17070}

for tool in wrk hyperfine; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y $tool)" >&2; exit 1; }
done

if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
    echo "bench: something already answers on port $PORT; stop it or set PORT" >&2
    exit 1
fi
cargo build --release --quiet
BIN=$PWD/target/release/buckle
WORK=$(mktemp -d)
trap '[ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

# Cold start: process launch to the first /healthz answer, over a new data dir
# (creates the database, migrates, makes the first admin) and over an existing one.
PID=""
COLD_MS=0
start_and_time() {
    local t0 t1
    t0=$(date +%s%N)
    BUCKLE_LOG=warn "$BIN" serve --data-dir "$1" --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
    PID=$!
    until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.002; done
    t1=$(date +%s%N)
    COLD_MS=$(( (t1 - t0) / 1000000 ))
}
stop_server() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }
start_and_time "$WORK/fresh"; stop_server
echo "cold start, new data dir: ${COLD_MS} ms"
start_and_time "$WORK/fresh"; stop_server
echo "cold start, existing data dir: ${COLD_MS} ms"

"$BIN" admin --data-dir "$WORK/data" create-user --user-name bench --password-stdin <<< 'bench password' >/dev/null
TOKEN=$("$BIN" admin --data-dir "$WORK/data" create-token --user-name bench --name bench \
    --permissions Account.readProfile --expires-in 1d)
BUCKLE_LOG=warn "$BIN" serve --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
PID=$!
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.01; done
curl -fs -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/users/me" >/dev/null

echo
echo "== GET /v1/users/me with a valid PAT (${DURATION}, ${THREADS} threads, ${CONNECTIONS} connections)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
    -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/users/me"
echo
echo "== GET /v1/users/me with an unknown PAT (401 path)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
    -H "Authorization: Bearer pat_$(printf 'x%.0s' $(seq 64))" "http://127.0.0.1:$PORT/v1/users/me"
