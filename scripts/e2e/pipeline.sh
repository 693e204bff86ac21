#!/usr/bin/env bash
# End to end with the real binaries, seed 003's curl lines unchanged (only the host and port differ):
#   1. distributed: upload-api + etl-worker + forecast-worker on the test PostgreSQL and Redis;
#   2. embedded default: upload-api alone (SQLite, in-process queue and workers).
# Needs the servers of scripts/lib/servers.sh (scripts/test.sh starts them) and a built package.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${ALMANAC_TEST_DATABASE_URL:?run through scripts/test.sh}" "${ALMANAC_TEST_REDIS_PORT:?run through scripts/test.sh}"
bin=.build/debug
work=$(mktemp -d /tmp/almanac-e2e.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "e2e pipeline: FAIL: $*" >&2; for f in "$work"/*.log; do echo "--- $f" >&2; tail -20 "$f" >&2; done; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
wait_for() { # wait_for <seconds> <description> <command...>
    local limit=$1 what=$2; shift 2
    for _ in $(seq 1 $((limit * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    fail "timed out waiting for $what"
}

# A small two-category sales file in seed 003's format (from a real daily series).
awk -F, 'NR > 1 && $1 == "bike_registered" && n < 120 { n++; printf "%s,P001,Electronics,%.2f\n%s,P003,Furniture,%.2f\n", $2, $3, $2, $3 / 3 }' \
    /work/shared/data/series/daily.csv > "$work/body" 2>/dev/null || true
if [ ! -s "$work/body" ]; then
    python3 - "$work/body" <<'PY'
import sys, datetime, math
with open(sys.argv[1], "w") as f:
    for i in range(120):
        d = datetime.date(2026, 1, 1) + datetime.timedelta(days=i)
        v = 1500 + 300 * math.sin(i * 2 * math.pi / 7) + 3 * i
        f.write(f"{d},P001,Electronics,{v:.2f}\n{d},P003,Furniture,{v / 3:.2f}\n")
PY
fi
{ echo "Date,product_id,category,sales"; cat "$work/body"; } > "$work/data.csv"
rows=$(($(wc -l < "$work/data.csv") - 1))

run_contract() { # run_contract <base url> <label>
    local base=$1 label=$2
    [ "$(curl -s "$base/health")" = '{"status":"ok"}' ] || fail "$label: /health"
    local r batch
    r=$(curl -s -X POST "$base/upload" -F "file=@$work/data.csv")
    [ "$(echo "$r" | json 'd["message"]')" = "file accepted" ] || fail "$label: upload answered $r"
    batch=$(echo "$r" | json 'd["batch_num"]')
    case "$batch" in data_*) ;; *) fail "$label: batch_num $batch does not follow <stem>_<time>_<hash>";; esac
    wait_for 120 "$label batch completed" bash -c "curl -s '$base/metadata/$batch' | grep -q '\"status\":\"completed\"'"
    [ "$(curl -s "$base/metadata" | json 'd[0]["num_inserted_rows"]')" = "$rows" ] || fail "$label: inserted rows"
    [ "$(curl -s "$base/invoice-data?limit=100000" | json 'len(d["data"])')" = "$rows" ] || fail "$label: invoice-data count"
    [ "$(curl -s "$base/invoice-data" | json 'd["pagination"]["total_items"]')" = "$rows" ] || fail "$label: invoice-data total_items"
    [ "$(curl -s "$base/invoice-data?category=Electronics&limit=100000" | json 'len(d["data"])')" = "$((rows / 2))" ] || fail "$label: category filter"
    local first
    first=$(head -2 "$work/data.csv" | tail -1 | cut -d, -f1)
    [ "$(curl -s "$base/invoice-data?start_date=$first&end_date=$first" | json 'len(d["data"])')" = "2" ] || fail "$label: date filter"
    local dup code
    code=$(curl -s -o "$work/dup.json" -w '%{http_code}' -X POST "$base/upload" -F "file=@$work/data.csv;filename=renamed.csv")
    [ "$code" = 409 ] || fail "$label: duplicate answered $code"
    [ "$(json 'd["batch_num"]' < "$work/dup.json")" = "$batch" ] || fail "$label: duplicate names another batch"
    wait_for 300 "$label forecasts" bash -c "[ \"\$(curl -s '$base/forecast-data?limit=1000' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')\" = 300 ]"
    for model in prophet theta auto; do
        [ "$(curl -s "$base/forecast-data?category=Electronics&model_type=$model" | json 'len(d)')" = 30 ] || fail "$label: $model forecasts"
    done
    [ "$(curl -s "$base/forecast-accuracy?category=Furniture" | json 'sum(1 for a in d if a["is_best"])')" = 1 ] || fail "$label: best model"
    echo "e2e pipeline: $label ok ($rows rows, 300 forecasts: 2 categories, 5 models, 30 days)" >&2
}

# 1. Distributed.
db="e2e_$(date +%s)_$$"
psql -q "$ALMANAC_TEST_DATABASE_URL" -c "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="${ALMANAC_TEST_DATABASE_URL%/*}/$db" REDIS_URL="redis://127.0.0.1:$ALMANAC_TEST_REDIS_PORT/7"
redis-cli -p "$ALMANAC_TEST_REDIS_PORT" -n 7 FLUSHDB >/dev/null
port=$(free_port)
DATA_DIR="$work/dist" PORT=$port "$bin/upload-api" > "$work/api.log" 2>&1 & pids+=($!)
DATA_DIR="$work/dist" "$bin/etl-worker" > "$work/etl.log" 2>&1 & etl=$!; pids+=($etl)
DATA_DIR="$work/dist" "$bin/forecast-worker" > "$work/forecast.log" 2>&1 & fc=$!; pids+=($fc)
wait_for 60 "upload-api" curl -sf "http://127.0.0.1:$port/ready"
run_contract "http://127.0.0.1:$port" distributed
# SIGTERM: the workers stop taking messages and exit 0.
kill -TERM "$etl" "$fc"
for p in "$etl" "$fc"; do
    s=$SECONDS
    wait "$p" || fail "worker $p exited with status $?"
    [ $((SECONDS - s)) -le 8 ] || fail "worker $p took more than 8 s to stop"
done
unset DATABASE_URL REDIS_URL

# 2. Embedded default.
port=$(free_port)
DATA_DIR="$work/embedded" PORT=$port "$bin/upload-api" > "$work/embedded.log" 2>&1 & pids+=($!)
wait_for 60 "embedded upload-api" curl -sf "http://127.0.0.1:$port/ready"
run_contract "http://127.0.0.1:$port" embedded
echo "e2e pipeline: passed" >&2
