//! Compiles cr-sqlite's C half (the extension entry point, the changes virtual
//! table and per-connection data) against SQLite's headers as a static part of
//! the program (`SQLITE_CORE`): calls go straight to the `sqlite3_*` symbols of
//! the SQLite that rusqlite links (libsqlite3-sys natively, sqlite-wasm-rs on wasm32).

use std::env;
use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let src = manifest.join("../../vendor/crsqlite/src");
    if !src.join("crsqlite.c").is_file() {
        panic!(
            "cr-sqlite sources are missing at {}: run scripts/setup.sh (or scripts/fetch-crsqlite.sh)",
            src.display()
        );
    }
    let files = ["crsqlite.c", "changes-vtab.c", "ext-data.c"];
    for f in files {
        println!("cargo::rerun-if-changed={}", src.join(f).display());
    }
    println!("cargo::rerun-if-changed=wasm-libc");

    let mut build = cc::Build::new();
    build
        .files(files.iter().map(|f| src.join(f)))
        .include(&src)
        .include(src.join("sqlite"))
        .define("SQLITE_CORE", None)
        .warnings(false);

    let target = env::var("TARGET").unwrap_or_default();
    if target == "wasm32-unknown-unknown" {
        // No libc on this target: a freestanding compile with the few headers
        // cr-sqlite's C files include.
        build
            .flag("-ffreestanding")
            .include(manifest.join("wasm-libc"))
            .file(manifest.join("wasm-libc/string.c"))
            .define("NDEBUG", None);
    }
    build.compile("crsqlite");
}
