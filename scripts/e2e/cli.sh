#!/usr/bin/env bash
# The `almanac` command line, offline on files (no server): forecast, backtest and detect on generated data
# with a known answer, and its refusals of bad input (a non-zero exit and a message naming the problem).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.build/debug/almanac
[ -x "$bin" ] || swift build --product almanac >&2
work=$(mktemp -d /tmp/almanac-e2e-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "e2e cli: FAIL: $*" >&2; exit 1; }

# Two categories, 120 days, weekly season; one hostile category name (quotes and a semicolon).
python3 - "$work" <<'PY'
import datetime, math, random, sys
random.seed(1)
with open(f"{sys.argv[1]}/sales.csv", "w") as f:
    f.write("Date,product_id,category,sales\n")
    for d in range(120):
        day = datetime.date(2025, 1, 1) + datetime.timedelta(days=d)
        for cat in ("Electronics", '"Home ""Goods""; x"'):
            for p in range(2):
                f.write(f"{day},P{p},{cat},{100 + 20 * math.sin(2 * math.pi * d / 7) + random.gauss(0, 5):.2f}\n")
with open(f"{sys.argv[1]}/points.csv", "w") as f:
    f.write("timestamp,value\n")
    for t in range(100):
        f.write(f"{1700000000 + t},{10 + random.gauss(0, 1) + (15 if t == 70 else 0):.3f}\n")
PY

"$bin" forecast "$work/sales.csv" --horizon 14 --model auto,theta --level 80,95 -o "$work/forecast.csv" 2>"$work/err"
rows=$(python3 - "$work/forecast.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert {r["category"] for r in rows} == {"Electronics", 'Home "Goods"; x'}, {r["category"] for r in rows}
assert {r["model_type"] for r in rows} == {"auto", "theta"}
for r in rows:
    lo80, hi80, lo95, hi95, v = (float(r[k]) for k in ("lower_80", "upper_80", "lower_95", "upper_95", "forecast_value"))
    assert lo95 <= lo80 <= v <= hi80 <= hi95, r
    assert 130 < v < 270, r  # two products of about 100 a day
print(len(rows))
PY
) || fail "forecast output"
[ "$rows" = $((2 * 2 * 14)) ] || fail "forecast rows: $rows"
grep -q "forecast \[" "$work/err" || fail "no progress on standard error"

"$bin" backtest "$work/sales.csv" --horizon 7 > "$work/backtest.csv" 2>/dev/null
[ "$(grep -c '^Electronics,' "$work/backtest.csv")" = 5 ] || fail "backtest rows: $(cat "$work/backtest.csv")"

"$bin" detect "$work/points.csv" > "$work/flags.csv" 2>/dev/null
[ "$(grep -c ',true,' "$work/flags.csv")" = 1 ] || fail "detect: $(grep ',true,' "$work/flags.csv")"
grep -q '^1700000070.0,25' "$work/flags.csv" || fail "detect missed the spike"

refuse() { # refuse <words> <args...>: a non-zero exit whose message names the problem
    local words=$1; shift
    if "$bin" "$@" >"$work/out" 2>&1; then fail "accepted: $*"; fi
    grep -qi -- "$words" "$work/out" || fail "$* said: $(cat "$work/out")"
}
refuse "cannot open" forecast "$work/missing.csv"
refuse "unknown model" forecast "$work/sales.csv" --model lstm
refuse "level" forecast "$work/sales.csv" --level 100
refuse "horizon" forecast "$work/sales.csv" --horizon 0
printf 'Date,product_id,category,sales\n2025-01-01,P,c,abc\n' > "$work/bad.csv"
refuse "line 2: bad sales" forecast "$work/bad.csv"
printf 'when,value\n1,2\n' > "$work/badpoints.csv"
refuse "timestamp and value" detect "$work/badpoints.csv"
echo "e2e cli: ok ($rows forecast rows, backtest, detect, 6 refusals)" >&2
