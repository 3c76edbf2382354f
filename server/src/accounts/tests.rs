use super::*;

impl Accounts {
    fn authenticate_at(&self, token: &str, now: i64) -> Result<UserId, AccountError> {
        self.session_at(token, now).map(|s| s.user)
    }
}

const DAY: Duration = Duration::from_secs(86_400);

#[test]
fn tokens_are_stored_hashed_and_revocable() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = Accounts::open(&dir.path().join("a.db"), SessionTimes::idle(DAY)).unwrap();
    let id = accounts.sign_up("ann", "correct horse").unwrap();
    assert!(matches!(
        accounts.sign_up("ann", "another one"),
        Err(AccountError::Taken)
    ));
    assert!(matches!(
        accounts.sign_in("ann", "wrong pass"),
        Err(AccountError::WrongCredentials)
    ));
    assert!(matches!(
        accounts.sign_in("bob", "correct horse"),
        Err(AccountError::WrongCredentials)
    ));
    let (token, _) = accounts.sign_in("ann", "correct horse").unwrap();
    assert_eq!(accounts.authenticate(&token).unwrap(), id);
    let stored: Vec<u8> = accounts
        .conn()
        .query_row("SELECT token_sha256 FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_ne!(stored, token.as_bytes());
    accounts.sign_out(&token).unwrap();
    assert!(matches!(
        accounts.authenticate(&token),
        Err(AccountError::BadToken)
    ));
}

#[test]
fn a_full_accounts_disk_answers_507_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = Accounts::open(&dir.path().join("a.db"), SessionTimes::idle(DAY)).unwrap();
    // A disk with room for the pages there are now and no more.
    let pages: i64 = accounts
        .conn()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    let _: i64 = accounts
        .conn()
        .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
            r.get(0)
        })
        .unwrap();
    let err = (0..100)
        .find_map(|i| {
            accounts
                .sign_up(&format!("user {i}"), "correct horse")
                .err()
        })
        .expect("the file filled up");
    assert!(err.is_disk_full(), "{err}");
    assert!(!AccountError::Taken.is_disk_full());

    // Answered as the server's lack of room, in words, not as a bug.
    let api = crate::error::ApiError::from(err);
    let words = api.to_string();
    assert!(words.contains("disk is full"), "{words}");
    let response = axum::response::IntoResponse::into_response(api);
    assert_eq!(
        response.status(),
        axum::http::StatusCode::INSUFFICIENT_STORAGE
    );
}

#[test]
fn a_session_ends_when_unused_for_the_idle_time_and_use_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = Accounts::open(&dir.path().join("a.db"), SessionTimes::idle(DAY)).unwrap();
    let id = accounts.sign_up("ann", "correct horse").unwrap();
    let (token, _) = accounts.sign_in("ann", "correct horse").unwrap();
    let start = now();
    let day = 86_400;
    // Used just before the day is over, and again a day after that.
    assert_eq!(
        accounts.authenticate_at(&token, start + day - 10).unwrap(),
        id
    );
    assert_eq!(
        accounts
            .authenticate_at(&token, start + 2 * day - 20)
            .unwrap(),
        id
    );
    // Then unused for more than a day: ended, and for good.
    let later = start + 3 * day;
    assert!(matches!(
        accounts.authenticate_at(&token, later),
        Err(AccountError::BadToken)
    ));
    assert!(matches!(
        accounts.authenticate_at(&token, start),
        Err(AccountError::BadToken)
    ));
    // Signing in again gives a session that works.
    let (again, _) = accounts.sign_in("ann", "correct horse").unwrap();
    assert_eq!(accounts.authenticate(&again).unwrap(), id);
}

#[test]
fn sessions_that_ended_are_forgotten_at_the_next_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = Accounts::open(&dir.path().join("a.db"), SessionTimes::idle(DAY)).unwrap();
    let id = accounts.sign_up("ann", "correct horse").unwrap();
    accounts
        .conn()
        .execute(
            "INSERT INTO sessions (token_sha256, user_id, created_at, used_at)
                 VALUES (x'00', ?1, 0, 0)",
            [id],
        )
        .unwrap();
    accounts.sign_in("ann", "correct horse").unwrap();
    let left: i64 = accounts
        .conn()
        .query_row("SELECT count(*) FROM sessions WHERE used_at = 0", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn sessions_of_an_earlier_release_still_work_and_count_from_their_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let id = Accounts::open(&path, SessionTimes::idle(DAY))
        .unwrap()
        .sign_up("ann", "correct horse")
        .unwrap();
    // The sessions table as releases before the idle time made it.
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE sessions;
                 CREATE TABLE sessions (
                     token_sha256 BLOB PRIMARY KEY,
                     user_id INTEGER NOT NULL REFERENCES users (id),
                     created_at INTEGER NOT NULL
                 );",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO sessions VALUES (?1, ?2, ?3)",
            params![token_digest("old token"), id, now() - 100],
        )
        .unwrap();
    }
    let accounts = Accounts::open(&path, SessionTimes::idle(DAY)).unwrap();
    assert_eq!(accounts.authenticate("old token").unwrap(), id);
    assert!(matches!(
        accounts.authenticate_at("old token", now() + 86_400),
        Err(AccountError::BadToken)
    ));
    // Opening it again leaves it as it is.
    drop(accounts);
    Accounts::open(&path, SessionTimes::idle(DAY)).unwrap();
}

