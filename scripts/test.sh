#!/usr/bin/env bash
# Sets everything up, then runs every test: native, wasm32 in a dedicated
# worker in headless Chromium, and end-to-end journeys through the real UI
# against the real server. Each runner prints its own summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"

step() { printf '\n== test: %s\n' "$*"; }

step "format"
cargo fmt --all --check

step "lints (native, and the browser app for wasm32)"
cargo clippy --workspace --exclude app --all-targets --quiet -- -D warnings
cargo clippy -p app --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings

step "native tests (crates and server; the server's tests talk HTTP to a real server)"
cargo test --workspace --exclude app

step "wasm32 tests in a dedicated worker in headless Chromium (store and DB worker, on OPFS)"
cargo test -p store --target wasm32-unknown-unknown
cargo test -p app --target wasm32-unknown-unknown --test worker_db --test wire

step "build the app (release) and the server"
trunk build --release
cargo build -p server -p cli

step "end-to-end journeys in headless Chromium against the real server"
# A journey that hangs (a browser that stops answering) fails after 3 minutes,
# named, and the rest still run; the slowest takes ~40 s on a cold machine.
node --test --test-concurrency=1 --test-timeout=180000 e2e/
