//! The YAML front matter of an exported note: what a Markdown file cannot
//! say by itself (its id, times, tags and pin), in the form Obsidian, Hugo
//! and Jekyll read.

use yaml_rust2::{Yaml, YamlLoader};

use crate::time::{parse_rfc3339, rfc3339};

/// What front matter says about a note; every field may be missing.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Front {
    pub id: Option<String>,
    pub created: Option<i64>,
    pub updated: Option<i64>,
    pub pinned: bool,
}

/// A string as YAML: JSON's quoting is YAML's double-quoted style, so any
/// text (quotes, colons, `#`, newlines) stays one scalar.
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// The block that heads an exported note, ending with its closing line.
pub(crate) fn render(
    id: &str,
    created: i64,
    updated: i64,
    tags: &[String],
    pinned: bool,
) -> String {
    let tags: Vec<String> = tags.iter().map(|t| quoted(t)).collect();
    format!(
        "---\nid: {}\ncreated: {}\nupdated: {}\ntags: [{}]\npinned: {pinned}\n---\n",
        quoted(id),
        rfc3339(created),
        rfc3339(updated),
        tags.join(", ")
    )
}

/// A time as front matter may hold it: RFC 3339 text, or milliseconds.
fn millis(value: &Yaml) -> Option<i64> {
    match value {
        Yaml::String(text) => parse_rfc3339(text),
        Yaml::Integer(ms) => Some(*ms),
        _ => None,
    }
}

/// Splits a Markdown file into its front matter and its text. A file
/// without front matter, or with some that is not YAML, is all text: a
/// user's `---` rule at the top is never swallowed.
pub(crate) fn parse(file: &str) -> (Front, String) {
    let Some((yaml, text)) = split(file) else {
        return (Front::default(), file.to_owned());
    };
    let Some(Yaml::Hash(map)) = YamlLoader::load_from_str(yaml)
        .ok()
        .and_then(|d| d.into_iter().next())
    else {
        return (Front::default(), file.to_owned());
    };
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| map.get(&Yaml::String((*n).to_owned())))
    };
    let front = Front {
        id: field(&["id"]).and_then(|v| v.as_str()).map(str::to_owned),
        created: field(&["created", "created_at", "date"]).and_then(millis),
        updated: field(&["updated", "updated_at", "modified"]).and_then(millis),
        pinned: field(&["pinned"]).and_then(Yaml::as_bool).unwrap_or(false),
    };
    (front, text.to_owned())
}

/// The YAML between a first line `---` and the next line `---` (or `...`),
/// and the text after that line, exactly as written (the crate's own
/// splitting trims the text, which would change a note's blank lines).
fn split(file: &str) -> Option<(&str, &str)> {
    let rest = file.strip_prefix("---\n")?;
    let mut at = 0;
    for line in rest.split_inclusive('\n') {
        if matches!(line.trim_end(), "---" | "...") {
            return Some((&rest[..at], &rest[at + line.len()..]));
        }
        at += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_goes_out_and_comes_back() {
        let head = render("n-1", 1_000, 2_000, &["work".into(), "a\"b".into()], true);
        let file = format!("{head}# Title\n\nbody: with # and ---\n");
        let (front, text) = parse(&file);
        assert_eq!(
            front,
            Front {
                id: Some("n-1".into()),
                created: Some(1_000),
                updated: Some(2_000),
                pinned: true
            }
        );
        assert_eq!(text, "# Title\n\nbody: with # and ---\n");
    }

    #[test]
    fn a_file_without_front_matter_is_all_text() {
        let (front, text) = parse("# Just a note\n---\nmore");
        assert_eq!(front, Front::default());
        assert_eq!(text, "# Just a note\n---\nmore");
        // A rule at the top followed by prose that is not YAML stays text.
        let odd = "---\nnot: [valid\n---\nrest";
        assert_eq!(parse(odd).1, odd);
    }
}
