//! What a note's text says about it beyond its lines: its title and its
//! tags (the list, search and exports derive them), and the rules a note and
//! its id keep wherever they come from (a replica, a file being imported).

/// The most bytes a note's text may hold (1 MiB): a save that would pass
/// it is refused, and so is a file that would.
pub const MAX_NOTE_BYTES: usize = 1024 * 1024;

/// Longest id: a note's, a line's, or a saved version's (which holds its
/// note's id, a time and a hash).
pub const MAX_ID_BYTES: usize = 512;

/// Whether `id` is one the app makes and accepts: 1 to [`MAX_ID_BYTES`] of
/// `A-Z a-z 0-9 - _ : . /`.
pub fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_BYTES).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_:./".contains(&b))
}

/// The title of a note: its first non-blank line, shortened.
pub fn title_of(body: &str) -> String {
    title_of_lines(body.lines())
}

/// [`title_of`] of a note's lines.
pub fn title_of_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    const MAX_CHARS: usize = 80;
    let line = lines
        .into_iter()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if line.is_empty() {
        return "Untitled".to_owned();
    }
    let mut title: String = line.chars().take(MAX_CHARS).collect();
    if line.chars().count() > MAX_CHARS {
        title.push('…');
    }
    title
}

/// Longest tag, in characters: longer runs after a `#` are not tags (a
/// pasted hash, a URL fragment).
const MAX_TAG_CHARS: usize = 64;

/// Whether `c` may stand in a tag after its `#`.
pub fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '/')
}

/// The tags in `lines`, lowercased, sorted, each once. A tag starts with
/// `#` at the start of a line or after a space or an opening bracket, and
/// holds a letter: `# Heading`, `##`, `C#`, `page#top` and `#1` are not
/// tags. Code (fenced blocks, `inline`) holds none.
pub fn tags_of<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut tags = Vec::new();
    let mut fenced = false;
    for line in lines {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            tags_of_line(line, &mut tags);
        }
    }
    tags.sort();
    tags.dedup();
    tags
}

fn tags_of_line(line: &str, tags: &mut Vec<String>) {
    let mut in_code = false;
    let mut prev = ' ';
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '`' {
            in_code = !in_code;
        } else if c == '#' && !in_code && (prev.is_whitespace() || matches!(prev, '(' | '[')) {
            let rest = &line[i + 1..];
            let end = rest.find(|c: char| !is_tag_char(c)).unwrap_or(rest.len());
            let word = rest[..end].trim_end_matches(['-', '/']);
            if word.chars().any(char::is_alphabetic) && word.chars().count() <= MAX_TAG_CHARS {
                tags.push(word.to_lowercase());
            }
            // The word is consumed: a `#` inside it starts no tag.
            while chars.next_if(|&(j, _)| j <= i + end).is_some() {}
            prev = rest[..end].chars().last().unwrap_or('#');
            continue;
        }
        prev = c;
    }
}
