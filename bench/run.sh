#!/usr/bin/env bash
# Buckle's benchmark: one release-built `buckle serve` on a fresh database seeded
# with 1,000,000 live tokens (PATs, SATs, OAuth user and app tokens), 10,000 apps
# and 100,000 accounts; every scenario under wrk on this machine; and a bare axum
# route answering the same bytes as GET /v1/users/me under the same load, which
# every scenario's requests/s is divided by.
#
#   bash bench/run.sh [sqlite|postgres|both]        # default: sqlite
#
# Knobs (environment):
#   DURATION=10s  WARMUP=3s  THREADS=2  CONNECTIONS=64  GRANT_CONNECTIONS=32
#   ACCOUNTS=100000  APPS=10000  TOKENS=1000000
#   SAMPLE=10000       distinct tokens the token-check scenarios rotate through
#   SINGLE_USE=50000   codes, refresh tokens and device codes seeded (each)
#   JWTS=50000         pre-signed JWTs for the JWT bearer grant
#   PORT=17070  BARE_PORT=17071
#   ONLY=regex         run only the scenarios whose label matches (grep -E)
#   PERF=1             record each scenario with `perf record -g` (apt-get install
#                      linux-perf) into target/bench/<db>-<stamp>-<n>.perf.data; read
#                      one with `perf report -i FILE --no-children`. PERF=dwarf records
#                      DWARF call graphs: use it with BUILD_PROFILE=profiling (release
#                      with line tables) for readable Rust stacks
#   BUILD_PROFILE=release   the cargo profile built and run
#   SQLITE_SYNCHRONOUS=normal  Buckle's `sqlite_synchronous` on SQLite (`full`:
#                      every commit synced before it is answered)
#   BUCKLE_BENCH_POSTGRES_URL (or BUCKLE_TEST_POSTGRES_URL): a PostgreSQL server on
#     which a scratch database is created and dropped again.
# A single-use scenario ends early when its seeded secrets run out.
#
# Prints one table per database and writes it to target/bench/<db>-<timestamp>.md.
# Needs wrk (apt-get install wrk) and curl. Loopback only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

DATABASES=${1:-sqlite}
case "$DATABASES" in
    sqlite | postgres) ;;
    both) DATABASES="sqlite postgres" ;;
    *) echo "usage: bash bench/run.sh [sqlite|postgres|both]" >&2; exit 2 ;;
esac
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
GRANT_CONNECTIONS=${GRANT_CONNECTIONS:-32}
ACCOUNTS=${ACCOUNTS:-100000}
APPS=${APPS:-10000}
TOKENS=${TOKENS:-1000000}
SAMPLE=${SAMPLE:-10000}
SINGLE_USE=${SINGLE_USE:-50000}
JWTS=${JWTS:-50000}
PORT=${PORT:-17070}
BARE_PORT=${BARE_PORT:-17071}
PG_SERVER_URL=${BUCKLE_BENCH_POSTGRES_URL:-${BUCKLE_TEST_POSTGRES_URL:-}}

for tool in wrk curl; do
    command -v "$tool" >/dev/null || {
        echo "bench: $tool is missing; install it with: apt-get install -y $tool" >&2
        exit 1
    }
done
if [[ " $DATABASES " == *" postgres "* && -z "$PG_SERVER_URL" ]]; then
    echo "bench: set BUCKLE_BENCH_POSTGRES_URL (or BUCKLE_TEST_POSTGRES_URL) to a PostgreSQL server URL" >&2
    exit 1
fi
for p in "$PORT" "$BARE_PORT"; do
    if curl -fs "http://127.0.0.1:$p/healthz" >/dev/null 2>&1; then
        echo "bench: something already answers on port $p; stop it or set PORT / BARE_PORT" >&2
        exit 1
    fi
done

