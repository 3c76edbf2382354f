//! Times as people and other apps read them (RFC 3339, UTC), and back.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn system_time(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// `ms` since the Unix epoch as RFC 3339 in UTC, to the millisecond; a
/// time before 1970 as 1970's start.
pub(crate) fn rfc3339(ms: i64) -> String {
    humantime::format_rfc3339_millis(system_time(ms)).to_string()
}

/// An RFC 3339 time in UTC (`Z`), with or without fractions of a second, as
/// milliseconds since the Unix epoch.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    let at = humantime::parse_rfc3339_weak(text.trim()).ok()?;
    let since = at.duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(since.as_millis()).ok()
}

/// A time's calendar parts in UTC: year, month, day, hour, minute, second.
pub(crate) fn parts(ms: i64) -> [u16; 6] {
    // The fixed layout of RFC 3339: "2026-12-07T19:00:00Z".
    let text = humantime::format_rfc3339_seconds(system_time(ms)).to_string();
    let at = |from: usize, to: usize| text.get(from..to).and_then(|d| d.parse().ok()).unwrap_or(0);
    [
        at(0, 4),
        at(5, 7),
        at(8, 10),
        at(11, 13),
        at(14, 16),
        at(17, 19),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_go_out_and_back_to_the_millisecond() {
        let ms = 1_765_130_000_123;
        assert_eq!(parse_rfc3339(&rfc3339(ms)), Some(ms));
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            parse_rfc3339("2026-12-07T19:00:00Z"),
            Some(1_796_670_000_000)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parts(1_796_670_000_000), [2026, 12, 7, 19, 0, 0]);
    }
}
