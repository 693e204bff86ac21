#!/usr/bin/env bash
# Issue 4's and 20's benchmark: Almanac's Holt-Winters, SARIMAX, Prophet-like and theta models and `auto` (their
# backtest-chosen combination), with intervals calibrated on backtest windows of each training part, against the
# Python peers (statsforecast AutoETS / AutoARIMA / AutoTheta and their mean ensemble, statsmodels
# ExponentialSmoothing / SARIMAX, prophet) on the series of
# ../shared/data/series, same holdout (the last h points of each series), single-threaded on both sides.
# Prints the table of BENCHMARKS.md: mean sMAPE, MASE, 80/95 % coverage, MSIS, fit+forecast seconds per series,
# and the ratios to each peer. FREQ=monthly,quarterly limits the frequencies; DATA points elsewhere.
# The peers are installed from PyPI into .build-bench/venv (VENV overrides) on first use. Their results are a
# cache: peers.py skips the (series, model, origin) triples already in $WORK/peers.jsonl, so an interrupted run resumes
# (delete the file to start over); PEER_TIMEOUT (CPU seconds, default 600) bounds one peer fit.
# ORIGINS=0,1,2,3 also scores earlier windows (origin k ends each series k*h points earlier; the tables then
# average each series over its windows): a sturdier comparison than one holdout, about four times the time.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-/work/shared/data/series}
scratch=${SCRATCH:-.build-release}
bin=$scratch/release
work=${WORK:-.build-bench/models}
venv=${VENV:-.build-bench/venv}
mkdir -p "$work"
[ -x "$bin/AlmanacBench" ] || swift build -c release --scratch-path "$scratch" --product AlmanacBench >&2
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import statsforecast, statsmodels' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q numpy pandas statsmodels statsforecast scikit-learn >&2
    "$venv/bin/pip" install -q prophet >&2 || echo "prophet did not install: its rows will be missing" >&2
fi
freq=()
[ -n "${FREQ:-}" ] && freq=(--freq "$FREQ")
origins=(--origins "${ORIGINS:-0}")

t0=$(date +%s)
"$bin/AlmanacBench" models --data "$DATA" --output "$work/almanac.jsonl" "${freq[@]}" "${origins[@]}"
t1=$(date +%s)
echo "Almanac: $((t1 - t0)) s" >&2
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1
"$venv/bin/python" scripts/bench/peers.py --data "$DATA" --output "$work/peers.jsonl" --meta "$work/peers-meta.json" \
    --timeout "${PEER_TIMEOUT:-600}" "${freq[@]}" "${origins[@]}"
t2=$(date +%s)
echo "peers: $((t2 - t1)) s" >&2
"$bin/AlmanacBench" models-table --almanac "$work/almanac.jsonl" --peers "$work/peers.jsonl" | tee "$work/models.md"
echo
echo "Peer versions and warm-up (numba compile, Stan model load) seconds, not counted above:"
cat "$work/peers-meta.json"
