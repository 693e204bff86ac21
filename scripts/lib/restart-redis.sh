#!/usr/bin/env bash
# Restarts the test Redis started by servers.sh (data kept through its append-only file).
set -euo pipefail
dir="${ALMANAC_TEST_SERVERS_DIR:?not under scripts/test.sh}"
redis-cli -p "$ALMANAC_TEST_REDIS_PORT" shutdown >/dev/null 2>&1 || true
for _ in $(seq 1 50); do redis-cli -p "$ALMANAC_TEST_REDIS_PORT" ping >/dev/null 2>&1 || break; sleep 0.1; done
sleep "${1:-0}"
redis-server "$dir/redis.conf"
for _ in $(seq 1 50); do redis-cli -p "$ALMANAC_TEST_REDIS_PORT" ping >/dev/null 2>&1 && exit 0; sleep 0.1; done
exit 1
