//! The schema, as an ordered list of migrations. The version reached is kept in
//! `PRAGMA user_version`, written in the same transaction as the migration, so
//! a crash leaves the file at one version or the next, never between.

use rusqlite::{Connection, Transaction};

use crate::StoreError;

/// One step of the schema.
pub struct Migration {
    pub version: u32,
    pub sql: &'static str,
    /// Data to move after `sql`, in the same transaction.
    pub data: Option<fn(&Transaction<'_>) -> rusqlite::Result<()>>,
    /// Whether the step changes replicated tables, which every peer of a sync
    /// must have in the same shape. A local step (an index, a trigger) needs no
    /// coordinated upgrade.
    pub replicated: bool,
}

/// Every migration, oldest first; versions are consecutive from 1.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!(concat!(env!("OUT_DIR"), "/0001_notes.sql")),
        data: None,
        replicated: true,
    },
    Migration {
        version: 2,
        sql: include_str!(concat!(env!("OUT_DIR"), "/0002_lines_history_trash.sql")),
        data: Some(crate::notes::migrate::bodies_to_lines),
        replicated: true,
    },
    Migration {
        version: 3,
        sql: include_str!(concat!(env!("OUT_DIR"), "/0003_cheaper_index_triggers.sql")),
        data: None,
        replicated: false,
    },
    Migration {
        version: 4,
        sql: include_str!(concat!(env!("OUT_DIR"), "/0004_server_epochs.sql")),
        data: None,
        replicated: false,
    },
    Migration {
        version: 5,
        sql: include_str!(concat!(env!("OUT_DIR"), "/0005_server_sites.sql")),
        data: None,
        replicated: false,
    },
    Migration {
        version: 6,
        sql: include_str!(concat!(env!("OUT_DIR"), "/0006_list_previews.sql")),
        data: None,
        replicated: false,
    },
    Migration {
        version: 7,
        sql: include_str!(concat!(env!("OUT_DIR"), "/0007_devices.sql")),
        data: None,
        replicated: true,
    },
    Migration {
        version: 8,
        sql: include_str!(concat!(env!("OUT_DIR"), "/0008_search.sql")),
        data: None,
        replicated: false,
    },
    Migration {
        version: 9,
        sql: include_str!(concat!(env!("OUT_DIR"), "/0009_pins.sql")),
        data: None,
        replicated: true,
    },
    Migration {
        version: 10,
        sql: include_str!(concat!(env!("OUT_DIR"), "/0010_tags.sql")),
        data: None,
        replicated: false,
    },
];

/// The version this build migrates files to (`PRAGMA user_version`).
pub const LATEST_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// The shape of the replicated tables, which this build sends to sync peers
/// and expects from them: the last migration that changed a replicated table.
pub const SCHEMA_VERSION: u32 = {
    let mut i = MIGRATIONS.len();
    while !MIGRATIONS[i - 1].replicated {
        i -= 1;
    }
    MIGRATIONS[i - 1].version
};

pub(crate) fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings `conn` up to [`LATEST_VERSION`]; refuses a file from a newer build.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found = schema_version(conn)?;
    if found > LATEST_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: LATEST_VERSION,
        });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > found) {
        let run = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            tx.execute_batch(m.sql)?;
            if let Some(data) = m.data {
                data(&tx)?;
            }
            tx.pragma_update(None, "user_version", m.version)?;
            tx.commit()
        };
        run(conn).map_err(|source| StoreError::Migration {
            version: m.version,
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_versions_are_consecutive_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1);
        }
    }

    #[test]
    fn the_replicated_schema_version_is_the_last_replicated_step() {
        assert_eq!(LATEST_VERSION, 10);
        assert_eq!(SCHEMA_VERSION, 9);
        assert!(!MIGRATIONS[5].replicated, "list previews are local");
        assert!(!MIGRATIONS[7].replicated, "the search index is local");
        assert!(MIGRATIONS[8].replicated, "pins replicate");
        assert!(!MIGRATIONS[9].replicated, "tags are derived locally");
    }
}
