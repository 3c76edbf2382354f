#!/usr/bin/env bash
# Sets everything up, then runs every test: native, and wasm32 in a dedicated
# worker in headless Chromium. Each runner prints its own summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"

step() { printf '\n== test: %s\n' "$*"; }

step "format"
cargo fmt --all --check

step "lints"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "native tests"
cargo test --workspace

step "wasm32 tests in a dedicated worker (headless Chromium)"
cargo test -p store --target wasm32-unknown-unknown
