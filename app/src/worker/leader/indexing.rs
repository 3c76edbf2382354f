//! Indexing for the list and search, in the background: after a sync
//! brought notes, and at start, a small batch at a time with a pause
//! between, so that saves and reads go ahead of it.

use std::rc::{Rc, Weak};

use super::Leader;
use crate::worker::live::Notice;

/// Notes indexed per batch: a few milliseconds of work.
const BATCH: usize = 25;

/// Indexes what is pending, unless that already runs; once it indexed
/// something and is done, tells the tabs (`notify`): tag counts and the
/// order by title now cover every note.
pub fn index_soon(leader: Weak<Leader>, notify: Rc<dyn Fn(Notice)>) {
    match leader.upgrade() {
        Some(l) if !l.indexing.replace(true) => {}
        _ => return,
    }
    wasm_bindgen_futures::spawn_local(async move {
        let mut indexed = false;
        loop {
            // Whatever waits (a save, a list) runs first.
            gloo_timers::future::TimeoutFuture::new(0).await;
            let Some(l) = leader.upgrade() else {
                return;
            };
            let left = l.store.borrow_mut().index_pending(BATCH);
            match left {
                Ok(0) => {
                    l.indexing.set(false);
                    if indexed {
                        notify(Notice::Changed);
                    }
                    return;
                }
                Ok(_) => indexed = true,
                Err(e) => {
                    // Search indexes what is left itself; nothing is lost.
                    web_sys::console::warn_1(&format!("notes: indexing paused: {e}").into());
                    l.indexing.set(false);
                    return;
                }
            }
        }
    });
}
