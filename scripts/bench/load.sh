#!/usr/bin/env bash
# Issue 8's load run (a benchmark, not a test): wrk on loopback against a release upload-api (embedded
# default) for GET /forecast-data, GET /invoice-data and POST /predict/{series_id}, beside the same run
# against GET /health, a route that answers a constant through the same middleware, so the cost of
# Almanac's own work shows as a ratio. Prints a Markdown table; record it in BENCHMARKS.md.
# Usage: nice -n 10 scripts/bench/load.sh   (DURATION=10s CONNECTIONS=16 THREADS=2 SCRATCH=.build-release)
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=${SCRATCH:-.build-release}
bin=$scratch/release
duration=${DURATION:-10s}
connections=${CONNECTIONS:-16}
threads=${THREADS:-2}
command -v wrk >/dev/null || { echo "installing wrk" >&2; apt-get install -y wrk >/dev/null; }
[ -x "$bin/upload-api" ] || swift build -c release --scratch-path "$scratch" --product upload-api >&2
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -u DATABASE_URL -u REDIS_URL DATA_DIR="$work/data" PORT=$port RATE_LIMIT_PER_MINUTE=0 LOG_LEVEL=warning \
    "$bin/upload-api" > "$work/api.log" 2>&1 & api=$!
trap 'kill -TERM $api 2>/dev/null; wait $api 2>/dev/null; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -sf "$base/ready" >/dev/null 2>&1 && break; sleep 0.2; done

# Data: 20 products × 2 categories × 365 days, forecast by the in-process workers; one anomaly baseline.
python3 - "$work/sales.csv" <<'PY'
import sys, datetime, math
with open(sys.argv[1], "w") as f:
    f.write("Date,product_id,category,sales\n")
    d0 = datetime.date(2025, 1, 1)
    for day in range(365):
        d = d0 + datetime.timedelta(days=day)
        for c in ("Electronics", "Grocery"):
            for p in range(20):
                f.write(f"{d},{c[:3]}-{p},{c},{50 + 10 * math.sin(day / 7 * 2 * math.pi) + p:.2f}\n")
PY
curl -sf -X POST "$base/upload" -F "file=@$work/sales.csv" >/dev/null
for _ in $(seq 1 600); do
    n=$(curl -sf "$base/forecast-data?category=Electronics&model_type=prophet&limit=1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo 0)
    [ "$n" = 1 ] && break; sleep 0.5
done
python3 - "$base" <<'PY'
import json, sys, urllib.request
ts = list(range(1, 201)); vs = [10 + (i % 7) for i in ts]
req = urllib.request.Request(sys.argv[1] + "/fit/load-series", data=json.dumps({"timestamps": ts, "values": vs}).encode(),
                             headers={"Content-Type": "application/json"}, method="POST")
urllib.request.urlopen(req, timeout=120).read()
PY
cat > "$work/predict.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"timestamp": 201, "value": 30}'
LUA

run() {  # name, path, extra wrk args → "name|req/s|p50|p99"
    local out
    out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "${@:3}" "$base$2")
    local rps p50 p99 errors
    rps=$(awk '/Requests\/sec/ { print $2 }' <<< "$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<< "$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<< "$out")
    errors=$(awk '/Non-2xx/ { print $NF }' <<< "$out")
    echo "$1|$rps|$p50|$p99|${errors:-0}"
}
constant=$(run "GET /health (constant)" "/health")
rows=("$constant"
      "$(run "GET /forecast-data" "/forecast-data?category=Electronics&model_type=prophet")"
      "$(run "GET /invoice-data (1,000 rows)" "/invoice-data?category=Electronics&limit=1000")"
      "$(run "GET /invoice-data (default page, 15 rows)" "/invoice-data?category=Electronics")"
      "$(run "GET /invoice-data (page 100 of all rows)" "/invoice-data?page=100")"
      "$(run "POST /predict/{series_id}" "/predict/load-series" -s "$work/predict.lua")")
base_rps=${constant#*|}; base_rps=${base_rps%%|*}
echo "wrk: $threads threads, $connections connections, $duration per route, loopback, embedded release upload-api"
echo "| route | requests/s | p50 | p99 | non-2xx | requests/s ÷ constant route |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for r in "${rows[@]}"; do
    IFS='|' read -r name rps p50 p99 errors <<< "$r"
    echo "| $name | $rps | $p50 | $p99 | $errors | $(python3 -c "print(f'{$rps / $base_rps:.3f}')") |"
done
