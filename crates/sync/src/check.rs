//! Whether a change fits the replicated tables (types, the keys the app
//! computes with: ids, line positions, lineages, site ids, and the bounded
//! text of device names), checked by the server on what
//! a client pushes and by a client on what the server answers. cr-sqlite
//! would merge a blob into a text column, or text into a key's integer, and
//! relay it to every device, where the note it belongs to no longer reads:
//! such a change is refused, with the reason, before anything is merged.
//! Names are quoted by hand, not with `{:?}`: Debug formatting of text
//! brings Unicode tables into the browser's download.

use store::devices::check_device_name;
use store::notes::KeyKind;
use store::schema::{Column, ColumnType, CrrSchema};
use store::{Change, Value};

use crate::pk::{self, PkValue};

/// Checks `c` against `schema`; the reason, in words, if it does not fit.
pub fn change(c: &Change, schema: &CrrSchema) -> Result<(), String> {
    let table = schema
        .table(&c.table)
        .ok_or_else(|| format!("unknown table \"{}\"", c.table))?;
    if c.cid == "-1" {
        if c.val != Value::Null {
            return Err("a row sentinel (cid \"-1\") carries no value: send null".into());
        }
    } else {
        let column = table
            .column(&c.cid)
            .ok_or_else(|| format!("unknown column \"{}\" of table \"{}\"", c.cid, c.table))?;
        value_fits(&c.val, column)
            .and_then(|()| match (&c.val, KeyKind::of(&c.table, &c.cid)) {
                (Value::Text(key), Some(kind)) => kind.check(key).map_err(String::from),
                (Value::Text(name), None) if c.table == "devices" && c.cid == "name" => {
                    check_device_name(name).map_err(String::from)
                }
                _ => Ok(()),
            })
            .map_err(|why| format!("column \"{}\" of table \"{}\" {why}", c.cid, c.table))?;
    }
    let values = pk::decode(&c.pk, table.pk.len()).map_err(|why| {
        format!(
            "pk is not a packed primary key of {} column(s) for table \"{}\": {why}",
            table.pk.len(),
            c.table
        )
    })?;
    for (value, column) in values.iter().zip(&table.pk) {
        key_fits(value, column)
            .and_then(|()| match (value, KeyKind::of(&c.table, &column.name)) {
                (PkValue::Text(key), Some(kind)) => kind.check(key).map_err(String::from),
                _ => Ok(()),
            })
            .map_err(|why| {
                format!(
                    "pk column \"{}\" of table \"{}\" {why}",
                    column.name, c.table
                )
            })?;
    }
    Ok(())
}

fn value_fits(val: &Value, column: &Column) -> Result<(), String> {
    let fits = match (val, column.kind) {
        (Value::Null, _) => !column.not_null,
        (_, ColumnType::Any) => true,
        (Value::Integer(_), ColumnType::Integer | ColumnType::Real) => true,
        (Value::Real(_), ColumnType::Real) => true,
        (Value::Text(_), ColumnType::Text) => true,
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(format!("holds {}, not {}", expected(column), kind_of(val)))
    }
}

fn key_fits(value: &PkValue<'_>, column: &Column) -> Result<(), String> {
    let fits = match (value, column.kind) {
        (PkValue::Null, _) => false,
        (_, ColumnType::Any) => true,
        (PkValue::Integer, ColumnType::Integer | ColumnType::Real) => true,
        (PkValue::Float, ColumnType::Real) => true,
        (PkValue::Text(_), ColumnType::Text) => true,
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        let found = match value {
            PkValue::Integer => "an integer",
            PkValue::Float => "a float",
            PkValue::Text(_) => "text",
            PkValue::Blob(_) => "a blob",
            PkValue::Null => "NULL",
        };
        Err(format!(
            "holds {}, not {found}",
            expected(&Column {
                not_null: true,
                ..column.clone()
            })
        ))
    }
}

fn expected(column: &Column) -> String {
    let kind = match column.kind {
        ColumnType::Integer => "an integer",
        ColumnType::Text => "text",
        ColumnType::Real => "a number",
        ColumnType::Any => "a value",
    };
    if column.not_null {
        kind.to_string()
    } else {
        format!("{kind} or NULL")
    }
}

fn kind_of(val: &Value) -> &'static str {
    match val {
        Value::Null => "NULL",
        Value::Integer(_) => "an integer",
        Value::Real(_) => "a float",
        Value::Text(_) => "text",
        Value::Blob(_) => "a blob",
    }
}
