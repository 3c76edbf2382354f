//! Where a line sits in its note: a fractional-index key, compared as bytes,
//! made by cr-sqlite's own `key_between` (the function behind
//! `crsql_fract_key_between`). Inserting between two lines never renumbers the
//! others, so concurrent inserts on two devices touch disjoint rows.
//!
//! Keys arrive from other replicas, and upstream's function indexes its input
//! without checks, so every key is validated here before it gets there.

use crsqlite::fract_key_between;

/// Upstream's smallest integer part: it cannot be decremented.
const SMALLEST_INTEGER: &str = "A                          ";

/// Whether `key` is one `key_between` accepts: printable ASCII, an integer
/// part whose length its first character announces, and no trailing space in
/// the fraction.
pub(crate) fn is_valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let Some(&head) = bytes.first() else {
        return false;
    };
    if !bytes.iter().all(|b| (b' '..=b'~').contains(b)) || key == SMALLEST_INTEGER {
        return false;
    }
    let int_len = match head {
        b'a'..=b'z' => usize::from(head - b'a') + 2,
        b'A'..=b'Z' => usize::from(b'Z' - head) + 2,
        _ => return false,
    };
    int_len <= bytes.len() && (bytes.len() == int_len || bytes[bytes.len() - 1] != b' ')
}

/// One key strictly between `lo` and `hi`; a missing or unusable bound is
/// treated as open. Returns `None` only if upstream refuses (keys exhausted).
fn between(lo: Option<&str>, hi: Option<&str>) -> Option<String> {
    let lo = lo.filter(|k| is_valid_key(k));
    let mut hi = hi.filter(|k| is_valid_key(k));
    if let (Some(l), Some(h)) = (lo, hi)
        && l >= h
    {
        // Equal neighbours come from concurrent inserts at one place; going
        // after `lo` is the best order still available.
        hi = None;
    }
    fract_key_between(lo, hi).ok().flatten()
}

/// `n` ascending keys strictly between `lo` and `hi`. Appending counts up
/// (short keys); between two bounds the range is bisected, so a paste of
/// thousands of lines gets keys only a few characters longer than its bounds.
pub(crate) fn keys_between(lo: Option<&str>, hi: Option<&str>, n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    fill(lo, hi, n, &mut out);
    out
}

fn fill(lo: Option<&str>, hi: Option<&str>, n: usize, out: &mut Vec<String>) {
    if n == 0 {
        return;
    }
    if hi.is_none() || lo.is_some_and(|l| hi.is_some_and(|h| l >= h)) {
        let mut prev = lo.map(str::to_owned);
        for _ in 0..n {
            let next = between(prev.as_deref(), None).unwrap_or_else(|| fallback(prev.as_deref()));
            out.push(next.clone());
            prev = Some(next);
        }
        return;
    }
    let mid_index = n / 2;
    let Some(mid) = between(lo, hi) else {
        // No room left (only with hand-made keys): stay in order after `lo`.
        let mut prev = lo.map(str::to_owned);
        for _ in 0..n {
            let next = fallback(prev.as_deref());
            out.push(next.clone());
            prev = Some(next);
        }
        return;
    };
    fill(lo, Some(&mid), mid_index, out);
    out.push(mid.clone());
    fill(Some(&mid), hi, n - mid_index - 1, out);
}

/// A key after `prev` that needs no arithmetic: always valid, always greater.
fn fallback(prev: Option<&str>) -> String {
    match prev {
        Some(p) if is_valid_key(p) => format!("{p}V"),
        _ => "a V".to_owned(),
    }
}

/// A lineage strictly between `lo` and `hi` (`lo < hi`), ending in `id` so it
/// is unique: it orders a new line between two lines that share a position.
/// Lineages are ids (hex, `:`, `-`) joined by `!`, which sorts below all of
/// them.
pub(crate) fn lineage_between(lo: &str, hi: &str, id: &str) -> String {
    match hi.strip_prefix(lo) {
        // `lo` is not a prefix of `hi`: the first difference decides, so any
        // extension of `lo` still sorts below `hi`.
        None => format!("{lo}!{id}"),
        Some(rest) => match rest.strip_prefix('!') {
            Some(deeper) if !deeper.is_empty() => {
                format!("{lo}!{}", lineage_between("", deeper, id))
            }
            // `hi` continues with a character above '!', or is only
            // hand-made data, where no better order exists.
            _ => format!("{lo}!{id}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ascending(keys: &[String]) -> bool {
        keys.windows(2).all(|w| w[0] < w[1])
    }

    #[test]
    fn appended_keys_ascend_and_stay_short() {
        let keys = keys_between(None, None, 5000);
        assert!(ascending(&keys));
        assert!(
            keys.iter().all(|k| is_valid_key(k) && k.len() <= 4),
            "{:?}",
            keys.last()
        );
    }

    #[test]
    fn keys_between_two_neighbours_fit_strictly_inside() {
        let keys = keys_between(None, None, 2);
        let (lo, hi) = (keys[0].as_str(), keys[1].as_str());
        let inside = keys_between(Some(lo), Some(hi), 5000);
        assert!(ascending(&inside));
        assert!(lo < inside[0].as_str() && inside[4999].as_str() < hi);
        let longest = inside.iter().map(String::len).max().unwrap_or(0);
        assert!(
            longest <= lo.len() + 4,
            "bisection keeps keys short, got {longest}"
        );
    }

    #[test]
    fn repeated_inserts_at_the_front_keep_order() {
        let mut first = keys_between(None, None, 1).remove(0);
        for _ in 0..500 {
            let k = keys_between(None, Some(&first), 1).remove(0);
            assert!(k < first);
            first = k;
        }
    }

    #[test]
    fn lineages_between_two_lines_at_one_position_sort_between_them() {
        let (mut lo, hi) = ("3fa9c0".to_owned(), "b71e22");
        for i in 0..50 {
            let mid = lineage_between(&lo, hi, &format!("{i:08x}"));
            assert!(lo < mid && mid.as_str() < hi, "{lo} < {mid} < {hi}");
            // Nested: between a line and the one just put after it.
            let inner = lineage_between(&lo, &mid, &format!("f{i:07x}"));
            assert!(lo < inner && inner < mid, "{lo} < {inner} < {mid}");
            lo = mid;
        }
    }

    #[test]
    fn broken_keys_from_elsewhere_never_reach_upstream() {
        for bad in ["", "é", "a", "zz", "\u{7f}x", SMALLEST_INTEGER, "a0 "] {
            assert!(!is_valid_key(bad), "{bad:?}");
            let k = keys_between(Some(bad), Some(bad), 3);
            assert!(ascending(&k) && k.iter().all(|k| is_valid_key(k)));
        }
        let equal = keys_between(Some("a0"), Some("a0"), 2);
        assert!(equal.iter().all(|k| k.as_str() > "a0"));
    }
}
