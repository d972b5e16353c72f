#!/usr/bin/env bash
# SampleData/make_sample.sh: the command that made SampleData/ and Pipelines/mall.json.
#
#   bash SampleData/make_sample.sh [path/to/mallsettle]     (default .build/release/mallsettle)
#
# Builds nothing: build first (`swift build -c release --product mallsettle`). It generates
# the mall with the mall core's generator, keeps the catalog and the journal (the source of
# truth) with the buyer side added (add_buyer_side.py), installs the generated settlement
# configuration, and writes SampleData/days/ from
# the replayed feeds with the deliberate oddities injected (SampleData/add_oddities.py, which
# also rewrites the generated parts of SampleData/README.md). Same bytes every time.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/mallsettle}
if [ ! -x "$bin" ]; then
    echo "make_sample.sh: $bin not found; build it first: swift build -c release --product mallsettle" >&2
    exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

set +e
"$bin" generate --days 36 --orders-per-day 40 --suppliers 8 --buyers 300 --seed 20261101 --start 2026-10-01 \
    --out "$tmp/mall"
status=$?
set -e
# Exit 3: the journal holds a few events the core refuses on purpose (a frozen dealer paying);
# they are listed in days/rejected.csv and in SampleData/README.md.
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
    echo "make_sample.sh: generate failed (exit $status)" >&2
    exit "$status"
fi

# The buyer side: the sample dealer DLR-9001's month and the rebate policies
# (SampleData/add_buyer_side.py), then the journal replayed again into the days.
python3 SampleData/add_buyer_side.py "$tmp/mall"
rm -rf "$tmp/mall/days"
set +e
"$bin" replay --journal "$tmp/mall/journal.jsonl" --catalog "$tmp/mall/catalog.json" --out "$tmp/mall/days"
status=$?
set -e
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
    echo "make_sample.sh: replay failed (exit $status)" >&2
    exit "$status"
fi

cp "$tmp/mall/catalog.json" "$tmp/mall/journal.jsonl" SampleData/
cp "$tmp/mall/mall.json" Pipelines/mall.json
python3 SampleData/add_oddities.py "$tmp/mall/days" SampleData/days
