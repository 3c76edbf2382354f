//! The `notes` command-line peer: a replica on disk (the same `store` as
//! the app's and the server's) that syncs with `sync`'s sans-IO rounds.
//!
//! - [`args`]: the command line.
//! - [`home`]: the data directory, the replica and the session (0600).
//! - [`remote`]: HTTP to the server, failures in words.
//! - [`rounds`]: a whole sync.
//! - [`commands`]: one module per group of commands.

pub mod args;
mod commands;
mod error;
mod home;
mod pick;
mod remote;
mod rounds;
mod show;

pub use error::CliError;

use args::{Cli, Command};
use home::Home;

/// Runs one command.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let home = Home::open(cli.data_dir.clone())?;
    let out = show::Out { json: cli.json };
    let after_write = commands::AfterWrite {
        offline: cli.offline,
        out,
    };
    match cli.command {
        Command::Login {
            url,
            username,
            create,
        } => commands::account::login(&home, out, &url, &username, create),
        Command::Logout => commands::account::logout(&home, out),
        Command::Sync => commands::account::sync_now(&home, out),
        Command::List { tag, search, trash } => {
            commands::notes::list(&home, out, tag.as_deref(), search.as_deref(), trash)
        }
        Command::Show { note } => commands::notes::show(&home, out, &note),
        Command::New => commands::notes::new(&home, after_write),
        Command::Edit { note } => commands::notes::edit(&home, after_write, &note),
        Command::Rm { note } => commands::notes::rm(&home, after_write, &note),
        Command::Export { path } => commands::transfer::export(&home, out, &path),
        Command::Import { paths } => commands::transfer::import(&home, after_write, &paths),
        Command::Watch => commands::watch::watch(&home, out),
    }
}

/// Now, in milliseconds since the Unix epoch (the store's clock).
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
