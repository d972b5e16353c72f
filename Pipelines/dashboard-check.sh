#!/usr/bin/env bash
# The rendering check of `make test`: replays SampleData/ into a small store of its own
# (var/dashboard-check/, never the `make run` store), then renders the last night's dashboard
# and a statement closed on 2026-11-02 (the first supplier's October sheet), each in English
# and Chinese, with headless Chromium (Pipelines/screenshot.py): it fails on a console error
# or a network request, and leaves the PNGs beside the pages to look at (also the dashboard
# laid out for print on an A4 width). Where Chromium cannot be had, screenshot.py says so and
# the check is skipped.
set -euo pipefail
bin=${1:-.build/debug/mallsettle}
cd "$(dirname "$0")/.."
work=var/dashboard-check
rm -rf "$work"
mkdir -p "$work/inbox"
"$bin" init --db "$work/store.db" >/dev/null
last=""
for day_dir in SampleData/days/*/; do
    day=$(basename "$day_dir")
    cp "$day_dir"* "$work/inbox"/
    set +e
    "$bin" run --db "$work/store.db" --config Pipelines/mall.json --inbox "$work/inbox" --reports "$work/Reports" \
        --date "$day" --quiet >/dev/null
    status=$?
    set -e
    if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
        echo "dashboard check: night $day failed (exit $status)" >&2
        exit "$status"
    fi
    case "$day" in
        2026-10-16) "$bin" close --db "$work/store.db" --config Pipelines/mall.json --reports "$work/Reports" --through 2026-10-15 >/dev/null ;;
        2026-11-02) "$bin" close --db "$work/store.db" --config Pipelines/mall.json --reports "$work/Reports" --through 2026-10-31 >/dev/null ;;
    esac
    last=$day
done
folder="$work/Reports/analytics/$last"
python3 Pipelines/screenshot.py "$folder/index.html" "$folder/index.zh-CN.html"
# And as it prints: the print styles on an A4 width (index.print.png).
python3 Pipelines/screenshot.py --print "$folder/index.html"
# A closed statement, both languages.
statement=$(ls -d "$work/Reports/statements/2026-10-01"/*/ | head -n 1); statement=${statement%/}
python3 Pipelines/screenshot.py "$statement/statement.html" "$statement/statement.zh-CN.html"
