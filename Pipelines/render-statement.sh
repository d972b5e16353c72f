#!/usr/bin/env bash
# Renders a statement folder's pages (statement.html, statement.zh-CN.html) to PNG with headless
# Chromium, to look at by eye, through Pipelines/screenshot.py (which also fails on a console
# error or a network request): Pipelines/render-statement.sh FOLDER [OUT_DIR] writes
# OUT_DIR/statement.png and OUT_DIR/statement.zh-CN.png (OUT_DIR: the folder).
set -euo pipefail
folder=${1:?usage: render-statement.sh STATEMENT_FOLDER [OUT_DIR]}
out=${2:-$folder}
python3 "$(dirname "$0")/screenshot.py" --out-dir "$out" "$folder/statement.html" "$folder/statement.zh-CN.html"
