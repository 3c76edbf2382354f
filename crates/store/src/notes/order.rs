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
    let Some(int_len) = integer_len(head) else {
        return false;
    };
    int_len <= bytes.len() && (bytes.len() == int_len || bytes[bytes.len() - 1] != b' ')
}

/// How long the integer part of a key starting with `head` is.
fn integer_len(head: u8) -> Option<usize> {
    match head {
        b'a'..=b'z' => Some(usize::from(head - b'a') + 2),
        b'A'..=b'Z' => Some(usize::from(b'Z' - head) + 2),
        _ => None,
    }
}

/// Longest key handed to upstream's `key_between`: its `midpoint` recurses
/// once per character of a key like "a0~~~~…", so a long key from another
/// replica would overflow the worker's stack. Keys made here stay far
/// shorter; longer ones (crafted, or a gap typed into thousands of times) go
/// to [`between_long`].
const UPSTREAM_MAX: usize = 256;

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
    if lo.is_some_and(|k| k.len() > UPSTREAM_MAX) || hi.is_some_and(|k| k.len() > UPSTREAM_MAX) {
        return between_long(lo, hi);
    }
    fract_key_between(lo, hi).ok().flatten()
}

/// A key strictly between two valid keys (`lo < hi`), at least one of them
/// long, made in one pass over them: no recursion, whatever their length.
fn between_long(lo: Option<&str>, hi: Option<&str>) -> Option<String> {
    match (lo, hi) {
        // Any extension of `lo` is above it, and below `hi` unless `lo` is
        // a prefix of `hi`.
        (Some(lo), hi) => match hi.and_then(|h| h.strip_prefix(lo)) {
            None => Some(format!("{lo}V")),
            Some(rest) => below(rest).map(|x| format!("{lo}{x}")),
        },
        // Below a key with a fraction: its integer part alone.
        (None, Some(hi)) => {
            let int_len = integer_len(*hi.as_bytes().first()?)?;
            let int = hi.get(..int_len)?;
            (int != hi && int != SMALLEST_INTEGER).then(|| int.to_owned())
        }
        (None, None) => fract_key_between(None, None).ok().flatten(),
    }
}

/// A non-empty string below `rest` (non-empty, not ending in a space) that
/// does not end in a space: `rest` with its last character one lower, or,
/// where that would be a space, " V" in its place.
fn below(rest: &str) -> Option<String> {
    let (&last, head) = rest.as_bytes().split_last()?;
    let head = std::str::from_utf8(head).ok()?;
    match last {
        b'"'..=b'~' => Some(format!("{head}{}", char::from(last - 1))),
        b'!' => Some(format!("{head} V")),
        _ => None,
    }
}

