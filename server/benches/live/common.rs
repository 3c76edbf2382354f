//! What every part needs: the server as a child process (its address, memory
//! and CPU from /proc), accounts, the source addresses streams come from,
//! percentiles, the host's CPU pressure and the file-descriptor limit.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use protocol::SessionToken;

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Streams come from 127.0.0.2 … 127.0.0.9: one source address has ~28,000
/// ephemeral ports, and spreading them keeps every part far from that.
pub fn source_ip(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, 2 + (i % 8) as u8)
}

/// The release server binary, run as its own process so that its memory
/// and CPU are its own. `BENCH_SERVER_BIN` points at another build.
pub struct ServerProc {
    child: Child,
    pub addr: SocketAddr,
}

impl ServerProc {
    /// Starts the server on `listen` with `data_dir` and `extra` arguments;
    /// its log (warnings and errors) goes to `log`. Returns once it listens.
    pub fn start(listen: &str, data_dir: &Path, log: &Path, extra: &[&str]) -> Self {
        let bin = std::env::var_os("BENCH_SERVER_BIN")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_server").into());
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("cannot create the server's log file");
        // The child inherits this process's raised RLIMIT_NOFILE (see
        // `raise_fd_limit`): the server does not raise its own.
        let mut child = Command::new(&bin)
            .args(["--listen", listen, "--data-dir"])
            .arg(data_dir)
            .arg("--static-dir")
            .arg(data_dir.join("no-static"))
            .args(extra)
            // Every simulated client is on loopback, one address: the limits
            // per address would stop a benchmark's thousand sign-ups.
            .env("NOTES_SIGN_UPS_PER_HOUR_PER_ADDRESS", "1000000")
            .env("NOTES_SIGN_UPS_PER_MINUTE", "1000000")
            .env("NOTES_SIGN_INS_PER_MINUTE_PER_ADDRESS", "1000000")
            // Info logs a line per stream opened and per sync: 10,000 of them
            // would be measured as the server's work.
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the server {}: {e}", bin.display()));
        let stdout = child.stdout.take().expect("the server's stdout is piped");
        // Blocking, once, for the line the server prints when it listens (a
        // wrapper such as heaptrack may print lines of its own first).
        let mut line = String::new();
        let addr = tokio::task::block_in_place(|| {
            let mut stdout = BufReader::new(stdout);
            for _ in 0..20 {
                line.clear();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return None;
                }
                if let Some(a) = line
                    .trim()
                    .strip_prefix("notes server listening on http://")
                {
                    return a.parse::<SocketAddr>().ok();
                }
            }
            None
        })
        .unwrap_or_else(|| {
            let _ = child.kill();
            panic!(
                "the server did not start (it printed {line:?}); its log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            )
        });
        Self { child, addr }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn rss_kib(&self) -> u64 {
        self.status("VmRSS:").expect("no VmRSS in /proc/PID/status")
    }

    /// The server's threads now (tokio's workers and blocking pool).
    pub fn threads(&self) -> u64 {
        self.status("Threads:").unwrap_or(0)
    }

    /// A number field of /proc/PID/status.
    fn status(&self, field: &str) -> Option<u64> {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// The server's user + system CPU time so far.
    pub fn cpu(&self) -> Duration {
        cpu_of(&format!("/proc/{}/stat", self.pid()))
    }

    /// The server's user and system CPU time so far, apart.
    pub fn cpu_split(&self) -> (Duration, Duration) {
        cpu_split_of(&format!("/proc/{}/stat", self.pid()))
    }

    /// The server's own "Max open files" soft limit, as /proc shows it.
    pub fn fd_limit(&self) -> String {
        std::fs::read_to_string(format!("/proc/{}/limits", self.pid()))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
            .unwrap_or_else(|| "?".into())
    }

    /// SIGTERM: the server's graceful shutdown (it ends every stream).
    pub fn terminate(&self) {
        let pid = libc::pid_t::try_from(self.pid()).expect("a pid fits pid_t");
        // SAFETY: kill(2) with a pid of our own child and a valid signal.
        let rc = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(rc, 0, "cannot send SIGTERM to the server");
    }

    /// Waits (polling, so the runtime's clients keep running) up to `within`
    /// for the process to exit; kills it after that.
    pub async fn wait_exit(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        false
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// utime + stime of a /proc/…/stat file.
pub fn cpu_of(stat_path: &str) -> Duration {
    let (user, system) = cpu_split_of(stat_path);
    user + system
}

/// utime and stime of a /proc/…/stat file.
pub fn cpu_split_of(stat_path: &str) -> (Duration, Duration) {
    let stat = std::fs::read_to_string(stat_path).expect("cannot read /proc stat");
    // Fields after the command name, which may hold spaces: state is the
    // first, utime the 12th, stime the 13th.
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .map(|f| f.parse().unwrap_or(0))
                .collect()
        })
        .unwrap_or_default();
    assert!(fields.len() > 12, "no utime/stime in {stat_path}");
    // SAFETY: sysconf only reads a configuration value.
    let per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let secs = |ticks: u64| Duration::from_secs_f64(ticks as f64 / per_sec);
    (secs(fields[11]), secs(fields[12]))
}

/// The soft limit on open files raised to the hard one (10,000 streams need
/// 10,000 sockets here and as many in the server, which inherits it).
pub fn raise_fd_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid resource and a valid pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                eprintln!("live_bench: cannot raise RLIMIT_NOFILE");
                libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
            }
        }
    }
    lim.rlim_cur
}

