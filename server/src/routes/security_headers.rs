//! Security headers on every response: a Content-Security-Policy that lets
//! the page run only its own files and the inline scripts of the
//! `index.html` being served (by their SHA-256), and no
//! framing, sniffing or referrer.
//!
//! The API's JSON answers get them too: harmless there, and one layer for
//! all cannot miss a page.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

pub struct SecurityHeaders {
    index: PathBuf,
    /// The policy, and the modification time of the `index.html` it was
    /// made for: a new build put into the static directory while the server
    /// runs gets a policy for its own scripts with its first page.
    policy: Mutex<(Option<SystemTime>, HeaderValue)>,
}

impl SecurityHeaders {
    /// For the app in `static_dir`; without an `index.html` there (the API
    /// alone, as in tests) the policy allows no inline script at all.
    pub fn for_app(static_dir: &Path) -> Arc<Self> {
        let index = static_dir.join("index.html");
        let modified = modified(&index);
        let policy = policy_for(&index);
        Arc::new(Self {
            index,
            policy: Mutex::new((modified, policy)),
        })
    }

    /// The policy for a response; for a page, checked against the file first.
    fn policy(&self, page: bool) -> HeaderValue {
        let mut cached = self.policy.lock().unwrap_or_else(PoisonError::into_inner);
        if page {
            let now = modified(&self.index);
            if now != cached.0 {
                *cached = (now, policy_for(&self.index));
            }
        }
        cached.1.clone()
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn policy_for(index: &Path) -> HeaderValue {
    let html = std::fs::read_to_string(index).ok();
    HeaderValue::from_str(&content_security_policy(html.as_deref())).unwrap_or_else(|_| {
        // Hashes are base64 and the rest is ASCII written here: never.
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'")
    })
}

/// The policy for a page whose `index.html` is `index` (if any):
/// - scripts: the app's own files, compiling its wasm, and the inline
///   scripts of `index.html` (the worker's start and trunk's loader);
/// - no inline styles: the app writes no `style` attribute (styles set from
///   code go through the CSSOM, which a policy does not restrict);
/// - fetches, workers and the live stream to this origin only.
pub fn content_security_policy(index: Option<&str>) -> String {
    let mut scripts = String::from("'self' 'wasm-unsafe-eval'");
    for script in index.map(inline_scripts).unwrap_or_default() {
        let digest = Sha256::digest(script.as_bytes());
        scripts.push_str(" 'sha256-");
        scripts.push_str(&base64::engine::general_purpose::STANDARD.encode(digest));
        scripts.push('\'');
    }
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The text of each inline `<script>` (one without `src`) of an HTML page,
/// as a browser hashes it: its raw text, line ends made `\n` as the HTML
/// parser does. Comments are skipped. Written for trunk's regular output,
/// not for any HTML: a script it misses is blocked, which the journeys see.
fn inline_scripts(html: &str) -> Vec<String> {
    // ASCII lowercasing keeps every byte offset, so positions found in
    // `lower` cut `html` at the same (ASCII, so char) boundaries.
    let lower = html.to_ascii_lowercase();
    let mut scripts = Vec::new();
    let mut at = 0;
    loop {
        let rest = &lower[at..];
        let comment = rest.find("<!--");
        let Some(open) = find_open_tag(rest) else {
            break;
        };
        if let Some(c) = comment.filter(|&c| c < open) {
            match rest[c + 4..].find("-->") {
                Some(end) => at += c + 4 + end + 3,
                None => break,
            }
            continue;
        }
        let tag_start = at + open;
        let Some(tag_len) = lower[tag_start..].find('>') else {
            break;
        };
        let body = tag_start + tag_len + 1;
        let Some(body_len) = lower[body..].find("</script") else {
            break;
        };
        if !has_src(&lower[tag_start..tag_start + tag_len]) {
            let text = &html[body..body + body_len];
            scripts.push(text.replace("\r\n", "\n").replace('\r', "\n"));
        }
        at = body + body_len + "</script".len();
    }
    scripts
}

/// Where the next `<script` tag (not `<scripts…`) starts in lowercased HTML.
fn find_open_tag(lower: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = lower[from..].find("<script") {
        let at = from + i;
        match lower.as_bytes().get(at + "<script".len()) {
            Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') => return Some(at),
            _ => from = at + 1,
        }
    }
    None
}

/// Whether an opening `<script …` tag (lowercased, without its `>`) has a
/// `src` attribute.
fn has_src(tag: &str) -> bool {
    tag.split(|c: char| c.is_ascii_whitespace() || c == '/')
        .any(|word| word == "src" || word.starts_with("src="))
}

pub async fn add(State(headers): State<Arc<SecurityHeaders>>, mut response: Response) -> Response {
    // Pages are index.html (its inline scripts are what changes); a stat
    // and a small read, next to sending the file itself.
    let page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    let policy = headers.policy(page);
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, policy);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // For browsers that predate frame-ancestors.
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

#[cfg(test)]
mod tests {
    use super::{content_security_policy, inline_scripts};

    #[test]
    fn finds_inline_scripts_only_as_the_browser_hashes_them() {
        let html = "<!DOCTYPE html><html><head>\r\n\
            <!-- <script>not this</script> -->\
            <script type=\"module\">\r\nlet a = 1;\r\n</script>\
            <script src=\"/app.js\"></script>\
            <SCRIPT>b()</SCRIPT >\
            <scripts>no</scripts>\
            <script\ttype=module data-x=\"src\">c()</script>\
            </head><body><script></script></body></html>";
        assert_eq!(
            inline_scripts(html),
            ["\nlet a = 1;\n", "b()", "c()", ""].map(String::from)
        );
        assert!(inline_scripts("<p>no scripts</p><script>unterminated").is_empty());
    }

    #[test]
    fn the_policy_hashes_each_inline_script_and_allows_no_inline_otherwise() {
        // printf 'alert(1)' | openssl dgst -sha256 -binary | base64
        let policy = content_security_policy(Some("<script>alert(1)</script>"));
        assert!(
            policy.contains(
                "script-src 'self' 'wasm-unsafe-eval' \
                 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=';"
            ),
            "{policy}"
        );
        let bare = content_security_policy(None);
        assert!(
            bare.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "{bare}"
        );
        for policy in [policy, bare] {
            assert!(!policy.contains("unsafe-inline"), "{policy}");
            assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
            assert!(policy.contains("object-src 'none'"), "{policy}");
            assert!(policy.contains("base-uri 'none'"), "{policy}");
        }
    }
}
