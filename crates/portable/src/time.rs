//! Times as people and other apps read them (RFC 3339, UTC), and back.

/// `ms` since the Unix epoch as RFC 3339 in UTC; a time out of range as 0.
pub(crate) fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_string()
}

/// An RFC 3339 time (any offset) as milliseconds since the Unix epoch.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    text.trim()
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_go_out_and_back_to_the_millisecond() {
        let ms = 1_765_130_000_123;
        assert_eq!(parse_rfc3339(&rfc3339(ms)), Some(ms));
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            parse_rfc3339("2026-12-07T20:00:00+01:00"),
            parse_rfc3339("2026-12-07T19:00:00Z")
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
