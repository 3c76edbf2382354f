//! Writing a note in the user's editor ($VISUAL, $EDITOR, else vi).

use std::io::Write;
use std::process::Command;

use crate::error::CliError;
use crate::home::Home;

/// Opens `text` in the editor; the text as saved when it exits.
pub fn edit(home: &Home, text: &str) -> Result<String, CliError> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".to_owned());
    // In the data directory, not /tmp: the text is as private as the notes.
    let mut file = tempfile::Builder::new()
        .prefix("note-")
        .suffix(".md")
        .tempfile_in(home.dir())
        .map_err(CliError::io("cannot make a file to edit in"))?;
    file.write_all(text.as_bytes())
        .map_err(CliError::io("cannot write the file to edit"))?;
    file.flush()
        .map_err(CliError::io("cannot write the file to edit"))?;
    // Through the shell, so that EDITOR="code --wait" works.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file.path())
        .status()
        .map_err(CliError::io(format!("cannot start the editor ({editor})")))?;
    if !status.success() {
        return Err(CliError::Usage(format!(
            "the editor ({editor}) failed ({status}); nothing was saved"
        )));
    }
    std::fs::read_to_string(file.path()).map_err(CliError::io("cannot read the edited file"))
}
