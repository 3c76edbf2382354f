#!/usr/bin/env bash
# trunk's post_build hook (Trunk.toml), before compress-dist.sh: writes the
# service worker (app/boot/sw.js) into a release build, prefixed with the
# files it keeps for offline starts and a version made of their contents.
# Debug builds (trunk serve) keep nothing: their sw.js only retires a
# release's worker left on the same origin (app/boot/sw-retire.js).
set -euo pipefail
dir="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ "${TRUNK_PROFILE:-}" != "release" ]]; then
  cp "$root/app/boot/sw-retire.js" "$dir/sw.js"
  exit 0
fi
cd "$dir"
shopt -s nullglob
files=(index.html db_worker.js app-*.js app-*_bg.wasm transfer.js transfer_bg.wasm transfer_loader.js *.css manifest.webmanifest icons/*)
for f in "${files[@]}"; do [[ -f "$f" ]] || { echo "offline-shell: $f missing" >&2; exit 1; }; done
version="$(cat "${files[@]}" | sha256sum | cut -c1-16)"
list="\"/\""
for f in "${files[@]:1}"; do list+=", \"/$f\""; done
{
  printf '// Written by scripts/offline-shell.sh for this build.\n'
  printf 'const SHELL = { version: "%s", files: [%s] };\n\n' "$version" "$list"
  cat "$root/app/boot/sw.js"
} > sw.js
