#!/usr/bin/env bash
# Throughput of the CSV reader + sales field parsers on a generated file, release build.
# Usage: Fuzz/CSVFuzz/bench.sh [rows = 1000000]
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product CSVBench > .build-bench.log 2>&1 || { cat .build-bench.log; exit 1; }
rm -f .build-bench.log
exec ./.build/release/CSVBench "${1:-1000000}"
