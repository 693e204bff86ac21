#!/usr/bin/env bash
# Runs every test: installs missing packages, starts a throwaway PostgreSQL and Redis on free loopback
# ports, runs `swift test` against them and the end-to-end scripts, and stops the servers whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/lib/install-deps.sh test
source scripts/lib/servers.sh
almanac_start_servers
swift build --build-tests
# Three runs: the queue and Redis suites and the job-heartbeat tests measure timeouts and heartbeats, so they
# do not share the cores with the CPU-heavy model fits (a model test computing on Swift's cooperative pool
# held up a consumer's 5 s queue heartbeat, its message was reclaimed and a job ran twice: CI, twice);
# PostgresTests restarts the shared PostgreSQL server, so it runs alone, last.
swift test --skip-build --filter 'JobsTests|RedisTests|JobHeartbeatTests'
swift test --skip-build --skip 'JobsTests|RedisTests|JobHeartbeatTests|PostgresTests'
swift test --skip-build --filter PostgresTests
for e2e in scripts/e2e/*.sh; do
    [ -e "$e2e" ] || continue
    echo "== $e2e" >&2
    "$e2e"
done
echo "all tests passed" >&2
