#!/usr/bin/env bash
# Issue 3's benchmark: Almanac's sales pipeline end to end against a raw PostgreSQL COPY (the ceiling).
#
# For each size in SIZES (default "1000000"; e.g. SIZES="1000000 5000000"):
#   1. generates a sales file (10,000 products, 50 categories, 5 % missing sales) with AlmanacBench;
#   2. peer: COPY of the same rows (missing sales written as 0, prepared untimed) through psql's \copy into an
#      empty table shaped like invoice_data (same columns, primary key and indexes) on the same server, timed
#      before and again after step 3; the ratios use the mean of the two (the machine's load may change);
#   3. distributed: release upload-api + etl-worker on a throwaway PostgreSQL and Redis, timed by
#      `AlmanacBench etl` from the start of POST /upload to status `completed`;
#   4. embedded: release upload-api alone (SQLite, in-process queue and workers), timed the same way;
# and prints rows/s, the ratio to COPY and the peak RSS (VmHWM) of upload-api and etl-worker.
# Run it niced: `nice -n 10 scripts/bench/etl.sh` — it shares the machine with whatever else runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZES=${SIZES:-1000000}
scratch=${SCRATCH:-.build-release}
bin=$scratch/release
work=${WORK:-.build-bench/etl}
mkdir -p "$work"
for product in upload-api etl-worker AlmanacBench; do
    [ -x "$bin/$product" ] || swift build -c release --scratch-path "$scratch" --product "$product" >&2
done
source scripts/lib/servers.sh
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    almanac_stop_servers
}
almanac_start_servers
trap cleanup EXIT INT TERM
pg_admin="$ALMANAC_TEST_DATABASE_URL"
pg_base="${ALMANAC_TEST_DATABASE_URL%/*}"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d[sys.argv[1]])" "$1"; }
peak_mb() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
wait_ready() {
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/ready" >/dev/null 2>&1 && return 0; sleep 0.2; done
    echo "upload-api on port $1 did not become ready" >&2; return 1
}
stop() { kill -TERM "$@" 2>/dev/null || true; for p in "$@"; do wait "$p" 2>/dev/null || true; done; pids=(); }
common_env=(RATE_LIMIT_PER_MINUTE=0 LOG_LEVEL=warning MAX_UPLOAD_BYTES=2147483648)

