//! The replicated tables as this database declares them: names, primary key
//! columns in key order, other columns, each with its type and whether it may
//! be NULL. Read once per open database (the schema only changes by a
//! migration, which runs before anything else), so that checking a change
//! from a peer costs no query.

use crate::{Store, StoreError};

/// What a column holds, from its declared type (SQLite's affinity rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Integer,
    Text,
    /// REAL: a float, or an integer SQLite turns into one.
    Real,
    /// BLOB, no declared type, or NUMERIC: SQLite keeps any value as it is.
    Any,
}

impl ColumnType {
    fn declared(decl: &str) -> Self {
        // https://www.sqlite.org/datatype3.html, 3.1: the first rule that
        // matches wins.
        let decl = decl.to_ascii_uppercase();
        if decl.contains("INT") {
            Self::Integer
        } else if ["CHAR", "CLOB", "TEXT"].iter().any(|t| decl.contains(t)) {
            Self::Text
        } else if ["REAL", "FLOA", "DOUB"].iter().any(|t| decl.contains(t)) {
            Self::Real
        } else {
            Self::Any
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnType,
    pub not_null: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrrTable {
    /// Primary key columns, in the key's order (the order of a packed pk).
    pub pk: Vec<Column>,
    /// Every other column.
    pub columns: Vec<Column>,
}

impl CrrTable {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Every table cr-sqlite replicates in this database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrrSchema {
    // A handful of tables: a list is smaller in the browser's download than
    // a map, and as fast.
    tables: Vec<(String, CrrTable)>,
}

impl CrrSchema {
    pub fn table(&self, name: &str) -> Option<&CrrTable> {
        self.tables.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    pub fn table_names(&self) -> impl Iterator<Item = &str> {
        self.tables.iter().map(|(n, _)| n.as_str())
    }

    fn read(conn: &rusqlite::Connection) -> Result<Self, StoreError> {
        let mut names = conn.prepare(
            r"SELECT substr(name, 1, length(name) - 13) FROM sqlite_master
              WHERE type = 'table' AND name LIKE '%\_\_crsql\_clock' ESCAPE '\'",
        )?;
        let names: Vec<String> = names
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut info =
            conn.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1)")?;
        let mut tables = Vec::new();
        for name in names {
            let mut pk: Vec<(i64, Column)> = Vec::new();
            let mut columns = Vec::new();
            let rows = info.query_map([&name], |r| {
                Ok((
                    Column {
                        name: r.get(0)?,
                        kind: ColumnType::declared(&r.get::<_, String>(1)?),
                        not_null: r.get(2)?,
                    },
                    r.get::<_, i64>(3)?,
                ))
            })?;
            for row in rows {
                let (column, key_index) = row?;
                if key_index > 0 {
                    pk.push((key_index, column));
                } else {
                    columns.push(column);
                }
            }
            // Into key order by hand: a sort would bring a sorting routine
            // into the browser's download for a list of at most a few keys.
            let mut ordered = Vec::with_capacity(pk.len());
            for i in 1..=pk.len() {
                if let Some(at) = pk.iter().position(|(k, _)| usize::try_from(*k) == Ok(i)) {
                    ordered.push(pk.swap_remove(at).1);
                }
            }
            let pk = ordered;
            tables.push((name, CrrTable { pk, columns }));
        }
        Ok(Self { tables })
    }
}

impl Store {
    /// The replicated tables, read from the database the first time.
    pub fn crr_schema(&self) -> Result<&CrrSchema, StoreError> {
        if let Some(schema) = self.crr_schema.get() {
            return Ok(schema);
        }
        let schema = CrrSchema::read(self.conn())?;
        Ok(self.crr_schema.get_or_init(|| schema))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_follow_sqlite_affinity() {
        for (decl, kind) in [
            ("INTEGER", ColumnType::Integer),
            ("bigint", ColumnType::Integer),
            ("TEXT", ColumnType::Text),
            ("VARCHAR(10)", ColumnType::Text),
            ("REAL", ColumnType::Real),
            ("DOUBLE", ColumnType::Real),
            ("BLOB", ColumnType::Any),
            ("", ColumnType::Any),
            ("NUMERIC", ColumnType::Any),
        ] {
            assert_eq!(ColumnType::declared(decl), kind, "{decl}");
        }
    }
}
