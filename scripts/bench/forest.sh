#!/usr/bin/env bash
# Random forest benchmark: Almanac's RandomForest against scikit-learn's RandomForestRegressor on the
# schedule data (../shared/data/schedule_flights.csv), same split, features and settings (100 trees,
# max depth 10, all features per split, bootstrap, all cores on both sides). Prints fit and predict time
# (best of 3) and held-out MAE in minutes for the start and end forests, with the ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-/work/shared/data/schedule_flights.csv}
scratch=${SCRATCH:-.build-release}
bin=$scratch/release
venv=.build-bench/venv
work=${WORK:-.build-bench/forest}
mkdir -p "$work"
[ -x "$bin/AlmanacBench" ] || swift build -c release --scratch-path "$scratch" --product AlmanacBench >&2
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sklearn' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q numpy scikit-learn >&2
fi
"$bin/AlmanacBench" forest --data "$DATA" > "$work/almanac.json"
"$venv/bin/python" scripts/bench/forest_peer.py --data "$DATA" > "$work/sklearn.json"
python3 - "$work/almanac.json" "$work/sklearn.json" <<'PY' | tee "$work/forest.md"
import json, sys
a, s = (json.load(open(p)) for p in sys.argv[1:3])
print(f"{a['train_rows']} training rows, {a['held_out_rows']} held out, {a['features']} features, "
      f"{a['trees']} trees, max depth {a['max_depth']}, {a['cores']} cores; peer: {s['implementation']}")
print()
print("| target | Almanac fit s | sklearn fit s | fit speed-up | Almanac predict s | sklearn predict s | predict speed-up | Almanac MAE (min) | sklearn MAE (min) | MAE ratio |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for t in ("start", "end"):
    x, y = a[t], s[t]
    print(f"| {t} | {x['fit_seconds']:.3f} | {y['fit_seconds']:.3f} | {y['fit_seconds'] / x['fit_seconds']:.1f}× | "
          f"{x['predict_seconds']:.4f} | {y['predict_seconds']:.4f} | {y['predict_seconds'] / x['predict_seconds']:.1f}× | "
          f"{x['mae']:.2f} | {y['mae']:.2f} | {x['mae'] / y['mae']:.3f} |")
PY