fn open(dir: &tempfile::TempDir) -> Accounts {
    Accounts::open(&dir.path().join("a.db"), SessionTimes::idle(DAY)).unwrap()
}

#[test]
fn a_name_that_reads_like_anothers_is_taken_and_signs_in_to_it_with_its_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = open(&dir);
    let id = accounts.sign_up("Alice", "correct horse").unwrap();
    for look_alike in ["alice", "ALICE", "ａｌｉｃｅ", "Al\u{200B}ice"] {
        assert!(
            matches!(
                accounts.sign_up(look_alike, "another one"),
                Err(AccountError::Taken)
            ),
            "{look_alike:?}"
        );
        let (token, account) = accounts.sign_in(look_alike, "correct horse").unwrap();
        assert_eq!(account.username, "Alice", "the spelling chosen at sign-up");
        assert_eq!(accounts.authenticate(&token).unwrap(), id);
    }
}

#[test]
fn look_alike_accounts_of_an_earlier_release_keep_working_and_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    // accounts.db as releases before caseless names made it.
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE,
                 password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);",
        )
        .unwrap();
        for name in ["bob", "Bob", "carol"] {
            conn.execute(
                "INSERT INTO users (username, password_hash, created_at) VALUES (?1, ?2, 0)",
                params![
                    name,
                    passwords::hash_password(&format!("{name} password")).unwrap()
                ],
            )
            .unwrap();
        }
    }
    let accounts = Accounts::open(&path, SessionTimes::idle(DAY)).unwrap();
    assert_eq!(
        schema::colliding_names(&accounts.conn()).unwrap(),
        vec![vec![1, 2]]
    );
    // Each signs in with its exact spelling; a third spelling matches
    // neither, rather than the wrong one.
    assert_eq!(accounts.sign_in("bob", "bob password").unwrap().1.id, 1);
    assert_eq!(accounts.sign_in("Bob", "Bob password").unwrap().1.id, 2);
    assert!(matches!(
        accounts.sign_in("BOB", "bob password"),
        Err(AccountError::WrongCredentials)
    ));
    assert_eq!(accounts.sign_in("CAROL", "carol password").unwrap().1.id, 3);
    assert!(matches!(
        accounts.sign_up("BOB", "a new password"),
        Err(AccountError::Taken)
    ));
}

#[test]
fn a_session_ends_at_the_end_of_its_lifetime_however_much_it_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let times = SessionTimes {
        idle: DAY,
        lifetime: 10 * DAY,
    };
    let accounts = Accounts::open(&dir.path().join("a.db"), times).unwrap();
    accounts.sign_up("ann", "correct horse").unwrap();
    let (token, _) = accounts.sign_in("ann", "correct horse").unwrap();
    let start = now();
    for day in 1..10 {
        assert!(
            accounts
                .authenticate_at(&token, start + day * 86_400 - 60)
                .is_ok()
        );
    }
    assert!(matches!(
        accounts.authenticate_at(&token, start + 10 * 86_400 + 60),
        Err(AccountError::BadToken)
    ));
}

#[test]
fn signing_out_everywhere_ends_every_session_of_the_account_only() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = open(&dir);
    accounts.sign_up("ann", "correct horse").unwrap();
    accounts.sign_up("bob", "battery staple").unwrap();
    let (phone, _) = accounts.sign_in("ann", "correct horse").unwrap();
    let (laptop, _) = accounts.sign_in("ann", "correct horse").unwrap();
    let (bobs, _) = accounts.sign_in("bob", "battery staple").unwrap();
    let user = accounts.authenticate(&phone).unwrap();
    let ended = accounts.end_sessions(user, None).unwrap();
    assert_eq!(ended.len(), 2);
    for t in [&phone, &laptop] {
        assert!(matches!(
            accounts.authenticate(t),
            Err(AccountError::BadToken)
        ));
    }
    assert!(accounts.authenticate(&bobs).is_ok());
}