/// `n` ascending keys strictly between `lo` and `hi`. Appending counts up
/// (short keys); between two bounds the range is bisected, so a paste of
/// thousands of lines gets keys only a few characters longer than its bounds.
pub(crate) fn keys_between(lo: Option<&str>, hi: Option<&str>, n: usize) -> Vec<String> {
    if n == 1
        && let (Some(l), Some(h)) = (lo, hi)
        && let Some(next) = step_after(l).filter(|k| k.as_str() < h)
    {
        return vec![next];
    }
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

/// The key right after a valid `lo` that adds no character, or one every 94
/// calls: the last digit of its fraction one higher. Typing line after line
/// above the same line asks for a key after the previous new one each time;
/// midpoints toward the line below grew a character every seven lines (and,
/// past [`UPSTREAM_MAX`], every line), this one every 94.
fn step_after(lo: &str) -> Option<String> {
    if !is_valid_key(lo) {
        return None;
    }
    let int_len = integer_len(lo.as_bytes()[0])?;
    if lo.len() == int_len {
        return fract_key_between(Some(lo), None).ok().flatten();
    }
    let (&last, head) = lo.as_bytes().split_last()?;
    match last {
        b'~' => Some(format!("{lo}!")),
        _ => Some(format!(
            "{}{}",
            std::str::from_utf8(head).ok()?,
            char::from(last + 1)
        )),
    }
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
/// Kept short: where the two first differ, `lo`'s character goes one up when
/// that stays below `hi`'s, else the first later character of `lo` that can;
/// only when `lo` is a prefix of `hi` does the result extend `lo`, with '!'
/// (the lowest character a lineage holds) below what follows in `hi`. Each
/// new line typed after the last one therefore adds a character about every
/// 80 lines, not a whole id. One pass, no recursion: a lineage from another
/// replica may be anything, and a crafted one of 100,000 `!` must not take a
/// stack frame each.
pub(crate) fn lineage_between(lo: &str, hi: &str, id: &str) -> String {
    let (l, h) = (lo.as_bytes(), hi.as_bytes());
    let same = l.iter().zip(h).take_while(|(a, b)| a == b).count();
    if same < l.len() {
        if same < h.len() && l[same] < h[same] {
            let printable = |b: u8| (b'!'..b'~').contains(&b);
            let raise = if printable(l[same]) && l[same] + 1 < h[same] {
                Some(same)
            } else {
                (same + 1..l.len()).find(|&k| printable(l[k]))
            };
            if let Some(k) = raise {
                // Hand-made data may split a character at `k`: then the
                // fallback below.
                if let Ok(head) = std::str::from_utf8(&l[..k]) {
                    return format!("{head}{}{id}", char::from(l[k] + 1));
                }
            }
        }
        // Every later character of `lo` is as high as it goes (or the input
        // is hand-made data where no better order exists): extending `lo`
        // keeps it below `hi`, whose first difference decides.
        return format!("{lo}!{id}");
    }
    let mut out = format!("{lo}!");
    // `lo` is a prefix of `hi`: when `hi` goes on with a character above
    // '!', `lo` + '!' is below it.
    let mut deeper = match hi[lo.len()..].strip_prefix('!') {
        Some(d) if !d.is_empty() => d,
        _ => {
            out.push_str(id);
            return out;
        }
    };
    // `hi` is `lo`, '!', then more: go below that, one '!' per level.
    loop {
        out.push('!');
        match deeper.strip_prefix('!') {
            Some(d) if !d.is_empty() => deeper = d,
            _ => break,
        }
    }
    out.push_str(id);
    out
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
    fn typing_line_after_line_keeps_positions_and_lineages_short() {
        // Each new line goes after the previous new one, above the same
        // line: the pattern of writing in the middle of a note.
        let keys = keys_between(None, None, 2);
        let hi = keys[1].clone();
        let mut pos = keys[0].clone();
        for _ in 0..20_000 {
            let next = keys_between(Some(&pos), Some(&hi), 1).remove(0);
            assert!(pos < next && next < hi && is_valid_key(&next));
            pos = next;
        }
        assert!(
            pos.len() <= 250,
            "20,000 lines: a position of {}",
            pos.len()
        );
        // Lines at one position (two devices typed at one place): each new
        // line typed after the last one there.
        let (mut lineage, hi) = ("3fa9c0".repeat(5), "3fa9c1".repeat(5));
        for i in 0..2_000 {
            let next = lineage_between(&lineage, &hi, &format!("{i:032x}"));
            assert!(lineage < next && next < hi, "{lineage} < {next} < {hi}");
            lineage = next;
        }
        assert!(
            lineage.len() <= 100,
            "2,000 lines: a lineage of {}",
            lineage.len()
        );
    }

    #[test]
    fn a_crafted_lineage_of_100000_bangs_takes_one_pass_not_a_frame_each() {
        let hi = "!".repeat(100_000);
        let made = lineage_between("", &hi, "id");
        assert!(made.as_str() > "" && made.ends_with("id"));
        let made = lineage_between("3fa9", &format!("3fa9{hi}"), "id");
        assert!(made.starts_with("3fa9!") && made.ends_with("id"));
    }

    #[test]
    fn long_positions_from_elsewhere_are_worked_without_upstream_recursion() {
        // Valid keys of 100,001 characters: upstream's midpoint would recurse
        // once per '~'.
        let lo = format!("a0{}", "~".repeat(100_000));
        assert!(is_valid_key(&lo));
        let after = keys_between(Some(&lo), None, 3);
        assert!(ascending(&after) && after[0] > lo, "after");
        let hi = "a1";
        let inside = keys_between(Some(&lo), Some(hi), 5);
        assert!(ascending(&inside) && inside[0] > lo && inside[4].as_str() < hi);
        assert!(inside.iter().all(|k| is_valid_key(k)));
        // A long upper bound that extends the lower one, ending in '!' too.
        let hi = format!("{lo}!");
        let inside = keys_between(Some(&lo), Some(&hi), 3);
        assert!(
            ascending(&inside) && inside[0] > lo && inside[2] < hi,
            "{:?}",
            &inside[0][lo.len()..]
        );
        let before = keys_between(None, Some(&lo), 2);
        assert!(ascending(&before) && before[1] < lo);
        assert!(before.iter().all(|k| is_valid_key(k)));
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
