//! `export` and `import`: the same formats as the app (crate `portable`).

use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use portable::Imported;
use serde_json::json;

use super::AfterWrite;
use crate::error::CliError;
use crate::home::Home;
use crate::now_ms;
use crate::show::{Out, interactive};

fn bar(len: usize, what: &str) -> Option<ProgressBar> {
    interactive().then(|| {
        let bar = ProgressBar::new(len as u64);
        if let Ok(style) = ProgressStyle::with_template("{msg} {bar:30} {pos}/{len}") {
            bar.set_style(style);
        }
        bar.set_message(what.to_owned());
        bar
    })
}

pub fn export(home: &Home, out: Out, path: &Path) -> Result<(), CliError> {
    let store = home.replica()?;
    let count = store.all_notes()?.len();
    let reading = bar(count, "Reading");
    let notes = portable::export::gather(&store, |n| {
        if let Some(b) = &reading {
            b.set_position(n as u64);
        }
    })?;
    if let Some(b) = reading {
        b.finish_and_clear();
    }
    // Written beside the target and renamed: an export cut short never
    // leaves a half zip under the name asked for.
    let tmp = path.with_extension("zip.part");
    let what = || format!("cannot write {}", path.display());
    let file = fs::File::create(&tmp).map_err(CliError::io(what()))?;
    let writing = bar(notes.len(), "Writing");
    let written = portable::export::write_zip(&notes, now_ms(), BufWriter::new(file), |n| {
        if let Some(b) = &writing {
            b.set_position(n as u64);
        }
    });
    if let Some(b) = writing {
        b.finish_and_clear();
    }
    let file = written
        .inspect_err(|_| {
            let _ = fs::remove_file(&tmp);
        })?
        .into_inner()
        .map_err(|e| CliError::io(what())(e.into_error()))?;
    file.sync_all().map_err(CliError::io(what()))?;
    fs::rename(&tmp, path).map_err(CliError::io(what()))?;
    let trashed = notes.iter().filter(|n| n.deleted_at.is_some()).count();
    if out.json {
        out.json(&json!({"path": path, "notes": notes.len() - trashed, "trashed": trashed}));
    } else {
        out.say(&format!(
            "Exported {} notes and {trashed} from the Trash to {}.",
            notes.len() - trashed,
            path.display()
        ));
    }
    Ok(())
}

/// Every file under `path` (itself if it is a file), named relative to it.
fn files_of(path: &Path) -> Result<Vec<(String, PathBuf)>, CliError> {
    let meta =
        fs::metadata(path).map_err(CliError::io(format!("cannot read {}", path.display())))?;
    if meta.is_file() {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        return Ok(vec![(name, path.to_owned())]);
    }
    let mut found = Vec::new();
    let mut pending = vec![path.to_owned()];
    while let Some(dir) = pending.pop() {
        let entries =
            fs::read_dir(&dir).map_err(CliError::io(format!("cannot read {}", dir.display())))?;
        for entry in entries {
            let entry = entry.map_err(CliError::io(format!("cannot read {}", dir.display())))?;
            let p = entry.path();
            if p.is_dir() {
                pending.push(p);
            } else if let Ok(rel) = p.strip_prefix(path) {
                found.push((rel.to_string_lossy().replace('\\', "/"), p));
            }
        }
    }
    found.sort();
    Ok(found)
}

pub fn import(home: &Home, after: AfterWrite, paths: &[PathBuf]) -> Result<(), CliError> {
    let mut imported = Imported::default();
    for path in paths {
        for (name, file) in files_of(path)? {
            let bytes =
                fs::read(&file).map_err(CliError::io(format!("cannot read {}", file.display())))?;
            // A file's time is its note's when the file says none.
            let modified = fs::metadata(&file)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .and_then(|d| i64::try_from(d.as_millis()).ok());
            imported.read_dated(&name, &bytes, modified);
        }
    }
    let mut store = home.replica()?;
    let saving = bar(imported.notes.len(), "Importing");
    let report = imported.save(&mut store, now_ms(), |n| {
        if let Some(b) = &saving {
            b.set_position(n as u64);
        }
    })?;
    if let Some(b) = saving {
        b.finish_and_clear();
    }
    while store.index_pending(500)? > 0 {}
    if report.added > 0 {
        after.sync(home, &mut store);
    }
    store.close()?;
    if after.out.json {
        let skipped: Vec<_> = imported
            .skipped
            .iter()
            .map(|s| json!({"file": s.file, "reason": s.reason}))
            .collect();
        after.out.json(&json!({"added": report.added, "already_here": report.already_here, "skipped": skipped}));
    } else {
        after.out.say(&format!(
            "Imported {} notes ({} were already here).",
            report.added, report.already_here
        ));
        if !imported.skipped.is_empty() {
            after
                .out
                .say(&format!("Skipped {} files:", imported.skipped.len()));
            for s in &imported.skipped {
                after.out.say(&format!("  {}: {}", s.file, s.reason));
            }
        }
    }
    Ok(())
}
