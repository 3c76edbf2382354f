//! The serving loop: HTTP/1.1 connections with a cap on how many are open,
//! a timeout for a request's headers (which also ends keep-alive
//! connections left idle), and a graceful shutdown. axum's own `serve` has
//! neither the timeout nor the cap: a thousand idle or slow sockets stayed
//! open for ever, and kept a graceful shutdown from finishing.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::Service;

/// How connections are served.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Most connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// How long a request's headers may take to arrive, counted from the
    /// end of the previous answer on a kept-alive connection.
    pub header_timeout: Duration,
}

/// Serves `app` until `shutdown` completes, then stops accepting, ends the
/// live streams and waits for the connections to finish their requests.
pub async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    end_streams: impl FnOnce(),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(
        limits.max_connections.min(Semaphore::MAX_PERMITS),
    ));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, say: the connections that
                    // end meanwhile make room.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            // Each request knows the address it came from (limits per
            // client address; /metrics from loopback).
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().call(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    // Live streams would otherwise keep their connections, and the server, up.
    end_streams();
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// Serves a `/peer` route that answers with the request's peer address.
    async fn start(
        limits: ConnectionLimits,
    ) -> (
        SocketAddr,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<std::io::Result<()>>,
    ) {
        let app = Router::new().route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve_connections(listener, app, limits, || {}, async {
            let _ = stopped.await;
        }));
        (addr, stop, server)
    }

    const GET_PEER: &[u8] = b"GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    #[tokio::test]
    async fn a_connection_beyond_the_cap_waits_for_one_to_close() {
        let (addr, stop, server) = start(ConnectionLimits {
            max_connections: 1,
            header_timeout: Duration::from_secs(30),
        })
        .await;
        let first = tokio::net::TcpStream::connect(addr).await.expect("connect");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut second = tokio::net::TcpStream::connect(addr).await.expect("connect");
        second.write_all(GET_PEER).await.expect("write");
        let mut byte = [0; 1];
        let waiting =
            tokio::time::timeout(Duration::from_millis(500), second.read(&mut byte)).await;
        assert!(waiting.is_err(), "served beyond the cap: {waiting:?}");
        drop(first);
        let mut answer = String::new();
        tokio::time::timeout(Duration::from_secs(5), second.read_to_string(&mut answer))
            .await
            .expect("served once the first closed")
            .expect("read");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let _ = stop.send(());
        let _ = server.await;
    }

    #[tokio::test]
    async fn requests_carry_the_peers_address_and_shutdown_ends_serving() {
        let (addr, stop, server) = start(ConnectionLimits {
            max_connections: 4,
            header_timeout: Duration::from_secs(5),
        })
        .await;
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let me = s.local_addr().expect("own address");
        s.write_all(GET_PEER).await.expect("write");
        let mut answer = String::new();
        s.read_to_string(&mut answer).await.expect("read");
        assert!(answer.ends_with(&me.to_string()), "{answer}");
        let _ = stop.send(());
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("stops")
            .expect("joins")
            .expect("serves");
    }
}