results="$work/results.md"
echo "| rows | file MB | COPY rows/s | distributed rows/s | ratio | embedded rows/s | ratio | upload-api peak RSS (dist.) | etl-worker peak RSS | upload-api peak RSS (embedded) |" > "$results"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" >> "$results"
for rows in $SIZES; do
    csv="$work/sales_$rows.csv"
    [ -s "$csv" ] || $bin/AlmanacBench generate-sales --rows "$rows" --output "$csv"
    mb=$(( $(stat -c %s "$csv") / 1048576 ))

    peer_csv="$work/peer_$rows.csv"
    [ -s "$peer_csv" ] || awk -F, 'NR == 1 { print $0 ",is_imputed"; next }
        { if ($4 == "" || $4 == "NA" || $4 == "NaN" || $4 == "null") { $4 = "0"; imp = "true" } else imp = "false";
          print $1 "," $2 "," $3 "," $4 "," imp }' OFS=, "$csv" > "$peer_csv"
    # Peer: raw COPY into an empty table shaped like invoice_data, timed before and after the distributed run;
    # the ratio uses their mean, so a change of the machine's load during the run shows and weighs on both sides.
    copy_peer() {
        psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS copy_peer" -c "CREATE DATABASE copy_peer" >/dev/null
        psql -q "$pg_base/copy_peer" >/dev/null <<'SQL'
    CREATE TABLE invoice_copy (
        date DATE NOT NULL, product_id VARCHAR(100) NOT NULL, category VARCHAR(100) NOT NULL,
        sales NUMERIC(12, 2) NOT NULL, is_imputed BOOLEAN NOT NULL DEFAULT FALSE,
        batch_num VARCHAR(100) NOT NULL DEFAULT 'copy', file_hash VARCHAR(64) NOT NULL DEFAULT 'copy',
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        version INTEGER NOT NULL DEFAULT 1, upload_seq BIGINT NOT NULL DEFAULT 1,
        PRIMARY KEY (date, product_id, category));
    CREATE INDEX invoice_copy_category_date ON invoice_copy (category, date);
    CREATE INDEX invoice_copy_product_date ON invoice_copy (product_id, category, date);
SQL
        t0=$(date +%s.%N)
        psql -q "$pg_base/copy_peer" -c "\\copy invoice_copy (date, product_id, category, sales, is_imputed) FROM '$peer_csv' CSV HEADER" >/dev/null
        t1=$(date +%s.%N)
        copy_rps=$(python3 -c "print(round($rows / ($t1 - $t0)))")
        echo "COPY: $rows rows in $(python3 -c "print(round($t1 - $t0, 2))") s = $copy_rps rows/s" >&2
    }
    copy_peer; copy_before=$copy_rps

    # Distributed: upload-api + etl-worker on PostgreSQL and Redis.
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS almanac_bench" -c "CREATE DATABASE almanac_bench" >/dev/null
    redis-cli -p "$ALMANAC_TEST_REDIS_PORT" -n 5 FLUSHDB >/dev/null
    rm -rf "$work/dist" && mkdir -p "$work/dist"
    port=$(free_port)
    export DATABASE_URL="$pg_base/almanac_bench" REDIS_URL="redis://127.0.0.1:$ALMANAC_TEST_REDIS_PORT/5"
    env "${common_env[@]}" DATA_DIR="$work/dist" PORT=$port "$bin/upload-api" > "$work/api.log" 2>&1 & api=$!; pids+=($api)
    env "${common_env[@]}" DATA_DIR="$work/dist" "$bin/etl-worker" > "$work/etl.log" 2>&1 & etl=$!; pids+=($etl)
    wait_ready "$port"
    dist=$($bin/AlmanacBench etl --url "http://127.0.0.1:$port" --file "$csv" --rows "$rows" --poll 0.25)
    api_mb=$(peak_mb $api); etl_mb=$(peak_mb $etl)
    stop $api $etl
    unset DATABASE_URL REDIS_URL
    dist_rps=$(echo "$dist" | json rows_per_second)
    echo "distributed: $dist; upload-api peak $api_mb MB, etl-worker peak $etl_mb MB" >&2
    copy_peer; copy_after=$copy_rps
    copy_rps=$(python3 -c "print(round(2 / (1 / $copy_before + 1 / $copy_after)))")
    echo "COPY: $copy_before rows/s before, $copy_after rows/s after; mean (by time) $copy_rps rows/s" >&2

    # Embedded: upload-api alone on SQLite.
    rm -rf "$work/embedded" && mkdir -p "$work/embedded"
    port=$(free_port)
    env "${common_env[@]}" DATA_DIR="$work/embedded" PORT=$port "$bin/upload-api" > "$work/embedded.log" 2>&1 & api=$!; pids+=($api)
    wait_ready "$port"
    emb=$($bin/AlmanacBench etl --url "http://127.0.0.1:$port" --file "$csv" --rows "$rows" --poll 0.25)
    emb_mb=$(peak_mb $api)
    stop $api
    emb_rps=$(echo "$emb" | json rows_per_second)
    echo "embedded: $emb; upload-api peak $emb_mb MB" >&2

    ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
    echo "| $rows | $mb | $copy_rps | $(python3 -c "print(round($dist_rps))") | $(ratio "$dist_rps" "$copy_rps") | $(python3 -c "print(round($emb_rps))") | $(ratio "$emb_rps" "$copy_rps") | $api_mb MB | $etl_mb MB | $emb_mb MB |" >> "$results"
done
cat "$results"
