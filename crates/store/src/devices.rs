//! Device names: each replica names itself in the replicated `devices` table
//! (one row per site id), so that a conflict copy can say which device wrote
//! it. Lines are never updated, only inserted and deleted, so the site that
//! wrote a line's text in cr-sqlite's clock is the device that wrote the line.

use rusqlite::{OptionalExtension, params};

use crate::{Store, StoreError};

/// A device that wrote something, as it named itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub name: String,
    /// This replica (cr-sqlite's site ordinal 0).
    pub this_one: bool,
}

/// Longest device name, in characters.
pub const MAX_DEVICE_NAME_CHARS: usize = 60;

/// `name` as it is kept: trimmed, without control characters, at most
/// [`MAX_DEVICE_NAME_CHARS`]; `None` if nothing is left.
pub fn clean_device_name(name: &str) -> Option<String> {
    let kept: String = name
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(MAX_DEVICE_NAME_CHARS)
        .collect();
    let kept = kept.trim_end().to_owned();
    (!kept.is_empty()).then_some(kept)
}

/// Whether `name` could be a device name another replica wrote: what
/// [`clean_device_name`] keeps, or empty. Names are shown to the user and
/// nothing else: the bound keeps a crafted one from filling the screen.
pub fn check_device_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || clean_device_name(name).as_deref() == Some(name) {
        Ok(())
    } else {
        Err("is not a device name: at most 60 characters, no control characters or spaces around")
    }
}

/// A name for a browser's replica until the user gives one: the browser and
/// the system its user agent names, as "Chrome on Android".
pub fn default_device_name(user_agent: &str) -> String {
    let has = |s: &str| user_agent.contains(s);
    let browser = if has("Edg/") {
        "Edge"
    } else if has("OPR/") {
        "Opera"
    } else if has("Firefox/") {
        "Firefox"
    } else if has("Chrome/") || has("Chromium/") {
        "Chrome"
    } else if has("Safari/") {
        "Safari"
    } else {
        "A browser"
    };
    let system = if has("Android") {
        "Android"
    } else if has("iPhone") {
        "iPhone"
    } else if has("iPad") {
        "iPad"
    } else if has("CrOS") {
        "ChromeOS"
    } else if has("Macintosh") || has("Mac OS X") {
        "a Mac"
    } else if has("Windows") {
        "Windows"
    } else if has("Linux") {
        "Linux"
    } else {
        return browser.to_owned();
    };
    format!("{browser} on {system}")
}

/// This replica's site id as `devices` keys it: 32 lowercase hex digits.
const OWN_SITE: &str = "SELECT lower(hex(site_id)) FROM crsql_site_id WHERE ordinal = 0";

impl Store {
    /// This replica's name, if it has one.
    pub fn device_name(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "SELECT name FROM devices WHERE site_id = ({OWN_SITE}) AND name != ''"
            ))?
            .query_row([], |r| r.get(0))
            .optional()?)
    }

    /// Names this replica (see [`clean_device_name`]). Writes only when the
    /// name changes: a row written is a change every device receives.
    /// Returns whether it wrote.
    pub fn set_device_name(&mut self, name: &str) -> Result<bool, StoreError> {
        let Some(name) = clean_device_name(name) else {
            return Ok(false);
        };
        if self.device_name()?.as_deref() == Some(name.as_str()) {
            return Ok(false);
        }
        let tx = self.conn_mut().transaction()?;
        let updated = tx.execute(
            &format!("UPDATE devices SET name = ?1 WHERE site_id = ({OWN_SITE})"),
            [&name],
        )?;
        if updated == 0 {
            tx.execute(
                &format!("INSERT INTO devices (site_id, name) SELECT ({OWN_SITE}), ?1"),
                [&name],
            )?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// The device that wrote version `line_id` of a line of `note_id`, if
    /// it named itself.
    pub(crate) fn writer_of_line(
        &self,
        note_id: &str,
        line_id: &str,
    ) -> Result<Option<Device>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT d.name, c.site_id = 0 FROM lines__crsql_pks k
                   JOIN lines__crsql_clock c ON c.key = k.__crsql_key AND c.col_name = 'text'
                   JOIN crsql_site_id s ON s.ordinal = c.site_id
                   JOIN devices d ON d.site_id = lower(hex(s.site_id))
                  WHERE k.note_id = ?1 AND k.id = ?2 AND d.name != ''",
            )?
            .query_row(params![note_id, line_id], |r| {
                Ok(Device {
                    name: r.get(0)?,
                    this_one: r.get(1)?,
                })
            })
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::{clean_device_name, default_device_name};
    use crate::Store;

    #[test]
    fn a_device_name_is_trimmed_bounded_and_written_only_when_it_changes() {
        assert_eq!(
            clean_device_name("  Chrome\u{7} on Linux \n"),
            Some("Chrome on Linux".into())
        );
        assert_eq!(clean_device_name(" \t"), None);
        assert_eq!(
            clean_device_name(&"x".repeat(100)).map(|n| n.len()),
            Some(60)
        );

        let uas = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on a Mac",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0",
                "Edge on Windows",
            ),
            ("curl/8.5", "A browser"),
        ];
        for (ua, name) in uas {
            assert_eq!(default_device_name(ua), name);
        }

        let mut s = Store::open_in_memory().unwrap();
        assert_eq!(s.device_name().unwrap(), None);
        assert!(s.set_device_name("Laptop").unwrap());
        assert!(
            !s.set_device_name(" Laptop ").unwrap(),
            "unchanged: nothing written"
        );
        assert!(s.set_device_name("Work laptop").unwrap());
        assert_eq!(s.device_name().unwrap().as_deref(), Some("Work laptop"));
        let rows: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM devices", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);

        // A replica that takes a new site id (a copied file) keeps its name.
        s.take_new_site_id().unwrap();
        assert_eq!(s.device_name().unwrap().as_deref(), Some("Work laptop"));
    }
}
