//! cr-sqlite 0.16.3, built from source, for native targets and
//! `wasm32-unknown-unknown`.
//!
//! The C half is compiled by `build.rs`; the Rust half is upstream's `crsql_core`
//! and `crsql_fractindex_core` crates, patched by `scripts/fetch-crsqlite.sh`.
//! Upstream's `bundle` crate is left out on purpose: it installs its own global
//! allocator and panic handler, which a normal std program must not have. The one
//! thing it did that we need, the entry point the C half calls, is below.
//!
//! ```
//! let conn = rusqlite::Connection::open_in_memory()?;
//! crsqlite::load(&conn)?;
//! let site_id: Vec<u8> = conn.query_row("SELECT crsql_site_id()", [], |r| r.get(0))?;
//! assert_eq!(site_id.len(), 16);
//! conn.execute_batch("SELECT crsql_finalize()")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr;

use rusqlite::Connection;

/// cr-sqlite could not be registered on a connection.
#[derive(Debug, thiserror::Error)]
#[error("cr-sqlite failed to load (SQLite code {code}): {message}")]
pub struct LoadError {
    pub code: i32,
    pub message: String,
}

unsafe extern "C" {
    /// The extension's entry point, from `crsqlite.c`.
    fn sqlite3_crsqlite_init(
        db: *mut rusqlite::ffi::sqlite3,
        err_msg: *mut *mut c_char,
        api: *const c_void,
    ) -> c_int;
}

/// Called by `sqlite3_crsqlite_init` (C) to register the Rust half of the
/// extension; returns the per-connection `crsql_ExtData`, or null on failure.
///
/// Upstream's bundle also registers the fractional-index SQL functions
/// (`crsql_fract_as_ordered` and its triggers). Nothing here calls them: a
/// line's position uses [`fract_key_between`] from Rust. Leaving them out
/// keeps their code out of the browser's download.
///
/// # Safety
/// Only SQLite's extension loading may call this, with a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sqlite3_crsqlrustbundle_init(
    db: *mut c_void,
    err_msg: *mut *mut c_char,
    api: *mut c_void,
) -> *mut c_void {
    crsql_core::sqlite3_crsqlcore_init(db.cast(), err_msg, api.cast())
}

/// Registers cr-sqlite's functions and virtual tables (`crsql_as_crr`,
/// `crsql_changes`, …) on `conn`.
///
/// Call it once per connection, before any CRR is touched, and run
/// `SELECT crsql_finalize()` before the connection closes.
pub fn load(conn: &Connection) -> Result<(), LoadError> {
    let mut err: *mut c_char = ptr::null_mut();
    // SAFETY: `conn` is open for the duration of the call; with SQLITE_CORE the
    // API-routines pointer is ignored, so null is fine.
    let code = unsafe { sqlite3_crsqlite_init(conn.handle(), &mut err, ptr::null()) };
    if code == rusqlite::ffi::SQLITE_OK {
        return Ok(());
    }
    let message = if err.is_null() {
        "no message".to_owned()
    } else {
        // SAFETY: cr-sqlite sets error messages with SQLite's allocator (see
        // patches/0002), NUL terminated; we own it and free it here.
        unsafe {
            let message = CStr::from_ptr(err).to_string_lossy().into_owned();
            rusqlite::ffi::sqlite3_free(err.cast());
            message
        }
    };
    Err(LoadError { code, message })
}

/// cr-sqlite's fractional-index key between `a` and `b` (either end open), the
/// function behind `crsql_fract_key_between`. It indexes its input without
/// checks: give it only keys it produced, with `a < b`.
pub use crsql_fractindex_core::key_between as fract_key_between;
