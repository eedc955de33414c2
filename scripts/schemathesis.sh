#!/usr/bin/env bash
# Runs schemathesis against a real Buckle: every operation of /openapi.json, with
# generated valid and invalid input, authenticated as a super admin whose
# personal access token holds every permission point. Fails on any 5xx, any
# response that does not match the document (status, Content-Type, headers,
# body schema), and a crash of the server.
#
#   bash scripts/schemathesis.sh            (builds target/debug/buckle)
#
# Environment:
#   BUCKLE_BIN             the buckle binary to test (default: cargo build, debug)
#   SCHEMATHESIS           the schemathesis command (default: .ci/.venv/bin/schemathesis)
#   SCHEMATHESIS_EXAMPLES  test cases per operation and phase (default 20)
#   SCHEMATHESIS_SEED      fixes the random seed, to replay a run
#   DATABASE_URL           test on PostgreSQL instead of a throwaway SQLite file
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"

if [ -z "${BUCKLE_BIN:-}" ]; then
    cargo build --quiet --bin buckle
    # Where cargo put it: CARGO_TARGET_DIR (relative to the root) or target/.
    BUCKLE_BIN="$(realpath "${CARGO_TARGET_DIR:-target}")/debug/buckle"
fi
SCHEMATHESIS="${SCHEMATHESIS:-$ROOT/.ci/.venv/bin/schemathesis}"
[ -x "$SCHEMATHESIS" ] || {
    echo "schemathesis.sh: $SCHEMATHESIS not found; install it with:" >&2
    echo "  python3 -m venv .ci/.venv && .ci/.venv/bin/pip install -r tests/schemathesis/requirements.txt" >&2
    exit 1
}

WORK="$(mktemp -d)"
SERVER_PID=""
finish() {
    local rc=$?
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "$rc" -ne 0 ] && [ -s "$WORK/server.log" ]; then
        echo "--- last server log lines ---" >&2
        tail -n 40 "$WORK/server.log" >&2
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap finish EXIT

export BUCKLE_DATA_DIR="$WORK/data"
unset BUCKLE_CONFIG BUCKLE_LISTEN BUCKLE_PUBLIC_URL
# Every point a personal token can hold (organization-level ones belong to teams).
POINTS="$(awk -F'"' '/^name = / { n = $2 } /^level = / && $2 != "organization" { print n }' \
    crates/core/catalog/permissions.toml | paste -sd, -)"

echo "schemathesis-admin-password" | "$BUCKLE_BIN" admin create-user \
    --user-name schemathesis --password-stdin --super-admin >/dev/null
TOKEN="$("$BUCKLE_BIN" admin create-token --user-name schemathesis --name schemathesis \
    --permissions "$POINTS" --all-workspaces --expires-in 1d)"

BUCKLE_LOG="${BUCKLE_LOG:-warn}" "$BUCKLE_BIN" serve --listen 127.0.0.1:0 \
    >"$WORK/server.out" 2>"$WORK/server.log" </dev/null &
SERVER_PID=$!
BASE=""
for _ in $(seq 1 300); do
    BASE="$(sed -n 's/^Buckle is listening on \(http:[^ ]*\).*/\1/p' "$WORK/server.out")"
    [ -n "$BASE" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "buckle serve exited" >&2; exit 1; }
    sleep 0.1
done
[ -n "$BASE" ] || { echo "buckle serve did not start" >&2; exit 1; }
echo "Buckle on $BASE"

args=(
    run "$BASE/openapi.json"
    --header "Authorization: Bearer $TOKEN"
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
    --max-examples "${SCHEMATHESIS_EXAMPLES:-20}"
    --request-timeout 30
    --workers 2
    --no-color
    --output-truncate true
)
[ -n "${SCHEMATHESIS_SEED:-}" ] && args+=(--seed "$SCHEMATHESIS_SEED")
"$SCHEMATHESIS" --config-file "$ROOT/tests/schemathesis/schemathesis.toml" "${args[@]}" "$@"

# A crash would have shown as connection errors above; make sure it still answers.
kill -0 "$SERVER_PID" || { echo "buckle serve died during the run" >&2; exit 1; }
python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10)' "$BASE/healthz"
