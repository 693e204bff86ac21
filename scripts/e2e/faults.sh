#!/usr/bin/env bash
# Fault tests (issue 8) against the real binaries, the test PostgreSQL and Redis of scripts/lib/servers.sh:
# 50 overlapping sales uploads while two etl-workers and two forecast-workers are SIGKILLed and restarted
# 20 times, Redis restarted twice and PostgreSQL once, then Redis wiped with FLUSHALL. Checks that every
# accepted batch completed exactly once in effect; then the crash-point run (workers dying at four fixed
# points, each hit >= 10 times) and the poison message (dead-lettered after 3 deliveries, the other jobs
# keeping >= 90% of their throughput). The driver is scripts/e2e/faults.py (python3, stdlib); FAULTS_ONLY
# picks one run. Prints `uploads=50 lost=0 duplicated=0 mismatched_rows=0` (and the crash-point and poison
# lines) and exits non-zero on anything else.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${ALMANAC_TEST_DATABASE_URL:?run through scripts/test.sh}" "${ALMANAC_TEST_REDIS_PORT:?run through scripts/test.sh}"
: "${ALMANAC_TEST_SERVERS_DIR:?run through scripts/test.sh}"
exec python3 scripts/e2e/faults.py "$@"
