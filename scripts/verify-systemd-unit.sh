#!/usr/bin/env bash
# Checks deploy/systemd/buckle.service with `systemd-analyze verify`, which needs
# no running systemd (a container is fine) but does need ExecStart's binary: the
# check runs on a copy whose ExecStart names the built binary. Any message
# (verify reports unknown keys and bad values as warnings, exit status 0) fails.
#
#   bash scripts/verify-systemd-unit.sh [path/to/buckle]
#   (default: debug/buckle under CARGO_TARGET_DIR, else target/)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/debug/buckle}")"
[ -x "$BIN" ] || { echo "verify-systemd-unit: $BIN is not built (cargo build --bin buckle)" >&2; exit 1; }
command -v systemd-analyze >/dev/null 2>&1 || { echo "verify-systemd-unit: systemd-analyze missing (apt-get install systemd)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
grep -q '^ExecStart=/usr/local/bin/buckle ' deploy/systemd/buckle.service ||
    { echo "verify-systemd-unit: ExecStart no longer starts /usr/local/bin/buckle" >&2; exit 1; }
sed "s|^ExecStart=/usr/local/bin/buckle |ExecStart=$BIN |" deploy/systemd/buckle.service >"$work/buckle.service"
set +e
out="$(systemd-analyze verify "$work/buckle.service" 2>&1)"
rc=$?
set -e
if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
    printf '%s\n' "$out" >&2
    echo "verify-systemd-unit: deploy/systemd/buckle.service has problems (exit $rc)" >&2
    exit 1
fi
echo "deploy/systemd/buckle.service: systemd-analyze verify is clean"
