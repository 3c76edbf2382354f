//! A note's text as lines, and the splice of lines between two versions of
//! it. The editor computes a splice from the text it last saved to what the
//! user typed; the store applies it to the lines it holds. One definition of
//! a line for both, so they cannot disagree.

pub mod caret;
mod derived;
mod rebase;
pub use derived::{
    MAX_ID_BYTES, MAX_NOTE_BYTES, is_tag_char, is_valid_id, tags_of, title_of, title_of_lines,
};
pub use rebase::rebase;

/// A note's text as lines; the empty note has none, so that joining the lines
/// with `\n` gives back exactly the text that was split.
pub fn split_lines(body: &str) -> Vec<&str> {
    if body.is_empty() {
        Vec::new()
    } else {
        body.split('\n').collect()
    }
}

/// Lines `from..from + removed` of a note's text replaced by `inserted` (new
/// lines joined with `\n`; at least one line, possibly empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Splice<'a> {
    pub from: usize,
    pub removed: usize,
    pub inserted: &'a str,
}

// The editor computes a splice on every save of what may be a long note: it
// compares and counts a word at a time, which wasm (no SIMD by default) does
// several times faster than byte by byte.
const WORD: usize = 8;

fn word(b: &[u8]) -> u64 {
    let mut w = [0; WORD];
    w.copy_from_slice(&b[..WORD]);
    u64::from_le_bytes(w)
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let words = a
        .chunks_exact(WORD)
        .zip(b.chunks_exact(WORD))
        .take_while(|(x, y)| word(x) == word(y))
        .count();
    let at = words * WORD;
    at + a[at..]
        .iter()
        .zip(&b[at..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Of two slices of one length.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let words = a
        .rchunks_exact(WORD)
        .zip(b.rchunks_exact(WORD))
        .take_while(|(x, y)| word(x) == word(y))
        .count();
    let (a, b) = (&a[..a.len() - words * WORD], &b[..b.len() - words * WORD]);
    words * WORD
        + a.iter()
            .rev()
            .zip(b.iter().rev())
            .take_while(|(x, y)| x == y)
            .count()
}

fn newlines(b: &[u8]) -> usize {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let chunks = b.chunks_exact(WORD);
    let rest = chunks.remainder();
    let mut count = 0;
    for c in chunks {
        // Bytes equal to '\n' become zero; a byte's high bit is then set in
        // `t` exactly when the byte is zero (no carries between bytes).
        let x = word(c) ^ 0x0a0a_0a0a_0a0a_0a0a;
        let t = !(((x & LOW7) + LOW7) | x | LOW7);
        count += t.count_ones() as usize;
    }
    count + rest.iter().filter(|&&c| c == b'\n').count()
}

impl<'a> Splice<'a> {
    /// The splice that turns `old` into `new` (two non-empty texts): the lines
    /// between their common first and last lines. What the editor computes;
    /// here so that both sides agree on what a line is, and for tests.
    pub fn between(old: &str, new: &'a str) -> Option<Self> {
        if old.is_empty() || new.is_empty() {
            // The empty note has no lines, not one empty line.
            return None;
        }
        let (o, n) = (old.as_bytes(), new.as_bytes());
        let prefix = common_prefix(o, n);
        let most = o.len().min(n.len()) - prefix;
        let suffix = common_suffix(&o[o.len() - most..], &n[n.len() - most..]);
        // Lines ended inside the common head are unchanged, and so are lines
        // begun inside the common tail.
        let head = newlines(&o[..prefix]);
        let tail = newlines(&o[o.len() - suffix..]);
        let start = n[..prefix]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1);
        let end = match n[n.len() - suffix..].iter().position(|&c| c == b'\n') {
            Some(i) if tail > 0 => n.len() - suffix + i,
            _ => n.len(),
        };
        Some(Self {
            from: head,
            // The lines between are those holding the differing bytes.
            removed: newlines(&o[prefix..o.len() - suffix]) + 1,
            inserted: new.get(start..end)?,
        })
    }

    /// The lines put in.
    pub fn inserted_lines(&self) -> std::str::Split<'a, char> {
        self.inserted.split('\n')
    }

    /// Whether it can be made against `lines` lines.
    pub fn fits(&self, lines: usize) -> bool {
        self.from
            .checked_add(self.removed)
            .is_some_and(|end| end <= lines)
    }

    /// The new text as lines, given the lines it was made against (it fits
    /// them: see `fits`).
    pub fn apply<'s>(&self, old: &[&'s str]) -> Vec<&'s str>
    where
        'a: 's,
    {
        let end = (self.from + self.removed).min(old.len());
        let from = self.from.min(end);
        let mut new = Vec::with_capacity(old.len() + 8);
        new.extend_from_slice(&old[..from]);
        new.extend(self.inserted_lines());
        new.extend_from_slice(&old[end..]);
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(old: &str, new: &str) {
        let s = Splice::between(old, new).expect("both non-empty");
        let old_lines = split_lines(old);
        assert!(s.fits(old_lines.len()));
        let got = s.apply(&old_lines).join("\n");
        assert_eq!(got, new, "{old:?} -> {new:?} via {s:?}");
    }

    #[test]
    fn a_splice_between_two_texts_rebuilds_the_new_one() {
        let cases = [
            ("a\nb\nc", "a\nx\nc"),
            ("a\nb", "a\nb\nc"),
            ("a\nb\nc", "a\nc"),
            ("ab", "a\nb"),
            ("a\nb", "ab"),
            ("same", "same"),
            ("x\n\n\ny", "x\n\ny"),
            ("\n", "\n\n"),
            ("héllo\nwörld", "héllo\nwörd"),
            ("é", "è"),
            ("one\ntwo\nthree", "zero\none\ntwo\nthree"),
            ("one\ntwo\nthree", "one\ntwo\nthree\n"),
        ];
        for (old, new) in cases {
            round_trip(old, new);
            round_trip(new, old);
        }
    }

    #[test]
    fn typing_in_the_middle_touches_one_line() {
        let old: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let new = old.replacen("line 50\n", "line 50!\n", 1);
        let s = Splice::between(&old, &new).expect("non-empty");
        assert_eq!((s.from, s.removed, s.inserted), (50, 1, "line 50!"));
    }

    #[test]
    fn word_at_a_time_helpers_agree_with_bytes() {
        let texts: [&[u8]; 5] = [
            b"",
            b"\n",
            b"abc\ndef\n\n\nghijklmnop\nq",
            b"\n\n\n\n\n\n\n\n\n",
            &[0x8a, 0x0a, 0x0b, 0xff, 0x0a, 0, 1, 0x0a, 0x0a],
        ];
        for t in texts {
            assert_eq!(
                newlines(t),
                t.iter().filter(|&&c| c == b'\n').count(),
                "{t:?}"
            );
        }
        let a = b"0123456789abcdefghij";
        for cut in 0..a.len() {
            let mut b = a.to_vec();
            b[cut] = b'#';
            assert_eq!(common_prefix(a, &b), cut);
            assert_eq!(common_suffix(a, &b), a.len() - cut - 1);
        }
        assert_eq!(common_prefix(a, a), a.len());
        assert_eq!(common_suffix(a, a), a.len());
    }

    #[test]
    fn an_empty_text_has_no_splice() {
        assert_eq!(Splice::between("", "a"), None);
        assert_eq!(Splice::between("a", ""), None);
    }
}

// proptest is a native dev-dependency only.
#[cfg(all(test, not(target_family = "wasm")))]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_two_texts_round_trip_through_a_splice(
            old in "[ab\n]{1,24}",
            new in "[ab\n]{1,24}",
        ) {
            let s = Splice::between(&old, &new).expect("both non-empty");
            let lines = split_lines(&old);
            prop_assert!(s.fits(lines.len()));
            prop_assert_eq!(s.apply(&lines).join("\n"), new);
        }

        #[test]
        fn word_at_a_time_matches_byte_at_a_time(
            a in proptest::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..64),
            b in proptest::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..64),
        ) {
            prop_assert_eq!(newlines(&a), a.iter().filter(|&&c| c == b'\n').count());
            let p = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
            prop_assert_eq!(common_prefix(&a, &b), p);
            let n = a.len().min(b.len());
            let (x, y) = (&a[a.len() - n..], &b[b.len() - n..]);
            let s = x.iter().rev().zip(y.iter().rev()).take_while(|(x, y)| x == y).count();
            prop_assert_eq!(common_suffix(x, y), s);
        }
    }
}
