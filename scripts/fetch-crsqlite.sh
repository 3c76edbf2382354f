#!/usr/bin/env bash
# Fetches cr-sqlite 0.16.3's sources from the npm registry, checks them against a
# pinned hash, unpacks them into vendor/crsqlite (git-ignored) and applies the
# project's patches. Idempotent: a stamp records which tarball + patches made the tree.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkg="@vlcn.io/crsqlite@0.16.3"
tarball="vlcn.io-crsqlite-0.16.3.tgz"
sha256="e16e462763ebe38c30a466e53b979dc2464de1e2ebc0e2255c04266ca232a012"
dest="$root/vendor/crsqlite"
patches="$root/crates/crsqlite/patches"
cache="$root/vendor/.cache"

stamp_now="$sha256 $(cat "$patches"/*.patch | sha256sum | cut -d' ' -f1)"
if [[ -f "$dest/.stamp" && "$(cat "$dest/.stamp")" == "$stamp_now" ]]; then
  exit 0
fi

mkdir -p "$cache"
if [[ ! -f "$cache/$tarball" ]] || ! echo "$sha256  $cache/$tarball" | sha256sum --check --status; then
  rm -f "$cache/$tarball"
  # npm pack only downloads: the package's install script (which fetches a
  # prebuilt binary) never runs.
  (cd "$cache" && npm pack "$pkg" --silent >/dev/null)
fi
if ! echo "$sha256  $cache/$tarball" | sha256sum --check --status; then
  echo "error: $tarball does not match the pinned sha256 $sha256" >&2
  exit 1
fi

tmp="$(mktemp -d "$root/vendor/.unpack.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$cache/$tarball" -C "$tmp"
# Only what the build uses: the C sources and the Rust crates it links.
mkdir -p "$tmp/tree"
cp -r "$tmp/package/src" "$tmp/tree/src"
mkdir -p "$tmp/tree/rs/sqlite-rs-embedded"
cp -r "$tmp/package/rs/core" "$tmp/package/rs/fractindex-core" "$tmp/tree/rs/"
for c in sqlite_nostd sqlite3_capi sqlite3_allocator; do
  cp -r "$tmp/package/rs/sqlite-rs-embedded/$c" "$tmp/tree/rs/sqlite-rs-embedded/"
done
for p in "$patches"/*.patch; do
  patch --quiet --directory="$tmp/tree" --strip=1 --forward < "$p"
done
echo "$stamp_now" > "$tmp/tree/.stamp"
rm -rf "$dest"
mv "$tmp/tree" "$dest"
echo "cr-sqlite 0.16.3 sources ready in vendor/crsqlite"
