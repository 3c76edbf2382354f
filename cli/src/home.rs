//! The data directory: the replica (`notes.db`) and the account it syncs
//! with (`account.json`, holding the session token: readable by its owner
//! only, 0600).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use store::{OpenOptions, Store};

use crate::error::CliError;

/// The account a replica belongs to; `token` is `None` once signed out.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Account {
    pub url: String,
    pub username: String,
    pub token: Option<String>,
}

pub struct Home {
    dir: PathBuf,
}

impl Home {
    /// `dir`, or the platform's data directory for "notes"
    /// (`~/.local/share/notes` on Linux), created if missing.
    pub fn open(dir: Option<PathBuf>) -> Result<Self, CliError> {
        let dir = match dir {
            Some(dir) => dir,
            None => directories::ProjectDirs::from("", "", "notes")
                .ok_or_else(|| {
                    CliError::Usage("no home directory to keep notes in; pass --data-dir".into())
                })?
                .data_dir()
                .to_owned(),
        };
        fs::create_dir_all(&dir)
            .map_err(CliError::io(format!("cannot create {}", dir.display())))?;
        Ok(Self { dir })
    }

    pub fn replica(&self) -> Result<Store, CliError> {
        // Another `notes` (a `watch`) may be writing: wait for it.
        let options = OpenOptions {
            busy_timeout_ms: 10_000,
            ..OpenOptions::default()
        };
        Ok(Store::open(self.dir.join("notes.db"), &options)?)
    }

    fn account_path(&self) -> PathBuf {
        self.dir.join("account.json")
    }

    pub fn account(&self) -> Result<Option<Account>, CliError> {
        let path = self.account_path();
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|_| {
                CliError::Usage(format!(
                    "{} is damaged; delete it and run `notes login` again (the notes are kept)",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CliError::io(format!("cannot read {}", path.display()))(e)),
        }
    }

    /// The signed-in account, or why there is none.
    pub fn session(&self) -> Result<(Account, String), CliError> {
        match self.account()? {
            Some(Account {
                token: Some(token),
                url,
                username,
            }) => Ok((
                Account {
                    url,
                    username,
                    token: None,
                },
                token,
            )),
            _ => Err(CliError::NotSignedIn),
        }
    }

    /// Writes `account.json` whole (a temporary file renamed over it), with
    /// only its owner allowed to read it.
    pub fn save_account(&self, account: &Account) -> Result<(), CliError> {
        let path = self.account_path();
        let tmp = self.dir.join("account.json.tmp");
        let what = || format!("cannot write {}", path.display());
        let bytes =
            serde_json::to_vec_pretty(account).map_err(|e| CliError::Usage(e.to_string()))?;
        let _ = fs::remove_file(&tmp);
        let mut file = private_file(&tmp).map_err(CliError::io(what()))?;
        file.write_all(&bytes).map_err(CliError::io(what()))?;
        file.sync_all().map_err(CliError::io(what()))?;
        fs::rename(&tmp, &path).map_err(CliError::io(what()))?;
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}
