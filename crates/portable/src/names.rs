//! File names from note titles: safe on Windows, macOS and Linux (the zip
//! may be unpacked anywhere), and unique within a folder whatever the file
//! system's case rules.

use std::collections::HashSet;

/// Longest name, in characters, before the extension: file systems allow
/// 255 bytes, and four-byte characters must still fit.
const MAX_CHARS: usize = 60;

/// Names Windows keeps for devices, whatever the extension.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A title as a file name (without extension): separators, characters
/// Windows refuses and control characters become spaces, runs of spaces one,
/// no leading or trailing dots or spaces, at most [`MAX_CHARS`] characters.
pub fn safe_stem(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| {
            if c.is_control() || r#"/\:*?"<>|"#.contains(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut stem = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    stem = stem.chars().take(MAX_CHARS).collect();
    let stem = stem.trim_matches(|c: char| c == '.' || c == ' ').to_owned();
    if stem.is_empty() {
        return "Untitled".to_owned();
    }
    if RESERVED.contains(&stem.to_lowercase().as_str()) {
        return format!("{stem}_");
    }
    stem
}

/// Hands out names unique within one folder, compared without case (two
/// notes titled "Todo" and "TODO" would be one file on macOS or Windows).
#[derive(Default)]
pub struct UniqueNames {
    taken: HashSet<String>,
}

impl UniqueNames {
    /// `stem.ext`, or `stem (2).ext`, `stem (3).ext`, … if taken.
    pub fn name(&mut self, stem: &str, ext: &str) -> String {
        let mut n = 1;
        loop {
            let name = if n == 1 {
                format!("{stem}.{ext}")
            } else {
                format!("{stem} ({n}).{ext}")
            };
            if self.taken.insert(name.to_lowercase()) {
                return name;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_lose_what_file_systems_refuse() {
        assert_eq!(safe_stem("a/b\\c: d*?\"<>|"), "a b c d");
        assert_eq!(safe_stem("  ..hidden.  "), "hidden");
        assert_eq!(safe_stem("line\u{0}feed\nx"), "line feed x");
        assert_eq!(safe_stem(""), "Untitled");
        assert_eq!(safe_stem("..."), "Untitled");
        assert_eq!(safe_stem("CON"), "CON_");
        assert_eq!(safe_stem("Café ☕ notes"), "Café ☕ notes");
        assert_eq!(safe_stem(&"é".repeat(300)).chars().count(), MAX_CHARS);
    }

    #[test]
    fn names_are_unique_without_regard_to_case() {
        let mut names = UniqueNames::default();
        assert_eq!(names.name("Todo", "md"), "Todo.md");
        assert_eq!(names.name("TODO", "md"), "TODO (2).md");
        assert_eq!(names.name("todo", "md"), "todo (3).md");
        assert_eq!(names.name("Other", "md"), "Other.md");
    }
}
