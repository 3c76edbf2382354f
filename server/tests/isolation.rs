#![allow(clippy::unwrap_used)]
//! One user's token reaches only that user's data; names that look like paths
//! are just names.

mod common;

use common::*;

#[tokio::test]
async fn a_token_reads_and_writes_only_its_own_users_data() {
    let server = TestServer::start().await;
    let base = server.url("");
    let (ta, tb) = (
        account(&base, "alice", "password a").await,
        account(&base, "bob", "password b").await,
    );
    let mut a = Device::new(&base, &ta);
    let mut b = Device::new(&base, &tb);
    a.put("alice-note", "alice's secret");
    b.put("bob-note", "bob's secret");
    a.sync().await;
    b.sync().await;
    a.sync().await;

    assert_eq!(
        a.notes(),
        vec![("alice-note".into(), "alice's secret".into())]
    );
    assert_eq!(b.notes(), vec![("bob-note".into(), "bob's secret".into())]);
    // A second device of alice's sees only alice's notes.
    let mut a2 = Device::new(&base, &ta);
    a2.sync().await;
    assert_eq!(a2.notes(), a.notes());
    server.stop().await;
}

#[tokio::test]
async fn a_signed_out_token_no_longer_syncs() {
    let server = TestServer::start().await;
    let base = server.url("");
    let token = account(&base, "carol", "password c").await;
    let r = http()
        .delete(server.url("/api/sessions"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let mut dev = Device::new(&base, &token);
    dev.put("n", "x");
    let (status, body) = dev.round().await.unwrap_err();
    assert_eq!(status, 401);
    assert!(body.contains("sign in again"), "{body}");
    // Signing out twice is an error too, not a crash.
    let r = http()
        .delete(server.url("/api/sessions"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn usernames_that_look_like_paths_never_become_paths() {
    let server = TestServer::start().await;
    let base = server.url("");
    let names = [
        "../x",
        "a/b",
        "%2e%2e",
        "..",
        "/etc/passwd",
        "名前",
        "ünïcödé",
        &"l".repeat(64),
    ];
    for (i, name) in names.iter().enumerate() {
        let token = account(&base, name, "password x").await;
        let mut dev = Device::new(&base, &token);
        dev.put("n", &format!("note of {name}"));
        dev.sync().await;
        let mut other = Device::new(&base, &token);
        other.sync().await;
        assert_eq!(
            other.notes(),
            vec![("n".into(), format!("note of {name}"))],
            "user {i}"
        );
    }
    // Only numbered database files, all inside the data directory.
    let mut files: Vec<String> = std::fs::read_dir(server.data_dir().join("users"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".db"))
        .collect();
    files.sort();
    let mut expected: Vec<String> = (1..=names.len()).map(|i| format!("{i}.db")).collect();
    expected.sort();
    assert_eq!(files, expected);
    let top: Vec<String> = std::fs::read_dir(server.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(top, vec!["data".to_string()]);
    server.stop().await;
}

#[tokio::test]
async fn invalid_usernames_and_passwords_are_refused_clearly() {
    let server = TestServer::start().await;
    let cases = [
        (
            serde_json::json!({"username": "", "password": "long enough"}),
            400,
            "username is empty",
        ),
        (
            serde_json::json!({"username": "x".repeat(65), "password": "long enough"}),
            400,
            "longer than 64",
        ),
        (
            serde_json::json!({"username": "nul\u{0}", "password": "long enough"}),
            400,
            "control characters",
        ),
        (
            serde_json::json!({"username": " pad", "password": "long enough"}),
            400,
            "white space",
        ),
        (
            serde_json::json!({"username": "short", "password": "1234567"}),
            400,
            "shorter than 8",
        ),
        (
            serde_json::json!({"username": "big", "password": "p".repeat(1025)}),
            400,
            "longer than 1024",
        ),
        (
            serde_json::json!({"username": "typed", "password": 12345678}),
            400,
            "invalid type",
        ),
        (
            serde_json::json!({"username": "dup", "password": "long enough"}),
            201,
            "",
        ),
        (
            serde_json::json!({"username": "dup", "password": "other enough"}),
            409,
            "taken",
        ),
    ];
    for (body, status, message) in cases {
        let r = http()
            .post(server.url("/api/accounts"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{body}");
        let got: serde_json::Value = r.json().await.unwrap();
        if status != 201 {
            assert!(
                got["error"].as_str().unwrap().contains(message),
                "{body}: {got}"
            );
        }
    }
    let wrong = serde_json::json!({"username": "dup", "password": "wrong password"});
    let r = http()
        .post(server.url("/api/sessions"))
        .json(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "wrong username or password"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_app_is_served_and_paths_cannot_escape_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<title>notes app</title>").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "outside the app").unwrap();
    let server = TestServer::start_with(|c| c.static_dir = dist.clone()).await;

    let page = http()
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("notes app"));
    let deep = http()
        .get(server.url("/some/app/route"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(deep.contains("notes app"), "single-page fallback");
    for path in [
        "/../secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
    ] {
        let r = http().get(server.url(path)).send().await.unwrap();
        let text = r.text().await.unwrap();
        assert!(!text.contains("outside the app"), "{path} escaped");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_app_files_go_precompressed_to_browsers_that_accept_it() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().to_path_buf();
    let wasm = "app-0123456789abcdef_bg.wasm";
    std::fs::write(dist.join("index.html"), "<title>notes app</title>").unwrap();
    std::fs::write(dist.join(wasm), b"\0asm raw bytes").unwrap();
    std::fs::write(dist.join(format!("{wasm}.br")), b"brotli bytes").unwrap();
    std::fs::write(dist.join(format!("{wasm}.gz")), b"gzip bytes").unwrap();
    let server = TestServer::start_with(|c| c.static_dir = dist.clone()).await;

    for (accepts, encoding, body) in [
        (
            Some("gzip, deflate, br, zstd"),
            Some("br"),
            &b"brotli bytes"[..],
        ),
        (Some("gzip"), Some("gzip"), b"gzip bytes"),
        (None, None, b"\0asm raw bytes"),
    ] {
        let mut request = http().get(server.url(&format!("/{wasm}")));
        if let Some(accepts) = accepts {
            request = request.header("accept-encoding", accepts);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 200);
        let header = |name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(
            header("content-encoding").as_deref(),
            encoding,
            "{accepts:?}"
        );
        // The browser compiles it as it streams only with this type.
        assert_eq!(header("content-type").as_deref(), Some("application/wasm"));
        assert_eq!(header("vary").as_deref(), Some("accept-encoding"));
        assert_eq!(&r.bytes().await.unwrap()[..], body, "{accepts:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn files_named_by_their_content_are_cached_for_good_and_the_rest_revalidated() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().to_path_buf();
    for file in ["index.html", "db_worker.js", "app-0123456789abcdef.js"] {
        std::fs::write(dist.join(file), file).unwrap();
    }
    let server = TestServer::start_with(|c| c.static_dir = dist.clone()).await;
    for (path, policy) in [
        (
            "/app-0123456789abcdef.js",
            "public, max-age=31536000, immutable",
        ),
        ("/", "no-cache"),
        ("/index.html", "no-cache"),
        ("/db_worker.js", "no-cache"),
        ("/a/route/of/the/app", "no-cache"),
    ] {
        let r = http().get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let got = r
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap());
        assert_eq!(got, Some(policy), "{path}");
    }
    server.stop().await;
}
