#!/usr/bin/env bash
# trunk's post_build hook (Trunk.toml): next to each wasm, JS and CSS file of a
# release build (and its web app manifest and SVG icon), writes the brotli
# (.br, quality 11) and gzip (.gz, zopfli) copies the server sends to browsers
# that accept them (server/src/routes).
# Compressing once here, at the strongest settings, costs the server nothing
# per request. Debug builds (trunk serve) are left alone.
set -euo pipefail
[[ "${TRUNK_PROFILE:-}" == "release" ]] || exit 0
dir="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
shopt -s nullglob
for f in "$dir"/*.wasm "$dir"/*.js "$dir"/*.css "$dir"/*.webmanifest "$dir"/icons/*.svg; do
  # Both at once (each is single-threaded); waiting on each pid makes either
  # one's failure fail the build, rather than ship without the copy.
  brotli --quality=11 --force --output="$f.br" "$f" & br=$!
  zopfli --gzip -c "$f" > "$f.gz" & gz=$!
  wait "$br"
  wait "$gz"
done
