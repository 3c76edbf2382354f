//! `server --listen 127.0.0.1:8080 --data-dir ./data --static-dir dist`

use anyhow::Context;
use clap::Parser;
use server::Config;
use server::config::{Command, LogFormat};
use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
    return_large_allocations_to_the_os();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve())
}

/// argon2 works in 19 MiB of memory per password hash. Under glibc's dynamic
/// mmap threshold such blocks end up in per-thread malloc arenas and stay
/// there: the server grew to 2 GB resident after 1,000 sign-ins. A fixed
/// threshold makes large blocks plain mmaps, returned to the OS when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_allocations_to_the_os() {
    // SAFETY: mallopt only tunes the allocator; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_allocations_to_the_os() {}

async fn serve() -> anyhow::Result<()> {
    let config = Config::parse();
    if let Some(Command::Shard(command)) = &config.command {
        let nats = config
            .nats
            .as_deref()
            .context("`server shard …` needs --nats (or NOTES_NATS)")?;
        let said = server::cluster::admin::run(nats, command, config.lease).await?;
        print!("{said}");
        return Ok(());
    }
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match config.log_format {
        LogFormat::Text => logs.init(),
        // One object a line; each request's line carries its span's fields
        // (method, route, user) beside its own (status, ms).
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    // On stdout for scripts and tests that asked for port 0.
    println!("notes server listening on http://{addr}");
    tracing::info!(%addr, data_dir = %config.data_dir.display(), static_dir = %config.static_dir.display(), "started");
    server::run(listener, &config, shutdown_signal()).await?;
    tracing::info!("stopped cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down");
}
