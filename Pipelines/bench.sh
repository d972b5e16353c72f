#!/usr/bin/env bash
# `make bench`: the figures of the README's performance section (BENCH_N to change the size).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 Pipelines/bench.py "${1:-.build/release/mallsettle}" "${BENCH_N:-1000000}" "${BENCH_SUPPLIERS:-500}" "${BENCH_DAY_LINES:-35000}" "${BENCH_BIG_SHARE:-0.6}"
python3 Pipelines/bench_mall.py "${1:-.build/release/mallsettle}" "${BENCH_ORDERS:-1000000}" "${BENCH_SUPPLIERS:-500}"
python3 Pipelines/bench_duckdb.py "${BENCH_N:-1000000}"
