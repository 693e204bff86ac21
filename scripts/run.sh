#!/usr/bin/env bash
# Runs Almanac, the embedded default: one process, SQLite under ./data, in-process queue and workers,
# serving http://127.0.0.1:8000. Set DATABASE_URL and REDIS_URL to use PostgreSQL and Redis instead.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/lib/install-deps.sh run
swift build -c release --product upload-api
exec .build/release/upload-api "$@"
