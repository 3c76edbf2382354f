#!/usr/bin/env bash
# Builds the app in release (trunk: wasm-release profile, wasm-opt -Oz) and
# prints the raw and gzip sizes of what a browser downloads: the one wasm the
# page and its DB worker share (UI, SQLite + cr-sqlite, sync), its JS glue and
# the worker's entry script.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh >/dev/null
export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"
trunk build --release >/dev/null 2>&1 || trunk build --release

row() { printf '%-34s %10s %10s\n' "$1" "$2" "$3"; }
gz() { gzip -9 -c "$1" | wc -c; }
row "file" "raw bytes" "gzip -9"
total_raw=0; total_gz=0
for f in dist/app-*_bg.wasm dist/app-*.js dist/db_worker.js; do
  raw=$(stat -c%s "$f"); z=$(gz "$f")
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + z))
  row "${f#dist/}" "$raw" "$z"
done
row "total (UI + worker + JS glue)" "$total_raw" "$total_gz"
printf 'total gzip: %d KiB\n' $((total_gz / 1024))
