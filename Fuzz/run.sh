#!/usr/bin/env bash
# Fuzz/run.sh: builds the libFuzzer targets and runs each in turn (never two at once).
#
#   bash Fuzz/run.sh                    every target, FUZZ_SECONDS (default 600) each
#   FUZZ_SECONDS=60 bash Fuzz/run.sh csv money
#   bash Fuzz/run.sh --build-only       build, run nothing
#   bash Fuzz/run.sh --replay csv FILE  run one target once over saved inputs (no fuzzing)
#
# Targets: csv jsonlines gzip money timestamp journal catalog.
# Build: MallCore and MallIO compiled as static libraries with -sanitize=fuzzer,address
# (coverage for libFuzzer, AddressSanitizer for memory errors) and -enable-testing (the CSV,
# JSON Lines and gzip targets use FeedReader's internal read-size parameter); each target is
# Fuzz/Support plus its own file, linked against them and zlib.
# Output: .build/fuzz/ (binaries, growing corpus, logs); seeds in Fuzz/corpus/<target>/ are
# only read; crashers go to Fuzz/crashers/<target>/ (crash-*, timeout-*, oom-*).
# Runs under nice -n 19: the machine is shared.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SWIFTC="${SWIFTC:-swiftc}"
OUT=.build/fuzz
FUZZ_SECONDS="${FUZZ_SECONDS:-600}"
ALL_TARGETS=(csv jsonlines gzip money timestamp journal catalog)
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -wmo -swift-version 6 -I "$OUT" -I Sources/CZlib)

# Target name -> source file, extra support files, the longest input worth trying.
source_of() {
    case "$1" in
        csv) echo Fuzz/FuzzCSV.swift ;;
        jsonlines) echo Fuzz/FuzzJSONLines.swift ;;
        gzip) echo Fuzz/FuzzGzip.swift ;;
        money) echo Fuzz/FuzzMoney.swift ;;
        timestamp) echo Fuzz/FuzzTimestamp.swift ;;
        journal) echo Fuzz/FuzzJournal.swift ;;
        catalog) echo Fuzz/FuzzCatalog.swift ;;
        *) echo "unknown fuzz target: $1 (targets: ${ALL_TARGETS[*]})" >&2; exit 2 ;;
    esac
}
support_of() {
    case "$1" in
        csv|jsonlines|gzip) echo Fuzz/Support/FuzzSupport.swift Fuzz/Support/FeedSupport.swift ;;
        *) echo Fuzz/Support/FuzzSupport.swift ;;
    esac
}
# Feeds: long enough for a row over the 4,096-character raw cut; parsers: a field's length.
max_len_of() {
    case "$1" in
        csv|jsonlines|gzip|catalog) echo 16384 ;;
        journal) echo 8192 ;;
        money|timestamp) echo 64 ;;
    esac
}
dict_of() {
    case "$1" in
        jsonlines|journal|catalog) echo "Fuzz/dict/$1.dict" ;;
        *) echo "" ;;
    esac
}

# Builds Sources/<name> unless its library is newer than its sources and than "$@" (the
# libraries it depends on).
build_module() {
    local name="$1"; shift
    local sources
    sources=$(find "Sources/$name" -name '*.swift' | sort)
    if [ -f "$OUT/lib$name.a" ] && [ -z "$(find "Sources/$name" Fuzz/run.sh "$@" -newer "$OUT/lib$name.a" -print -quit)" ]; then
        return 0  # up to date
    fi
    echo "fuzz: building $name (fuzzer + address sanitizer)"
    # shellcheck disable=SC2086
    nice -n 19 "$SWIFTC" "${FLAGS[@]}" -enable-testing -module-name "$name" \
        -emit-module -emit-module-path "$OUT/$name.swiftmodule" \
        -emit-library -static -o "$OUT/lib$name.a" $sources 2> >(grep -v "Cannot export local symbol" >&2)
}

build() {
    mkdir -p "$OUT"
    build_module MallCore
    build_module MallIO "$OUT/libMallCore.a"
    for target in "$@"; do
        echo "fuzz: building $target"
        # shellcheck disable=SC2046
        nice -n 19 "$SWIFTC" "${FLAGS[@]}" -module-name "Fuzz_$target" $(support_of "$target") "$(source_of "$target")" \
            "$OUT/libMallIO.a" "$OUT/libMallCore.a" -lz -o "$OUT/fuzz-$target" \
            2> >(grep -v "Cannot export local symbol" >&2)
    done
}

options_of() {
    local target="$1"
    local dict
    dict=$(dict_of "$target")
    echo "-max_len=$(max_len_of "$target") -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 ${dict:+-dict=$dict}"
}

# The Swift runtime's own backtracer would catch the crash before libFuzzer saves the input.
export SWIFT_BACKTRACE=enable=no

run() {
    local target="$1"
    mkdir -p "$OUT/corpus/$target" "$OUT/logs" "Fuzz/crashers/$target"
    local log="$OUT/logs/$target.log"
    echo "fuzz: $target for ${FUZZ_SECONDS}s (log $log)"
    local status=0
    # shellcheck disable=SC2046
    nice -n 19 "$OUT/fuzz-$target" $(options_of "$target") -max_total_time="$FUZZ_SECONDS" \
        -artifact_prefix="Fuzz/crashers/$target/" "$OUT/corpus/$target" "Fuzz/corpus/$target" \
        > "$log" 2>&1 || status=$?
    local execs secs corpus
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1 | grep -o '[0-9]* second' | grep -o '[0-9]*' || true)
    corpus=$(find "$OUT/corpus/$target" -type f | wc -l)
    echo "fuzz: $target exit $status, ${execs:-?} executions, ${secs:-?} s, corpus $corpus files (seeds $(find "Fuzz/corpus/$target" -type f | wc -l))"
    if [ "$status" != 0 ]; then
        echo "fuzz: $target stopped on a crasher:" >&2
        grep -E 'Test unit written to|SUMMARY|property failed|Fatal error' "$log" | head -5 >&2 || true
        return 1
    fi
}

case "${1:-}" in
    --build-only)
        shift
        [ $# -gt 0 ] || set -- "${ALL_TARGETS[@]}"
        build "$@"
        ;;
    --replay)
        target="$2"; shift 2
        build "$target"
        # shellcheck disable=SC2046
        "$OUT/fuzz-$target" $(options_of "$target") "$@"
        ;;
    *)
        [ $# -gt 0 ] || set -- "${ALL_TARGETS[@]}"
        for target in "$@"; do source_of "$target" > /dev/null; done
        build "$@"
        failed=()
        for target in "$@"; do run "$target" || failed+=("$target"); done
        if [ ${#failed[@]} -gt 0 ]; then
            echo "fuzz: crashers in: ${failed[*]} (see Fuzz/crashers/)" >&2
            exit 1
        fi
        ;;
esac
