#!/usr/bin/env bash
# Restarts the test PostgreSQL started by servers.sh (fast shutdown: open connections are cut).
set -euo pipefail
dir="${ALMANAC_TEST_SERVERS_DIR:?not under scripts/test.sh}"
as_pg() { if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$dir/pg-start.sh" stop -m fast >/dev/null
sleep "${1:-0}"
as_pg "$dir/pg-start.sh" start >/dev/null
