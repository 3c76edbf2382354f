#!/usr/bin/env bash
# Builds the app in release (trunk: wasm-release profile, wasm-opt -Oz) and
# prints the raw and gzip sizes of what a browser downloads: the one wasm the
# page and its DB worker share (UI, SQLite + cr-sqlite, sync), its JS glue,
# the worker's entry script and the service worker. Also the sizes of the
# precompressed copies the server sends (scripts/compress-dist.sh): brotli,
# and gzip made by zopfli.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh >/dev/null
export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"
trunk build --release >/dev/null 2>&1 || trunk build --release

row() { printf '%-30s %10s %10s %10s %10s\n' "$@"; }
gz() { gzip -9 -c "$1" | wc -c; }
sent() { if [[ -f "$1" ]]; then stat -c%s "$1"; else echo "-"; fi; }
row "file" "raw bytes" "gzip -9" "sent: br" "sent: gz"

# Rows for the files given, then their total named $1.
files() {
  local name="$1"; shift
  local t_raw=0 t_gz=0 t_br=0 t_zop=0 f raw z br zop
  for f in "$@"; do
    raw=$(stat -c%s "$f"); z=$(gz "$f"); br=$(sent "$f.br"); zop=$(sent "$f.gz")
    t_raw=$((t_raw + raw)); t_gz=$((t_gz + z))
    t_br=$((t_br + ${br/-/$raw})); t_zop=$((t_zop + ${zop/-/$raw}))
    row "${f#dist/}" "$raw" "$z" "$br" "$zop"
  done
  row "$name" "$t_raw" "$t_gz" "$t_br" "$t_zop"
  total=("$t_raw" "$t_gz" "$t_br" "$t_zop")
}

files "total (UI + worker + JS glue)" dist/app-*_bg.wasm dist/app-*.js dist/db_worker.js dist/sw.js
printf 'total gzip -9: %d KiB; as the server sends it: brotli %d KiB, gzip (zopfli) %d KiB\n' \
  $((total[1] / 1024)) $((total[2] / 1024)) $((total[3] / 1024))

# Not part of a start: the transfer worker (export and import), which the
# page starts only for those, and the service worker fetches for offline use
# after the app has loaded.
echo
files "transfer worker (on first use)" dist/transfer_bg.wasm dist/transfer.js dist/transfer_loader.js
