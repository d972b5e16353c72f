#!/usr/bin/env bash
# Replays SampleData/ night by night, the way the scheduler would run the nightly:
# each day's delivery lands in the inbox, then `mallsettle run --date DAY`; finance closes
# the first half of October on the 16th and the whole of October on November 2nd.
# Last, replay reconciliation compares what was ingested with the journal the sample came from.
# Starts from a fresh store each time, so the reports always show the same sample. It
# deletes only what it made itself: the store whose id it wrote in var/.made-by-make-run when
# it made it, and the reports folder that records the same store (Reports/.mallsettle-store,
# SPEC §11). A store or reports folder of anyone else is left as it is, and nothing runs.
set -euo pipefail
bin=${1:-.build/release/mallsettle}
cd "$(dirname "$0")/.."
store=var/mallsettle.db
inbox=var/inbox
mine=var/.made-by-make-run
reports=Reports
generated="statements runs quarantine reconciliation analytics buyers"

refuse() {
    echo "make run: $1" >&2
    echo "make run deletes only the store and reports it made itself; nothing was changed." >&2
    exit 2
}

# A store's id: from `status`, or, for a store an older mallsettle made (which `status`
# refuses to read until a writing command brings it up to date), read from its
# store_identity table without writing to it.
store_id() {
    local id
    id=$("$bin" status --db "$1" --json 2>/dev/null | sed -n 's/^ *"store_id" : "\([0-9a-f]*\)",*$/\1/p' || true)
    if [ -z "$id" ] && command -v python3 >/dev/null; then
        id=$(python3 -c 'import sqlite3, sys
try:
    print(sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True).execute("SELECT store_id FROM store_identity").fetchone()[0])
except Exception:
    pass' "$1" 2>/dev/null || true)
    fi
    echo "$id"
}

# The id of the store this script made last time, if any.
made=""
if [ -f "$mine" ]; then made=$(head -n 1 "$mine"); fi
if [ -e "$store" ]; then
    found=$(store_id "$store")
    if [ -z "$made" ] || [ "$found" != "$made" ]; then
        refuse "$store was not made by make run (store id ${found:-unknown}); move it away, or use it with --db, and run make run again."
    fi
fi
if [ -f "$reports/.mallsettle-store" ]; then
    owner=$(head -n 1 "$reports/.mallsettle-store")
    if [ -z "$made" ] || [ "$owner" != "$made" ]; then
        refuse "$reports/ holds the outputs of store $owner, which make run did not make; give that store's commands --reports DIR of their own, or move $reports/ away."
    fi
else
    for folder in $generated; do
        if [ -e "$reports/$folder" ]; then
            refuse "$reports/$folder holds outputs that no store is recorded for (no $reports/.mallsettle-store); move them away and run make run again."
        fi
    done
fi
for folder in $generated; do rm -rf "${reports:?}/$folder"; done
rm -f "$reports/.mallsettle-store" "$store" "$store-wal" "$store-shm" "$store.lock" "$mine"
rm -rf "$inbox"
mkdir -p "$inbox"
"$bin" init --db "$store" >/dev/null
"$bin" status --db "$store" --json | sed -n 's/^ *"store_id" : "\([0-9a-f]*\)",*$/\1/p' > "$mine"
last=""
for day_dir in SampleData/days/*/; do
    day=$(basename "$day_dir")
    cp "$day_dir"* "$inbox"/
    set +e
    "$bin" run --pipeline Pipelines/nightly.json --date "$day" --quiet
    status=$?
    set -e
    if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
        echo "night $day failed (exit $status)" >&2
        exit "$status"
    fi
    case "$day" in
        2026-10-16) "$bin" close --db "$store" --config Pipelines/mall.json --through 2026-10-15 ;;
        2026-11-02) "$bin" close --db "$store" --config Pipelines/mall.json --through 2026-10-31 ;;
    esac
    last=$day
done
"$bin" verify --db "$store"
# The feeds were made from SampleData/journal.jsonl, and the oddities injected into them are
# exactly the differences it finds (SampleData/README.md lists them): exit 3 is expected here.
set +e
"$bin" reconcile --replay SampleData/journal.jsonl --catalog SampleData/catalog.json --db "$store"
status=$?
set -e
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
    echo "replay reconciliation failed (exit $status)" >&2
    exit "$status"
fi
echo
echo "Replayed SampleData/ through $last. Statements: Reports/statements/, buyer statements: Reports/buyers/, run manifests: Reports/runs/,"
echo "quarantined rows: Reports/quarantine/, replay breaks: Reports/reconciliation/,"
echo "analytics and the dashboard: Reports/analytics/$last/ (index.html, index.zh-CN.html)."
echo "Try: $bin status --db $store"
