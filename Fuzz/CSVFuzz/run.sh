#!/usr/bin/env bash
# Fuzzes the CSV reader, the sales header and the field parsers with libFuzzer + AddressSanitizer.
# Usage: Fuzz/CSVFuzz/run.sh [seconds = 60] [more libFuzzer flags...]
# Exits non-zero when libFuzzer finds a crash, a failed check, a leak or a timeout; the input is
# saved under crashes/ — turn it into a regression test in Tests/CSVTests.
# New interesting inputs go to work-corpus/ (not committed); corpus/ holds the committed seeds.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
# SwiftPM links main to CSVFuzz_main, which hands over to libFuzzer's driver (see Harness.swift).
if ! swift build -c debug --product CSVFuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
    > .build-fuzz.log 2>&1; then
    grep -v "Cannot export local symbol" .build-fuzz.log
    exit 1
fi
rm -f .build-fuzz.log
mkdir -p work-corpus crashes
exec ./.build/debug/CSVFuzz -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -dict=csv.dict -artifact_prefix=crashes/ -print_final_stats=1 "$@" work-corpus corpus