/// "some avg10" of /proc/pressure/cpu: the share of the last 10 s in which
/// something waited for a CPU (how busy the shared host was).
pub fn cpu_pressure() -> String {
    std::fs::read_to_string("/proc/pressure/cpu")
        .ok()
        .and_then(|p| {
            p.lines()
                .find(|l| l.starts_with("some"))
                .and_then(|l| l.split_whitespace().find(|f| f.starts_with("avg10=")))
                .map(|f| f.trim_start_matches("avg10=").to_owned() + " %")
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Signs `user` up and in; returns the bearer token. A busy password queue
/// (503) is waited out.
pub async fn account(http: &reqwest::Client, base: &str, user: &str) -> String {
    let body = serde_json::json!({ "username": user, "password": "benchmark password" });
    for (path, ok) in [("/api/accounts", [201, 409]), ("/api/sessions", [200, 200])] {
        for attempt in 0.. {
            let r = http
                .post(format!("{base}{path}"))
                .json(&body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{path} for {user}: {e}"));
            let status = r.status().as_u16();
            if ok.contains(&status) {
                if path == "/api/sessions" {
                    let token: SessionToken = r.json().await.expect("a session token");
                    return token.token;
                }
                break;
            }
            assert!(
                status == 503 && attempt < 20,
                "{path} for {user}: {status} {}",
                r.text().await.unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    unreachable!("a session is returned above")
}

/// Signs up `n` accounts named `prefix-i`, a few at a time (each costs an
/// argon2 hash on the server, which hashes `--max-password-hashes` at once).
pub async fn accounts(base: &str, prefix: &str, n: usize) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut tokens = vec![String::new(); n];
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        if set.len() >= 4
            && let Some(done) = set.join_next().await
        {
            let (j, token) = done.expect("a sign-up task panicked");
            tokens[j] = token;
        }
        let (http, base, name) = (http.clone(), base.to_owned(), format!("{prefix}-{i}"));
        set.spawn(async move { (i, account(&http, &base, &name).await) });
    }
    while let Some(done) = set.join_next().await {
        let (j, token) = done.expect("a sign-up task panicked");
        tokens[j] = token;
    }
    tokens
}

/// The value of one line of `GET /metrics`.
pub async fn metric(base: &str, name: &str) -> Option<u64> {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// Nearest-rank percentile of sorted values.
pub fn pct(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// "p50 X p95 Y max Z" in milliseconds, of unsorted values in milliseconds.
pub fn summary(values: &mut [f64]) -> String {
    values.sort_by(f64::total_cmp);
    format!(
        "p50 {:.2} ms p95 {:.2} ms max {:.2} ms",
        pct(values, 0.5),
        pct(values, 0.95),
        pct(values, 1.0)
    )
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
