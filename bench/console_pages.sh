#!/usr/bin/env bash
# Measures the console pages' server time with a heavy account: a team with
# 1,000 personal access tokens and 100 OAuth apps (an organization's app limit;
# the console issue's bar: no page over 50 ms), and a personal edition with
# 1,000 tokens and 10 apps (its limit).
#
#   bash bench/console_pages.sh              # 1,000 tokens, 100 apps, 30 requests a page
#   TOKENS=5000 APPS=300 RUNS=50 bash bench/console_pages.sh
#
# Release build, fresh SQLite data dir (DATABASE_URL=postgres://... for PostgreSQL:
# an empty database), loopback only. Each page is fetched RUNS times one after
# another; the time is curl's time to the first byte after the request was sent
# (server time plus a loopback hop), reported as median and worst, beside
# /healthz measured the same way. Needs curl and jq.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TOKENS=${TOKENS:-1000}
APPS=${APPS:-100}
RUNS=${RUNS:-30}
PORT=${PORT:-17072}
BASE="http://127.0.0.1:$PORT"

for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y $tool)" >&2; exit 1; }
done
if curl -fs "$BASE/healthz" >/dev/null 2>&1; then
    echo "bench: something already answers on port $PORT; stop it or set PORT" >&2
    exit 1
fi
cargo build --release --quiet
BIN=$PWD/target/release/buckle
WORK=$(mktemp -d)
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

PASSWORD='console bench password'
"$BIN" admin --data-dir "$WORK/data" create-user --user-name bench --password-stdin <<<"$PASSWORD" >/dev/null
BUCKLE_LOG=warn "$BIN" serve --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
PID=$!
until curl -fs "$BASE/healthz" >/dev/null 2>&1; do sleep 0.02; done

JAR="$WORK/cookies.txt"
CSRF=$(curl -s -c "$JAR" -H 'Content-Type: application/json' \
    -d "{\"user_name\": \"bench\", \"password\": \"$PASSWORD\"}" \
    "$BASE/api/manage/session" | jq -r .data.csrf_token)
export BASE JAR CSRF

post() { # path body
    curl -s -o /dev/null -w '%{http_code}\n' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
        -H 'Content-Type: application/json' -d "$2" "$BASE$1"
}
export -f post

ORG=$(curl -s -b "$JAR" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
    -d '{"name": "Bench team", "kind": "team"}' "$BASE/api/manage/organizations" | jq -r .data.id)
export ORG
# Every line a count and a status; anything but 200 fails the run.
all_ok() { sort | uniq -c | awk -v what="$1" '$2 != 200 { bad = 1; print "bench: " what " answered " $2 " x" $1 > "/dev/stderr" } END { exit bad }'; }

echo "seeding $TOKENS tokens and $APPS apps in a team, $TOKENS tokens and 10 apps in the personal edition..."
t0=$(date +%s%N)
seq 1 "$TOKENS" | xargs -P 4 -I{} bash -c \
    'post /api/manage/personal_access_tokens "{\"name\": \"token {}\", \"permissions\": [\"Account.readProfile\", \"Bot.list\"], \"expires_in\": \"30d\"}"
     post /api/manage/personal_access_tokens "{\"name\": \"team token {}\", \"organization_id\": \"$ORG\", \"permissions\": [\"Account.readProfile\", \"Bot.list\"], \"all_workspaces\": true, \"expires_in\": \"7d\"}"' \
    | all_ok "token creation"
# $1: the app number, $2: the organization field (empty: personal edition), $3: a name prefix.
app_body() {
    local redirects='"redirect_uris": ["http://127.0.0.1:8080/cb"], '
    local types=(web pkce device service) type
    type=${types[$(( $1 % 4 ))]}
    case $type in device | service) redirects="" ;; esac
    printf '{"name": "%s%s app %s", %s"app_type": "normal", "client_type": "%s", "permissions": ["Account.readProfile"]%s}' \
        "${3:-}" "$type" "$1" "$redirects" "$type" "$2"
}
export -f app_body
seq 1 "$APPS" | xargs -P 4 -I{} bash -c 'post /api/manage/apps "$(app_body {} ", \"organization_id\": \"$ORG\"")"' \
    | all_ok "app creation (team)"
seq 1 10 | xargs -P 4 -I{} bash -c 'post /api/manage/apps "$(app_body {} "" "personal ")"' \
    | all_ok "app creation (personal)"
echo "seeded in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

TOKEN_ID=$(curl -s -b "$JAR" "$BASE/api/manage/personal_access_tokens?organization_id=$ORG" | jq -r '.data[0].id')
APPS_JSON=$(curl -s -b "$JAR" "$BASE/api/manage/apps?organization_id=$ORG")
WEB_APP=$(jq -r '[.data[] | select(.client_type == "web")][0].app_id' <<<"$APPS_JSON")
SERVICE_APP=$(jq -r '[.data[] | select(.client_type == "service")][0].app_id' <<<"$APPS_JSON")
for v in ORG TOKEN_ID WEB_APP SERVICE_APP; do
    case ${!v} in "" | null) echo "bench: could not find $v" >&2; exit 1 ;; esac
done

# Median and worst of RUNS fetches of $1, in ms (time to first byte after sending).
measure() {
    local path=$1 i code times=()
    for ((i = 0; i < RUNS; i++)); do
        read -r code t < <(curl -s -o /dev/null -b "$JAR" \
            -w '%{http_code} %{time_pretransfer} %{time_starttransfer}\n' "$BASE$path" \
            | awk '{ printf "%s %.3f\n", $1, ($3 - $2) * 1000 }')
        if [ "$code" != 200 ]; then
            echo "bench: $path answered $code" >&2
            exit 1
        fi
        times+=("$t")
    done
    # The table names ids by what they are.
    local label=${path//${ORG:-none}/ORG}
    label=${label//${TOKEN_ID:-none}/TOKEN}
    label=${label//${WEB_APP:-none}/WEB_APP}
    label=${label//${SERVICE_APP:-none}/SERVICE_APP}
    printf '%s\n' "${times[@]}" | sort -n | awk -v p="$label" '
        { a[NR] = $1 } END { printf "| `%s` | %.1f | %.1f |\n", p, a[int((NR + 1) / 2)], a[NR] }'
}

echo
echo "console pages (the team's with ?org=), $RUNS fetches each, ms to first byte"
echo
echo "| page | median | worst |"
echo "|---|---|---|"
measure /healthz
for p in / /console/tokens /console/apps /console/authorized-apps /console/organizations \
    /console/account; do
    measure "$p"
done
T="org=$ORG"
for p in "/?$T" "/console/tokens?$T" "/console/tokens/new?$T" "/console/tokens/$TOKEN_ID/edit?$T" \
    "/console/tokens/$TOKEN_ID/delete?$T" "/console/service-tokens?$T" "/console/apps?$T" \
    "/console/apps/new?$T" "/console/apps/$WEB_APP?$T" "/console/apps/$SERVICE_APP?$T" \
    "/console/apps/$SERVICE_APP/keys?$T" "/console/installations?$T" "/console/members?$T" \
    "/console/workspaces?$T"; do
    measure "$p"
done
