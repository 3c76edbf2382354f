#!/usr/bin/env bash
# Benchmarks (numbers, not pass/fail): release builds, then the browser
# benchmarks (live propagation among them), the server's merge and memory
# benchmark, live streams under load, several nodes (cluster_bench), and the
# autosave path for a 5,000-line note natively. See docs/BENCHMARKS.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh >/dev/null
export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"
scripts/wasm-size.sh
cargo build --release -p server
NOTES_SERVER_BIN="$root/target/release/server" node bench/browser.mjs
NOTES_SERVER_BIN="$root/target/release/server" node bench/first_visit.mjs
cargo bench -p server --bench sync_bench
cargo bench -p server --bench live_bench
cargo bench -p server --bench cluster_bench
cargo bench -p store --bench autosave
cargo bench -p store --bench search
BENCH_JOURNAL=wal-exclusive cargo bench -p store --bench autosave
