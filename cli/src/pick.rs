//! Finding the note a command names: its id, the start of its id (at
//! least four characters), or its title (case ignored).

use store::{NoteSummary, Store};

use crate::error::CliError;

pub fn note(store: &mut Store, named: &str) -> Result<NoteSummary, CliError> {
    let named = named.trim();
    let all = store.list_notes("")?;
    if let Some(n) = all.iter().find(|n| n.id == named) {
        return Ok(n.clone());
    }
    let mut found: Vec<&NoteSummary> = Vec::new();
    if named.chars().count() >= 4 {
        found = all.iter().filter(|n| n.id.starts_with(named)).collect();
    }
    if found.is_empty() {
        let lower = named.to_lowercase();
        found = all
            .iter()
            .filter(|n| n.title.to_lowercase() == lower)
            .collect();
    }
    match found.as_slice() {
        [] => Err(CliError::NotFound(named.to_owned())),
        [one] => Ok((*one).clone()),
        many => Err(CliError::Ambiguous {
            query: named.to_owned(),
            count: many.len(),
            choices: many
                .iter()
                .map(|n| format!("  {}  {}", n.id, n.title))
                .collect::<Vec<_>>()
                .join("\n"),
        }),
    }
}
