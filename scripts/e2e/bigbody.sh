#!/usr/bin/env bash
# Memory stays flat while a 1 GiB body is refused (issue 8): an embedded upload-api (SQLite + in-memory
# queue) is sent 1 GiB multipart uploads and 1 GiB JSON bodies, declared and chunked, generated on the fly;
# each must be refused with 413 while the server's peak RSS (VmHWM) grows by less than 64 MB, and nothing is
# stored. The driver is scripts/e2e/bigbody.py (python3, stdlib). Needs a built package (.build/debug).
# MAX_UPLOAD_BYTES is 4 MiB here (BIGBODY_MAX_UPLOAD_BYTES): the debug build's multipart parser reads well
# under 1 MB/s, so the default 512 MiB limit would take CI many minutes to reach; the body is 1 GiB either
# way. BIGBODY_BIN runs another build (the release one, for the figure in BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/servers.sh
bin="${BIGBODY_BIN:-.build/debug}"
work=$(mktemp -d /tmp/almanac-bigbody.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(free_port)
key="bigbody-key-$RANDOM$RANDOM"
env -u DATABASE_URL -u REDIS_URL DATA_DIR="$work/data" PORT=$port HOST=127.0.0.1 API_KEYS="$key" \
    MAX_UPLOAD_BYTES="${BIGBODY_MAX_UPLOAD_BYTES:-4194304}" RATE_LIMIT_PER_MINUTE=0 LOG_LEVEL=warning "$bin/upload-api" > "$work/api.log" 2>&1 & pid=$!
wait_ready "http://127.0.0.1:$port" "$work/api.log" bigbody || exit 1
BIGBODY_URL="http://127.0.0.1:$port" BIGBODY_PID=$pid BIGBODY_API_KEY="$key" python3 scripts/e2e/bigbody.py
# Nothing stored: no file in the upload directory, no large file anywhere under DATA_DIR.
stored=$(find "$work/data/uploads" -type f 2>/dev/null | wc -l)
large=$(find "$work/data" -type f -size +8M 2>/dev/null | wc -l)
if [ "$stored" != "0" ] || [ "$large" != "0" ]; then
    echo "bigbody: FAIL: $stored files in the upload directory, $large files over 8 MB under DATA_DIR" >&2
    find "$work/data" -type f -ls >&2; exit 1
fi
echo "bigbody: OK (every 1 GiB body refused with 413, nothing stored)"
