#!/usr/bin/env bash
# End to end with the real binaries: seed 000's (work schedules) and seed 004's (anomaly baselines) curl lines,
# unchanged but for host and port, with jq as the seeds use it:
#   1. distributed: upload-api + train-worker on the test PostgreSQL and Redis (the fits run in train-worker);
#   2. embedded default: upload-api alone.
# Needs the servers of scripts/lib/servers.sh (scripts/test.sh starts them) and a built package.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${ALMANAC_TEST_DATABASE_URL:?run through scripts/test.sh}" "${ALMANAC_TEST_REDIS_PORT:?run through scripts/test.sh}"
bin=.build/debug
work=$(mktemp -d /tmp/almanac-e2e-schedule.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "e2e schedule: FAIL: $*" >&2; for f in "$work"/*.log; do echo "--- $f" >&2; tail -20 "$f" >&2; done; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for <seconds> <description> <command...>
    local limit=$1 what=$2; shift 2
    for _ in $(seq 1 $((limit * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    fail "timed out waiting for $what"
}

# Seed 000's CSV shape from the real schedule data: one carrier unit is one entity, first/last departure are
# start/end (minutes after midnight → HH:MM), ISO dates.
{
    echo "ID,Date,Start Time,End Time"
    awk -F, 'NR > 1 && ($1 == "9E_EWR" || $1 == "AA_JFK") && $2 < "2013-04-01" { printf "%s,%s,%02d:%02d,%02d:%02d\n", $1, $2, $3 / 60, $3 % 60, $4 / 60, $4 % 60 }' \
        /work/shared/data/schedule_flights.csv
} > "$work/data.csv"
rows=$(($(wc -l < "$work/data.csv") - 1))
[ "$rows" -gt 50 ] || fail "schedule data slice has only $rows rows"

run_contract() { # run_contract <base url> <label>
    local base=$1 label=$2
    # Seed 000, step 1: create a session (the seed's own line).
    SESSION_ID=$(curl -s -X POST "$base/api/session/create" | jq -r '.session_id')
    [ "${#SESSION_ID}" = 64 ] || fail "$label: session id '$SESSION_ID'"
    # Step 2: train (the seed's line, with the file of this script).
    local r
    r=$(curl -s -X POST "$base/api/train/" \
        -H "X-Session-ID: $SESSION_ID" \
        -F "file=@$work/data.csv" \
        -F "id_column=ID" \
        -F "date_column=Date" \
        -F "start_time_column=Start Time" \
        -F "end_time_column=End Time")
    [ "$(echo "$r" | jq -r '.message')" = "Model trained successfully" ] || fail "$label: train answered $r"
    [ "$(echo "$r" | jq -r '.data_points')" = "$rows" ] || fail "$label: data_points in $r"
    [ "$(echo "$r" | jq -r '.entities')" = 2 ] || fail "$label: entities in $r"
    # Step 3: predict (the seed's line, an entity of this data).
    r=$(curl -s -X POST "$base/api/predict/" \
        -H "X-Session-ID: $SESSION_ID" \
        -H "Content-Type: application/json" \
        -d '{
        "id": "9E_EWR",
        "target_date": "23/12/2013",
        "window_size": 3
    }')
    [ "$(echo "$r" | jq -r '.predictions | length')" = 3 ] || fail "$label: predict answered $r"
    [ "$(echo "$r" | jq -r '.predictions[1].date')" = "23/12/2013" ] || fail "$label: window in $r"
    [ "$(echo "$r" | jq -r '.predictions[1].weekday')" = "mon" ] || fail "$label: weekday in $r"
    r=$(curl -s -X POST "$base/api/predict/" -H "X-Session-ID: $SESSION_ID" -H "Content-Type: application/json" \
        -d '{"id": "9E_EWR", "target_date": "2013-01-03", "window_size": 1}')
    [ "$(echo "$r" | jq -r '.predictions[0].historical')" = true ] || fail "$label: recorded day in $r"
    [ "$(echo "$r" | jq -r '.predictions[0].start_time')" = "07:55" ] || fail "$label: recorded start in $r"
    [ "$(curl -s "$base/api/session/info/" -H "accept: application/json" -H "X-Session-ID: $SESSION_ID" | jq -r '.data_points')" = "$rows" ] || fail "$label: info"
    [ "$(curl -s "$base/api/" | jq -r '.endpoints | length')" -ge 9 ] || fail "$label: /api/"
    [ "$(curl -s -X POST "$base/api/session/cleanup" -H "X-Admin-Token: e2e-admin" | jq -r '.deleted_sessions')" = 0 ] || fail "$label: cleanup"
    [ "$(curl -s -X GET "$base/api/session/cache-info" -H "X-Admin-Token: e2e-admin" | jq -r '.cache.size')" -ge 1 ] || fail "$label: cache-info"
    [ "$(curl -s -X POST "$base/api/session/cache-clear" -H "X-Admin-Token: e2e-admin" | jq -r '.message')" = "Cache cleared" ] || fail "$label: cache-clear"
    [ "$(curl -s -o /dev/null -w '%{http_code}' -X GET "$base/api/session/cache-info" -H "X-Admin-Token: wrong")" = 401 ] || fail "$label: admin token"
    [ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$base/api/session/delete/" -H "X-Session-ID: $SESSION_ID")" = 200 ] || fail "$label: delete"
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/session/info/" -H "X-Session-ID: $SESSION_ID")" = 401 ] || fail "$label: deleted session still answers"

    # Seed 004's lines (localhost:8000 → this server).
    r=$(curl -s -X POST "$base/fit/sensor_01" \
      -H "Content-Type: application/json" \
      -d '{"timestamps":[1705000000,1705000001,1705000002,1705000003],"values":[10.0,11.2,10.4,10.8]}')
    [ "$(echo "$r" | jq -r '.version')" = 1 ] || fail "$label: fit answered $r"
    r=$(curl -s -X POST "$base/predict/sensor_01" \
      -H "Content-Type: application/json" \
      -d '{"timestamp":"1705000010","value":13.0}')
    [ "$(echo "$r" | jq -r '.anomaly')" = true ] || fail "$label: predict answered $r"
    r=$(curl -s -X POST "$base/predict/sensor_01?version=v1" \
      -H "Content-Type: application/json" \
      -d '{"timestamp":"1705000011","value":10.3}')
    [ "$(echo "$r" | jq -r '.anomaly')" = false ] || fail "$label: predict v1 answered $r"
    [ "$(echo "$r" | jq -r '.model_version')" = 1 ] || fail "$label: model_version in $r"
    r=$(curl -s http://${base#http://}/healthcheck)
    [ "$(echo "$r" | jq -r '.status')" = ok ] || fail "$label: healthcheck answered $r"
    [ "$(echo "$r" | jq -r '.latency_ms.predict.samples')" -ge 2 ] || fail "$label: latency telemetry in $r"
    curl -s "$base/plot?series_id=sensor_01&version=v1" | grep -q '<svg' || fail "$label: plot"
    echo "e2e schedule: $label ok ($rows schedule rows)" >&2
}

# 1. Distributed: the fits go through train_queue to the train-worker process.
db="e2e_sched_$(date +%s)_$$"
psql -q "$ALMANAC_TEST_DATABASE_URL" -c "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="${ALMANAC_TEST_DATABASE_URL%/*}/$db" REDIS_URL="redis://127.0.0.1:$ALMANAC_TEST_REDIS_PORT/8" ADMIN_TOKEN=e2e-admin
redis-cli -p "$ALMANAC_TEST_REDIS_PORT" -n 8 FLUSHDB >/dev/null
port=$(free_port)
DATA_DIR="$work/dist" PORT=$port "$bin/upload-api" > "$work/api.log" 2>&1 & pids+=($!)
DATA_DIR="$work/dist" "$bin/train-worker" > "$work/train.log" 2>&1 & tw=$!; pids+=($tw)
wait_for 60 "upload-api" curl -sf "http://127.0.0.1:$port/ready"
run_contract "http://127.0.0.1:$port" distributed
grep -q "schedule forests fitted" "$work/train.log" || fail "distributed: the schedule fit did not run in train-worker"
grep -q "anomaly baseline fitted" "$work/train.log" || fail "distributed: the anomaly fit did not run in train-worker"
kill -TERM "$tw"
s=$SECONDS
wait "$tw" || fail "train-worker exited with status $?"
[ $((SECONDS - s)) -le 8 ] || fail "train-worker took more than 8 s to stop"
unset DATABASE_URL REDIS_URL

# 2. Embedded default.
port=$(free_port)
DATA_DIR="$work/embedded" PORT=$port SHUTDOWN_SECONDS=3 "$bin/upload-api" > "$work/embedded.log" 2>&1 & api=$!; pids+=($api)
wait_for 60 "embedded upload-api" curl -sf "http://127.0.0.1:$port/ready"
run_contract "http://127.0.0.1:$port" embedded
# SIGTERM on the embedded process (server and the three workers in it): exit 0 within SHUTDOWN_SECONDS (3 here).
kill -TERM "$api"
s=$SECONDS
wait "$api" || fail "embedded upload-api exited with status $?"
[ $((SECONDS - s)) -le 4 ] || fail "embedded upload-api took more than SHUTDOWN_SECONDS=3 (+1) to stop"
echo "e2e schedule: passed" >&2
