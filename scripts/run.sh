#!/usr/bin/env bash
# Sets everything up, builds the app (release) and serves it with the sync
# server on one port: http://127.0.0.1:8080, loopback only (data in ./data).
# Extra arguments go to the server, e.g. scripts/run.sh --listen 0.0.0.0:8080
# (README: run behind a TLS proxy before opening it to the network).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"
trunk build --release
cargo build --release -p server
exec target/release/server --static-dir dist "$@"