#[test]
fn a_new_password_ends_every_other_session_and_the_old_one_stops_working() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = open(&dir);
    accounts.sign_up("ann", "correct horse").unwrap();
    let (here, _) = accounts.sign_in("ann", "correct horse").unwrap();
    let (lost_laptop, _) = accounts.sign_in("ann", "correct horse").unwrap();
    let user = accounts.authenticate(&here).unwrap();
    let ended = accounts
        .change_password(user, "a brand new one", &token_digest(&here))
        .unwrap();
    assert_eq!(ended, vec![token_digest(&lost_laptop)]);
    assert!(accounts.authenticate(&here).is_ok());
    assert!(matches!(
        accounts.authenticate(&lost_laptop),
        Err(AccountError::BadToken)
    ));
    assert!(matches!(
        accounts.sign_in("ann", "correct horse"),
        Err(AccountError::WrongCredentials)
    ));
    assert!(accounts.sign_in("ann", "a brand new one").is_ok());
    assert!(matches!(
        accounts.change_password(user, "short", &token_digest(&here)),
        Err(AccountError::Invalid(_))
    ));
}

#[test]
fn a_deleted_accounts_sessions_say_so_its_name_is_free_and_its_id_never_returns() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = open(&dir);
    let id = accounts.sign_up("ann", "correct horse").unwrap();
    let (phone, _) = accounts.sign_in("ann", "correct horse").unwrap();
    let (laptop, _) = accounts.sign_in("ann", "correct horse").unwrap();
    assert_eq!(accounts.delete(id).unwrap().len(), 2);
    for t in [&phone, &laptop] {
        assert!(matches!(
            accounts.authenticate(t),
            Err(AccountError::Deleted)
        ));
    }
    assert!(matches!(accounts.account(id), Err(AccountError::Deleted)));
    assert!(matches!(
        accounts.sign_in("ann", "correct horse"),
        Err(AccountError::WrongCredentials)
    ));
    assert_eq!(accounts.deleted_users().unwrap(), vec![id]);
    // The name can be taken again, by a new account with a new id (and so
    // a new database file).
    let again = accounts.sign_up("Ann", "a new password").unwrap();
    assert!(again > id);
    let (fresh, _) = accounts.sign_in("ann", "a new password").unwrap();
    assert_eq!(accounts.authenticate(&fresh).unwrap(), again);
    // A stranger's token is still just invalid.
    assert!(matches!(
        accounts.authenticate("never issued"),
        Err(AccountError::BadToken)
    ));
}

#[test]
fn an_empty_file_brought_up_to_the_records_signs_in_and_knows_the_sessions_kept() {
    let dir = tempfile::tempdir().unwrap();
    let times = SessionTimes::idle(DAY);
    let old = Accounts::open(&dir.path().join("old.db"), times).unwrap();
    let ann = old.sign_up("Ann", "correct horse").unwrap();
    let gone = old.sign_up("bob", "battery staple").unwrap();
    let (kept, _) = old.sign_in("ann", "correct horse").unwrap();
    let (ended, _) = old.sign_in("ann", "correct horse").unwrap();
    old.delete(gone).unwrap();
    let accounts = vec![old.record(ann).unwrap(), old.record(gone).unwrap()];
    let sessions = vec![(token_digest(&kept), old.session_record(&kept).unwrap())];
    // A session that went unused for longer than the idle time is not
    // brought back, though its record stayed.
    let mut idle = old.session_record(&ended).unwrap();
    idle.used_at -= 2 * DAY.as_secs() as i64;
    let mut with_idle = sessions.clone();
    with_idle.push((token_digest(&ended), idle));

    let new = Accounts::open(&dir.path().join("new.db"), times).unwrap();
    let done = new.restore(&accounts, &with_idle).unwrap();
    assert_eq!(
        (done.accounts, done.sessions_added, done.skipped),
        (2, 1, 0)
    );
    assert_eq!(new.authenticate(&kept).unwrap(), ann);
    assert!(matches!(
        new.authenticate(&ended),
        Err(AccountError::BadToken)
    ));
    assert!(
        new.sign_in("ANN", "correct horse").is_ok(),
        "the name compares as before"
    );
    assert!(matches!(
        new.sign_in("bob", "battery staple"),
        Err(AccountError::WrongCredentials)
    ));
    assert!(matches!(
        new.sign_up("ann", "x".repeat(12).as_str()),
        Err(AccountError::Taken)
    ));
    // A new account after the restore takes an id of its own.
    let next = new.sign_up("cy", "correct horse").unwrap();
    assert!(next > gone);

    // The older file of a node that held the shard before: a session it
    // knows but the records ended stops working, and so does a password
    // changed elsewhere.
    let stale = Accounts::open(&dir.path().join("old.db"), times).unwrap();
    stale.sign_in("ann", "correct horse").unwrap();
    let mut changed = accounts.clone();
    changed[0].password_hash = crate::accounts::passwords::hash_password("a new password").unwrap();
    let done = stale.restore(&changed, &sessions).unwrap();
    assert_eq!(
        done.sessions_ended, 2,
        "the one ended elsewhere and the one made since"
    );
    assert_eq!(stale.authenticate(&kept).unwrap(), ann);
    assert!(matches!(
        stale.sign_in("ann", "correct horse"),
        Err(AccountError::WrongCredentials)
    ));
    assert!(stale.sign_in("ann", "a new password").is_ok());
}
