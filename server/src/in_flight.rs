//! How many requests of each user are under way, so that one user's burst
//! waits in its own line instead of filling the blocking pool (which every
//! sign-in and every other user's `/sync` needs too).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

pub struct InFlight<K: Hash + Eq + Clone> {
    max: usize,
    counts: Arc<Mutex<HashMap<K, usize>>>,
}

/// One request's place; given back when dropped (wherever the request's
/// work ends, on a blocking thread or not).
pub struct Slot<K: Hash + Eq + Clone> {
    key: K,
    counts: Arc<Mutex<HashMap<K, usize>>>,
}

impl<K: Hash + Eq + Clone> InFlight<K> {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            counts: Arc::default(),
        }
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// A place for one more request of `key`, or `None` if it has `max`.
    pub fn try_acquire(&self, key: &K) -> Option<Slot<K>> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.entry(key.clone()).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Slot {
            key: key.clone(),
            counts: self.counts.clone(),
        })
    }
}

impl<K: Hash + Eq + Clone> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_at_most_max_places_and_gets_them_back() {
        let f = InFlight::new(2);
        let a = f.try_acquire(&1);
        let b = f.try_acquire(&1);
        assert!(a.is_some() && b.is_some());
        assert!(f.try_acquire(&1).is_none());
        assert!(f.try_acquire(&2).is_some(), "other keys are not affected");
        drop(a);
        assert!(f.try_acquire(&1).is_some());
        drop(b);
        assert!(
            f.counts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_empty()
        );
    }
}
