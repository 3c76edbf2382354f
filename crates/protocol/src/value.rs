//! Lossless encoding of SQLite values in JSON.
//!
//! JSON numbers cannot carry every i64 (JavaScript loses precision past 2^53)
//! nor every f64 (no -0.0 guarantee, no infinities), so values are tagged:
//! `null`, `{"int":"-42"}` (decimal string), `{"real":"3fb999999999999a"}`
//! (the IEEE-754 bits, 16 lowercase hex digits), `{"text":"..."}`,
//! `{"blob":"AAEC"}` (standard base64 with padding).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

/// A SQLite value as it travels. `None` in an `Option<WireValue>` is SQL NULL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum WireValue {
    Int(String),
    Real(String),
    Text(String),
    Blob(String),
}

/// A value that is not well formed for its tag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("int value {0:?} is not a decimal 64-bit integer")]
    BadInt(String),
    #[error("real value {0:?} is not 16 hex digits of IEEE-754 bits")]
    BadReal(String),
    #[error("real value is NaN, which SQLite stores as NULL: send null")]
    NaN,
    #[error("blob value is not valid base64: {0}")]
    BadBlob(String),
}

/// A decoded value, independent of any SQLite binding.
#[derive(Clone, Debug, PartialEq)]
pub enum Decoded {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl WireValue {
    pub fn int(v: i64) -> Self {
        Self::Int(v.to_string())
    }
    pub fn real(v: f64) -> Self {
        Self::Real(format!("{:016x}", v.to_bits()))
    }
    pub fn blob(v: &[u8]) -> Self {
        Self::Blob(BASE64.encode(v))
    }

    /// Decodes `value` (None is NULL), refusing anything malformed.
    pub fn decode(value: Option<&WireValue>) -> Result<Decoded, ValueError> {
        Ok(match value {
            None => Decoded::Null,
            Some(Self::Int(s)) => {
                // Only canonical decimal: no "+", spaces or leading zeros games.
                let v: i64 = s.parse().map_err(|_| ValueError::BadInt(s.clone()))?;
                if v.to_string() != *s {
                    return Err(ValueError::BadInt(s.clone()));
                }
                Decoded::Int(v)
            }
            Some(Self::Real(s)) => {
                let ok = s.len() == 16 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
                let bits = u64::from_str_radix(s, 16)
                    .ok()
                    .filter(|_| ok)
                    .ok_or_else(|| ValueError::BadReal(s.clone()))?;
                let v = f64::from_bits(bits);
                if v.is_nan() {
                    return Err(ValueError::NaN);
                }
                Decoded::Real(v)
            }
            Some(Self::Text(s)) => Decoded::Text(s.clone()),
            Some(Self::Blob(s)) => Decoded::Blob(
                BASE64
                    .decode(s)
                    .map_err(|e| ValueError::BadBlob(e.to_string()))?,
            ),
        })
    }
}

impl From<&Decoded> for Option<WireValue> {
    fn from(v: &Decoded) -> Self {
        match v {
            Decoded::Null => None,
            Decoded::Int(i) => Some(WireValue::int(*i)),
            Decoded::Real(r) => Some(WireValue::real(*r)),
            Decoded::Text(t) => Some(WireValue::Text(t.clone())),
            Decoded::Blob(b) => Some(WireValue::blob(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(d: Decoded) -> Decoded {
        let wire: Option<WireValue> = (&d).into();
        let json = serde_json::to_string(&wire).unwrap();
        let back: Option<WireValue> = serde_json::from_str(&json).unwrap();
        WireValue::decode(back.as_ref()).unwrap()
    }

    #[test]
    fn extreme_integers_survive_json() {
        for v in [i64::MIN, i64::MAX, 0, -1, (1 << 53) + 1] {
            assert_eq!(round_trip(Decoded::Int(v)), Decoded::Int(v));
        }
    }

    #[test]
    fn floats_survive_json_bit_for_bit() {
        for v in [
            0.1,
            -0.0,
            1e308,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            5e-324,
        ] {
            match round_trip(Decoded::Real(v)) {
                Decoded::Real(r) => assert_eq!(r.to_bits(), v.to_bits()),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn text_blob_and_null_stay_distinct() {
        let text = Decoded::Text("😀 ünï".into());
        let empty_text = Decoded::Text(String::new());
        let blob = Decoded::Blob(vec![0, 255]);
        let empty_blob = Decoded::Blob(vec![]);
        for d in [text, empty_text, blob, empty_blob, Decoded::Null] {
            assert_eq!(round_trip(d.clone()), d);
        }
        assert_eq!(
            serde_json::to_string(&Option::<WireValue>::None).unwrap(),
            "null"
        );
    }

    #[test]
    fn malformed_values_are_refused() {
        let bad = [
            WireValue::Int("12a".into()),
            WireValue::Int("+1".into()),
            WireValue::Int("9223372036854775808".into()),
            WireValue::Int("01".into()),
            WireValue::Real("3fb9".into()),
            WireValue::Real("3FB999999999999A".into()),
            WireValue::Real("7ff8000000000000".into()),
            WireValue::Blob("not base64!".into()),
        ];
        for v in bad {
            assert!(WireValue::decode(Some(&v)).is_err(), "{v:?}");
        }
    }
}
