#!/usr/bin/env bash
# Renders a statement folder's HTML pages (statement.html, statement.zh-CN.html) to PNG with
# headless Chromium, to look at by eye: Pipelines/render-statement.sh FOLDER [OUT_DIR] [WIDTHxHEIGHT]
# writes OUT_DIR/{sheet_id}.en.png and OUT_DIR/{sheet_id}.zh-CN.png (OUT_DIR: the folder).
set -euo pipefail
folder=$(cd "${1:?usage: render-statement.sh STATEMENT_FOLDER [OUT_DIR] [WIDTHxHEIGHT]}" && pwd)
out=${2:-$folder}
size=${3:-1200x1600}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "render-statement: no chromium, chromium-browser or google-chrome on PATH" >&2
    exit 2
fi
mkdir -p "$out"
sheet=$(basename "$folder")
for page in statement.html:en statement.zh-CN.html:zh-CN; do
    file=${page%%:*}
    lang=${page##*:}
    [ -f "$folder/$file" ] || { echo "render-statement: $folder/$file not found" >&2; exit 2; }
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="${size/x/,}" \
        --screenshot="$out/$sheet.$lang.png" "file://$folder/$file" >/dev/null 2>&1
    echo "$out/$sheet.$lang.png"
done
