//! `login`, `logout`, `sync`.

use std::io::{BufRead, IsTerminal};

use serde_json::json;

use super::sync_with_progress;
use crate::error::CliError;
use crate::home::{Account, Home};
use crate::remote::Remote;
use crate::show::Out;

/// The password: asked without echo on a terminal, else the first line of stdin.
fn password(prompt: &str) -> Result<String, CliError> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt)
            .map_err(CliError::io("cannot read the password"));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(CliError::io("cannot read the password from stdin"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub fn login(
    home: &Home,
    out: Out,
    url: &str,
    username: &str,
    create: bool,
) -> Result<(), CliError> {
    let remote = Remote::new(url)?;
    let known = home.account()?;
    // Checked again against the name the server answers with, which may
    // be spelled otherwise; this first check comes before --create.
    if let Some(known) = &known
        && (known.url != remote.url() || known.username.to_lowercase() != username.to_lowercase())
    {
        return Err(bound_elsewhere(home, known));
    }
    let password = password(&format!("Password for {username} at {}: ", remote.url()))?;
    if create {
        remote.create_account(username, &password)?;
        out.say(&format!("Created the account {username}."));
    }
    let session = remote.sign_in(username, &password)?;
    // One data directory holds one account's notes: signing in to another
    // would push them into it.
    if let Some(known) = &known
        && known.username != session.username
    {
        let _ = remote.sign_out(&session.token);
        return Err(bound_elsewhere(home, known));
    }
    home.save_account(&Account {
        url: remote.url().to_owned(),
        username: session.username.clone(),
        token: Some(session.token.clone()),
    })?;
    out.say(&format!(
        "Signed in to {} as {}.",
        remote.url(),
        session.username
    ));
    let mut store = home.replica()?;
    let totals = sync_with_progress(&mut store, &remote, &session.token)?;
    store.close()?;
    if out.json {
        out.json(&json!({"url": remote.url(), "username": session.username, "synced": totals}));
    } else {
        out.say(&format!(
            "Synced: {} changes sent, {} received.",
            totals.pushed, totals.pulled
        ));
    }
    Ok(())
}

fn bound_elsewhere(home: &Home, known: &Account) -> CliError {
    CliError::Usage(format!(
        "{} holds the notes of {} at {}; sign in to another account with --data-dir DIR (or NOTES_DIR)",
        home.dir().display(),
        known.username,
        known.url
    ))
}

pub fn logout(home: &Home, out: Out) -> Result<(), CliError> {
    let Some(mut account) = home.account()? else {
        out.say("Not signed in.");
        return Ok(());
    };
    let Some(token) = account.token.take() else {
        out.say("Not signed in.");
        return Ok(());
    };
    let ended = Remote::new(&account.url).and_then(|r| r.sign_out(&token));
    // Forgotten here whatever the server said: the user asked to sign out.
    home.save_account(&account)?;
    match ended {
        Ok(()) => out.say(&format!(
            "Signed out of {}; the notes stay on this computer.",
            account.url
        )),
        Err(e) => out.say(&format!(
            "Signed out here; the server was not told ({e}), so its session ends when unused."
        )),
    }
    if out.json {
        out.json(&json!({"signed_out": true}));
    }
    Ok(())
}

pub fn sync_now(home: &Home, out: Out) -> Result<(), CliError> {
    let (account, token) = home.session()?;
    let remote = Remote::new(&account.url)?;
    let mut store = home.replica()?;
    let totals = sync_with_progress(&mut store, &remote, &token)?;
    store.close()?;
    if out.json {
        out.json(&totals);
    } else {
        out.say(&format!(
            "Synced: {} changes sent, {} received.",
            totals.pushed, totals.pulled
        ));
    }
    Ok(())
}
