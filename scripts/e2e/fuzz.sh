#!/usr/bin/env bash
# A bounded libFuzzer run (issue 8) of the CSV reader, the sales header resolver and the date and sales
# parsers: Fuzz/CSVFuzz builds them with `-sanitize=fuzzer,address` (a standalone package, so the root
# package's builds never see the sanitizer) and checks every input against a naive reference parser and
# the stdlib (see Fuzz/CSVFuzz/README.md). ALMANAC_FUZZ_SECONDS (default 60) bounds the run. Fails on a
# crash, a failed check, a sanitizer report, a leak or a timeout, printing the input that did it; that
# input then becomes a regression test in Tests/CSVTests.
set -euo pipefail
cd "$(dirname "$0")/../../Fuzz/CSVFuzz"
seconds="${ALMANAC_FUZZ_SECONDS:-60}"
# crashes/ exists only after a run (it is not committed): count nothing, rather than let pipefail end the script.
before=$(find crashes -type f 2>/dev/null | wc -l || true)
if ! ./run.sh "$seconds" > .build-fuzz-run.log 2>&1; then
    grep -vE "^(#[0-9]+|\s*\"|###### )" .build-fuzz-run.log | tail -60 >&2
    for f in crashes/*; do
        [ -e "$f" ] || continue
        echo "--- $f (base64):" >&2
        base64 -w 0 "$f" | head -c 20000 >&2
        echo >&2
    done
    echo "fuzz: FAIL (inputs saved in Fuzz/CSVFuzz/crashes/, $before there before the run)" >&2
    exit 1
fi
grep -E "^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)" .build-fuzz-run.log
rm -f .build-fuzz-run.log
echo "fuzz: passed (${seconds} s, no crash, no sanitizer report)"
