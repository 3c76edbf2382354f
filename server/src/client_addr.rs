//! The address a request comes from, for limits per client: the socket's
//! peer, or, when that peer is a configured trusted proxy, the address the
//! proxy says it forwarded for (`X-Forwarded-For`).

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;

/// Where a request comes from, as far as limits are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            // Served without connection info (a test calling the router
            // directly): every request counts as one client.
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Ok(Self(limit_key(client_ip(
            peer,
            &parts.headers,
            &state.trusted_proxies,
        ))))
    }
}

/// The client's address: walking `X-Forwarded-For` from the right (the
/// entry our own proxy appended) past every trusted proxy. Entries left of
/// the first untrusted one were written by the client and prove nothing.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            // Garbage where an address should be: trust nothing further left.
            Err(_) => break,
        }
    }
    client
}

/// One host owns a whole IPv6 /64, so a limit per address counts the /64.
fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_a_trusted_proxy_the_socket_peer_is_the_client() {
        let h = headers(&["203.0.113.9"]);
        assert_eq!(client_ip(ip("198.51.100.1"), &h, &[]), ip("198.51.100.1"));
        // A trusted proxy list that does not hold the peer changes nothing.
        assert_eq!(
            client_ip(ip("198.51.100.1"), &h, &[ip("127.0.0.1")]),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_forwarded_address_counts_and_spoofed_ones_do_not() {
        let proxy = [ip("127.0.0.1"), ip("10.0.0.2")];
        // The client sent its own X-Forwarded-For; the proxy appended the
        // real peer: only the rightmost untrusted entry is believed.
        let h = headers(&["1.2.3.4, 203.0.113.9"]);
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &proxy), ip("203.0.113.9"));
        // Two proxies in a row, as separate headers.
        let h = headers(&["203.0.113.9", "10.0.0.2"]);
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &proxy), ip("203.0.113.9"));
        // No header: the proxy itself.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &HeaderMap::new(), &proxy),
            ip("127.0.0.1")
        );
        // Garbage stops the walk at the last good hop.
        let h = headers(&["not an address, 10.0.0.2"]);
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &proxy), ip("10.0.0.2"));
    }

    #[test]
    fn an_ipv6_host_counts_as_its_slash_64() {
        assert_eq!(
            limit_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            limit_key(ip("2001:db8:1:2::1"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:2::1")),
            limit_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(limit_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
    }
}