BUILD_PROFILE=${BUILD_PROFILE:-release}
SQLITE_SYNCHRONOUS=${SQLITE_SYNCHRONOUS:-normal}
echo "== building ($BUILD_PROFILE)"
cargo build --profile "$BUILD_PROFILE" --quiet -p buckle -p buckle-bench
BUCKLE=$ROOT/target/$BUILD_PROFILE/buckle
TOOL=$ROOT/target/$BUILD_PROFILE/buckle-bench
mkdir -p "$ROOT/target/bench"

WORK=""
SERVER_PID=""
BARE_PID=""
PG_NAME=""
cleanup() {
    [ -n "$BARE_PID" ] && kill "$BARE_PID" 2>/dev/null
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
    wait 2>/dev/null
    [ -n "$PG_NAME" ] && "$TOOL" pg-drop --server-url "$PG_SERVER_URL" --name "$PG_NAME"
    [ -n "$WORK" ] && rm -rf "$WORK"
    return 0
}
trap cleanup EXIT

# Starts Buckle on the current database; sets SERVER_PID and COLD_MS (process
# launch to the first /healthz answer).
start_buckle() {
    local t0 t1
    t0=$(date +%s%N)
    BUCKLE_LOG=warn "$BUCKLE" serve "${DB_ARGS[@]}" --listen "127.0.0.1:$PORT" \
        >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    "$TOOL" wait-ready --url "http://127.0.0.1:$PORT/healthz"
    t1=$(date +%s%N)
    COLD_MS=$(((t1 - t0) / 1000000))
}
stop_buckle() {
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# run_wrk PORT CONNECTIONS ITEMS METHOD PATH CONTENT_TYPE EXPECT SINGLE_USE
# prints wrk's BENCH_RESULT line.
run_wrk() {
    BENCH_ITEMS=$3 BENCH_METHOD=$4 BENCH_PATH=$5 BENCH_CONTENT_TYPE=$6 BENCH_EXPECT=$7 \
        BENCH_SINGLE_USE=$8 BENCH_THREADS=$THREADS \
        wrk -t"$THREADS" -c"$2" -d"$DURATION" -s "$ROOT/bench/wrk/rotate.lua" \
        "http://127.0.0.1:$1" | grep '^BENCH_RESULT'
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# Buckle's CPU time (user + system) in clock ticks, from /proc.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU microseconds Buckle spent per request since `cpu_ticks` read $2: a figure
# that other load on the machine changes far less than requests/s.
cpu_us_per_request() {
    local ticks=$(($(cpu_ticks "$1") - $2)) hz
    hz=$(getconf CLK_TCK)
    awk -v t="$ticks" -v hz="$hz" -v n="$3" 'BEGIN { if (n > 0) printf "%.0f", t / hz * 1e6 / n; else print "-" }'
}

bench_database() {
    local db=$1 stamp
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    WORK=$(mktemp -d)
    local load_before
    load_before=$(uptime)
    echo
    echo "== $db: fresh database"
    mkdir -p "$WORK/data"
    chmod 700 "$WORK/data"
    if [ "$db" = sqlite ]; then
        DB_ARGS=(--data-dir "$WORK/data")
        DB_URL="sqlite://$WORK/data/buckle.db"
        echo "sqlite_synchronous = \"$SQLITE_SYNCHRONOUS\"" >"$WORK/data/buckle.toml"
        DURABILITY="Buckle's sqlite_synchronous = $SQLITE_SYNCHRONOUS"
    else
        PG_NAME="buckle_bench_$$_$(date +%s)"
        DB_URL=$("$TOOL" pg-create --server-url "$PG_SERVER_URL" --name "$PG_NAME")
        DB_ARGS=(--data-dir "$WORK/data" --database-url "$DB_URL")
        DURABILITY="the PostgreSQL server's $("$TOOL" pg-durability --server-url "$PG_SERVER_URL")"
        case "$DURABILITY" in
            *"=off"*) echo "bench: warning: this PostgreSQL server does not sync every commit ($DURABILITY): grants are not durable, so their figures are not what a production server gives" >&2 ;;
        esac
    fi
    start_buckle
    local cold_fresh=$COLD_MS
    stop_buckle
    echo "cold start on the new database (creates, migrates, makes the first admin): ${cold_fresh} ms"

    echo "== $db: seeding $TOKENS tokens, $APPS apps, $ACCOUNTS accounts"
    "$TOOL" seed --database-url "$DB_URL" --out "$WORK/requests" --audience "127.0.0.1:$PORT" \
        --accounts "$ACCOUNTS" --apps "$APPS" --tokens "$TOKENS" --sample "$SAMPLE" \
        --single-use "$SINGLE_USE" --jwts "$JWTS" | tee "$WORK/seed.log"
    local seed_s
    seed_s=$(sed -n 's/^SEED_SECONDS=//p' "$WORK/seed.log")

    start_buckle
    local cold_seeded=$COLD_MS
    echo "cold start on the seeded database: ${cold_seeded} ms"
    local R=$WORK/requests
    local first_token
    first_token=$(head -1 "$R/users_me.txt" | cut -f1)
    curl -si -H "Authorization: $first_token" "http://127.0.0.1:$PORT/v1/users/me" >"$WORK/me.http"
    if ! head -1 "$WORK/me.http" | grep -q ' 200'; then
        echo "bench: GET /v1/users/me with a seeded token did not answer 200:" >&2
        cat "$WORK/me.http" >&2
        exit 1
    fi

    echo "== $db: bare axum route (same bytes as GET /v1/users/me)"
    "$TOOL" bare --listen "127.0.0.1:$BARE_PORT" --response "$WORK/me.http" &
    BARE_PID=$!
    "$TOOL" wait-ready --url "http://127.0.0.1:$BARE_PORT/healthz"
    local bare
    local bare_cpu
    bare_cpu=$(cpu_ticks "$BARE_PID")
    bare=$(run_wrk "$BARE_PORT" "$CONNECTIONS" "$R/users_me.txt" GET /v1/users/me "" 200 0)
    bare="$bare cpu_us=$(cpu_us_per_request "$BARE_PID" "$bare_cpu" "$(field requests "$bare")")"
    kill "$BARE_PID"
    wait "$BARE_PID" 2>/dev/null || true
    BARE_PID=""
    local bare_rps
    bare_rps=$(field rps "$bare")
    echo "$bare"

    # Warm-up, not reported: uses every sampled token once, so the first use's
    # last_used_at write (at most one a minute per token) falls outside the timed
    # runs, as it would in a server that has been up a while.
    echo "== $db: warm-up ($WARMUP of GET /v1/users/me)"
    DURATION=$WARMUP run_wrk "$PORT" "$CONNECTIONS" "$R/users_me.txt" GET /v1/users/me "" 200 0

    local form=application/x-www-form-urlencoded json=application/json
    local token_path=/api/permission/oauth2/token
    local -a rows=("bare axum route, same bytes as users/me (-c$CONNECTIONS)|$bare")
    local n=0
    scenario() {
        local label=$1
        shift
        n=$((n + 1))
        if [ -n "${ONLY:-}" ] && ! grep -qE "$ONLY" <<<"$label"; then
            return 0
        fi
        echo "== $db: $label"
        local line perf_pid=""
        if [ "${PERF:-0}" != 0 ]; then
            local graph=(-g)
            [ "$PERF" = dwarf ] && graph=(--call-graph dwarf,16384)
            perf record -q "${graph[@]}" -p "$SERVER_PID" -o "$ROOT/target/bench/$db-$stamp-$n.perf.data" \
                >/dev/null 2>&1 &
            perf_pid=$!
        fi
        local cpu_before
        cpu_before=$(cpu_ticks "$SERVER_PID")
        line=$(run_wrk "$PORT" "$@")
        line="$line cpu_us=$(cpu_us_per_request "$SERVER_PID" "$cpu_before" "$(field requests "$line")")"
        if [ -n "$perf_pid" ]; then
            kill -INT "$perf_pid"
            wait "$perf_pid" 2>/dev/null || true
            echo "profile: target/bench/$db-$stamp-$n.perf.data"
        fi
        echo "$line"
        rows+=("$label|$line")
    }
    scenario "GET /v1/users/me, valid token (-c$CONNECTIONS)" \
        "$CONNECTIONS" "$R/users_me.txt" GET /v1/users/me "" 200 0
    scenario "GET /v1/users/me, unknown token: 401 (-c$CONNECTIONS)" \
        "$CONNECTIONS" "$R/unknown.txt" GET /v1/users/me "" 401 0
    scenario "introspection (-c$CONNECTIONS)" \
        "$CONNECTIONS" "$R/introspect.txt" POST /api/permission/oauth2/introspect "$form" 200 0
    scenario "JWT bearer grant, pre-signed (-c$GRANT_CONNECTIONS)" \
        "$GRANT_CONNECTIONS" "$R/jwt.txt" POST "$token_path" "$json" 200 1
    scenario "authorization-code exchange (-c$GRANT_CONNECTIONS)" \
        "$GRANT_CONNECTIONS" "$R/code.txt" POST "$token_path" "$json" 200 1
    scenario "refresh token grant (-c$GRANT_CONNECTIONS)" \
        "$GRANT_CONNECTIONS" "$R/refresh.txt" POST "$token_path" "$json" 200 1
    scenario "device polling, approved code: tokens (-c$GRANT_CONNECTIONS)" \
        "$GRANT_CONNECTIONS" "$R/device.txt" POST "$token_path" "$json" 200 1

    local hwm_kb
    hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")
    stop_buckle
    # Buckle's warnings and errors during the run, kept next to the table.
    cp "$WORK/server.log" "$ROOT/target/bench/$db-$stamp.server.log"
    local load_after
    load_after=$(uptime)

    local md=$ROOT/target/bench/$db-$stamp.md
    {
        echo "## Buckle benchmark: $db, $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo
        echo "$(nproc) cores, $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); wrk -t$THREADS, $DURATION per scenario;" \
            "seeded $TOKENS tokens, $APPS apps, $ACCOUNTS accounts in ${seed_s} s; sample of $SAMPLE tokens."
        echo
        echo "| scenario | requests/s | p50 ms | p99 ms | errors | requests | ratio to bare | Buckle CPU µs/request |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|"
        local r label line rps
        for r in "${rows[@]}"; do
            label=${r%%|*}
            line=${r#*|}
            rps=$(field rps "$line")
            printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$rps" \
                "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$(field errors "$line")" \
                "$(field requests "$line")" "$(awk -v a="$rps" -v b="$bare_rps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')" \
                "$(field cpu_us "$line")"
        done
        echo
        echo "- durability: $DURABILITY"
        echo "- peak RSS (VmHWM): $((hwm_kb / 1024)) MB"
        echo "- cold start (launch to first /healthz answer): ${cold_seeded} ms on the seeded database, ${cold_fresh} ms on a new one"
        echo "- seeding: ${seed_s} s"
        echo "- load before: ${load_before#*load average: }; after: ${load_after#*load average: } (load average)"
        echo "- errors: answers other than 200 (401 for the unknown token), and socket errors/timeouts"
        for r in "${rows[@]}"; do
            line=${r#*|}
            if [ "$(field errors "$line")" != 0 ]; then
                echo "  - ${r%%|*}: $(field detail "$line")"
            fi
        done
        echo "- Buckle's log (warnings and errors): target/bench/$db-$stamp.server.log"
    } >"$md"
    echo
    cat "$md"
    echo
    echo "written to $md"

    if [ -n "$PG_NAME" ]; then
        "$TOOL" pg-drop --server-url "$PG_SERVER_URL" --name "$PG_NAME"
        PG_NAME=""
    fi
    rm -rf "$WORK"
    WORK=""
}

for db in $DATABASES; do
    bench_database "$db"
done
