//! A strict check of cr-sqlite's packed primary keys, in safe Rust, so that
//! bytes from the network are vetted before any of them reach cr-sqlite.
//!
//! The format (cr-sqlite 0.16 `pack_columns`): one byte with the column count,
//! then per column a byte whose low 3 bits are the SQLite type and whose high
//! 5 bits are a width `w` (0..=8), followed by:
//! integer: a `w`-byte big-endian signed integer; float: 8 bytes;
//! text/blob: a `w`-byte length, then that many bytes (text in UTF-8); null: nothing.

const INTEGER: u8 = 1;
const FLOAT: u8 = 2;
const TEXT: u8 = 3;
const BLOB: u8 = 4;
const NULL: u8 = 5;

/// One column of a packed key, as far as checking it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PkValue<'a> {
    Integer,
    Float,
    Text(&'a str),
    Blob(&'a [u8]),
    Null,
}

/// Checks that `pk` is one well-formed package of exactly `columns` columns
/// with no trailing bytes.
pub fn validate(pk: &[u8], columns: usize) -> Result<(), &'static str> {
    decode(pk, columns).map(|_| ())
}

/// The columns of `pk`, which must be one well-formed package of exactly
/// `columns` columns with no trailing bytes.
pub fn decode(pk: &[u8], columns: usize) -> Result<Vec<PkValue<'_>>, &'static str> {
    let (&count, mut rest) = pk.split_first().ok_or("pk is empty")?;
    if count as usize != columns {
        return Err("pk has the wrong number of columns");
    }
    let mut take = |n: usize| -> Result<&[u8], &'static str> {
        if rest.len() < n {
            return Err("pk is truncated");
        }
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Ok(head)
    };
    let mut values = Vec::with_capacity(columns);
    for _ in 0..count {
        let tag = take(1)?[0];
        let width = (tag >> 3) as usize;
        if width > 8 {
            return Err("pk has an integer wider than 8 bytes");
        }
        let value = match tag & 0x07 {
            INTEGER => {
                take(width)?;
                PkValue::Integer
            }
            FLOAT => {
                take(8)?;
                PkValue::Float
            }
            kind @ (TEXT | BLOB) => {
                let len_bytes = take(width)?;
                let mut len: i64 = if len_bytes.first().is_some_and(|b| b & 0x80 != 0) {
                    -1
                } else {
                    0
                };
                for b in len_bytes {
                    len = (len << 8) | i64::from(*b);
                }
                let len = usize::try_from(len).map_err(|_| "pk has a negative length")?;
                let bytes = take(len)?;
                if kind == TEXT {
                    PkValue::Text(
                        std::str::from_utf8(bytes).map_err(|_| "pk has text that is not UTF-8")?,
                    )
                } else {
                    PkValue::Blob(bytes)
                }
            }
            NULL => PkValue::Null,
            _ => return Err("pk has an unknown column type"),
        };
        values.push(value);
    }
    if !rest.is_empty() {
        return Err("pk has trailing bytes");
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn packages_made_by_cr_sqlite_are_accepted() {
        let s = store::Store::open_in_memory().unwrap();
        s.conn()
            .execute_batch(
                "CREATE TABLE t (a NOT NULL, b NOT NULL, c NOT NULL, PRIMARY KEY (a, b, c));
                 SELECT crsql_as_crr('t');",
            )
            .unwrap();
        s.conn()
            .execute(
                "INSERT INTO t VALUES (?1, ?2, ?3)",
                (i64::MIN, "ünï 😀", vec![0u8, 1, 2]),
            )
            .unwrap();
        s.conn()
            .execute("INSERT INTO t VALUES (1.5, '', x'')", [])
            .unwrap();
        s.conn()
            .execute("INSERT INTO t VALUES (0, 300, 70000)", [])
            .unwrap();
        let pks: Vec<Vec<u8>> = s
            .conn()
            .prepare("SELECT DISTINCT pk FROM crsql_changes")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(pks.len(), 3);
        for pk in pks {
            assert_eq!(validate(&pk, 3), Ok(()), "{pk:?}");
            assert!(validate(&pk, 2).is_err());
            for cut in 0..pk.len() {
                assert!(validate(&pk[..cut], 3).is_err(), "prefix {cut} of {pk:?}");
            }
            let mut longer = pk.clone();
            longer.push(0);
            assert!(validate(&longer, 3).is_err());
        }
    }

    #[test]
    fn malformed_packages_are_refused() {
        for bad in [
            &[][..],
            &[1],
            &[1, 0x48],                // integer of width 9
            &[1, 0x0b, 2, 0xff, 0xfe], // text, not UTF-8
            &[1, 0x0c, 0xff],          // blob of negative length
            &[1, 0x06],                // type 6 does not exist
            &[1, 0x02, 1, 2, 3],       // float of 3 bytes
        ] {
            assert!(validate(bad, 1).is_err(), "{bad:?}");
        }
    }
}
