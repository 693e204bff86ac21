#!/usr/bin/env bash
# The dashboard in a real browser: starts the embedded upload-api (SQLite, in-process queue and workers),
# with API_KEYS set, then scripts/e2e/browser/drive.py drives headless Chromium over the DevTools pipe: signs in
# with the key on /dashboard/login, uploads a file through
# the page's form, waits for the forecast, checks the chart through the DOM and saves screenshots at 390 px
# and 1280 px to .build/screenshots, and signs out. ALMANAC_SKIP_BROWSER=1 skips it; so does a machine without Chromium
# (scripts/lib/install-deps.sh test|browser installs it, and CI runs test mode).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${ALMANAC_SKIP_BROWSER:-0}" = 1 ]; then echo "e2e browser: skipped (ALMANAC_SKIP_BROWSER=1)" >&2; exit 0; fi
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
    echo "e2e browser: skipped: no chromium (scripts/lib/install-deps.sh browser installs it)" >&2
    exit 0
fi
bin=""
for candidate in .build/debug/upload-api .build/release/upload-api; do
    if [ -x "$candidate" ] && { [ -z "$bin" ] || [ "$candidate" -nt "$bin" ]; }; then bin=$candidate; fi
done
[ -n "$bin" ] || { echo "e2e browser: FAIL: build upload-api first (swift build)" >&2; exit 1; }
work=$(mktemp -d /tmp/almanac-browser.XXXXXX)
api=""
cleanup() {
    [ -n "$api" ] && kill -TERM "$api" 2>/dev/null && wait "$api" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
out=.build/screenshots
mkdir -p "$out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
hostile='<script>alert(1)</script>'
# 150 days of two categories with a weekly pattern and a trend; the second category's name is markup.
python3 - "$work/sales.csv" "$hostile" <<'PY'
import sys, datetime, math
path, hostile = sys.argv[1], sys.argv[2]
with open(path, "w") as f:
    f.write("Date,product_id,category,sales\n")
    for i in range(150):
        d = datetime.date(2026, 1, 1) + datetime.timedelta(days=i)
        week = [1.0, 1.15, 1.1, 0.95, 1.3, 0.7, 0.6][d.weekday()]
        base = 1200 + 2.5 * i
        f.write(f"{d},P-100,Electronics,{base * week * 0.6 + 40 * math.sin(i / 9):.2f}\n")
        f.write(f"{d},P-200,Electronics,{base * week * 0.4:.2f}\n")
        f.write(f"{d},<b>X-1</b>,{hostile},{300 + 50 * week + i:.2f}\n")
PY
# With API keys on, as compose runs it: the browser signs in through /dashboard/login and signs out at the end.
key="browser-e2e-key-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
env -u DATABASE_URL -u REDIS_URL DATA_DIR="$work/data" HOST=127.0.0.1 PORT="$port" API_KEYS="$key" "$bin" > "$work/api.log" 2>&1 &
api=$!
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/ready" >/dev/null || { echo "e2e browser: FAIL: upload-api did not start" >&2; tail -20 "$work/api.log" >&2; exit 1; }
echo "e2e browser: $bin on port $port, $chromium" >&2
if ! python3 scripts/e2e/browser/drive.py --chromium "$chromium" --base "http://127.0.0.1:$port" --csv "$work/sales.csv" \
    --category Electronics --hostile "$hostile" --out "$out" --api-key "$key"; then
    echo "--- upload-api log" >&2; tail -30 "$work/api.log" >&2
    echo "--- chromium log" >&2; tail -30 "$out/chromium.log" >&2
    exit 1
fi
