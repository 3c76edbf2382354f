#!/usr/bin/env bash
# Installs everything a fresh Debian machine lacks to build, run and test the
# project, and skips what is already there. Safe to run again and again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION="0.21.14"
APT_PACKAGES=(clang-16 llvm-16 libclang-16-dev chromium chromium-driver patch curl brotli zopfli nats-server)

step() { printf '\n== setup: %s\n' "$*"; }

# --- Debian packages: C toolchain for wasm32, libclang for bindgen, Chromium for browser tests,
# nats-server (2.9, JetStream) for the multi-node tests.
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  step "apt packages: ${missing[*]}"
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Rust target for the browser.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# --- cr-sqlite sources (npm tarball, pinned hash, patched).
step "cr-sqlite sources"
scripts/fetch-crsqlite.sh

# --- wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
wb_version="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)"
if [[ -z "$wb_version" ]]; then
  echo "error: no wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb_version" ]]; then
  step "wasm-bindgen-cli $wb_version"
  # Not --locked: its lock file names a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$wb_version" --force --quiet
fi

# --- trunk, pinned: newer releases need a newer rustc than this machine has.
if [[ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]]; then
  step "trunk $TRUNK_VERSION"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force --quiet
fi

# --- npm tools: wasm-opt (binaryen 132; Debian's 108 breaks wasm-bindgen output)
# and playwright-core (drives the apt Chromium; downloads no browser).
if [[ ! -f node_modules/.setup-stamp || package-lock.json -nt node_modules/.setup-stamp ]]; then
  step "npm packages"
  npm ci --no-audit --no-fund --silent
  touch node_modules/.setup-stamp
fi

echo "setup: ready"
