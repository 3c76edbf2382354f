//! The migrations' SQL without its comment lines: the comments explain the
//! schema to a reader of `migrations/`, and would otherwise be part of every
//! download of the app (about 5 KB).

use std::{env, fs, path::Path};

fn main() {
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rerun-if-changed=migrations");
    let mut files: Vec<_> = fs::read_dir("migrations")
        .expect("migrations/ is part of the crate")
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    for path in files {
        let sql = fs::read_to_string(&path).expect("a migration is UTF-8 text");
        // Whole comment lines only: a `--` inside a statement stays as it is.
        let kept: Vec<&str> = sql
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .collect();
        let name = path.file_name().expect("a file name");
        fs::write(Path::new(&out).join(name), kept.join("\n")).expect("OUT_DIR is writable");
    }
}
