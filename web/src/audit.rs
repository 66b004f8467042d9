//! Audit lines: one tracing line per session start and end (info) and per refused attempt
//! (warn), all written here so that their fields stay the same.
//!
//! ```text
//! INFO  audit: session started user=alice peer=127.0.0.1:40312 client=web pid=4242
//! INFO  audit: session ended   user=alice peer=127.0.0.1:40312 client=web pid=4242 reason="browser closed"
//! WARN  audit: session refused user=- peer=10.0.0.2:5123 forwarded_for=203.0.113.7 client=web reason="bad token signature"
//! ```
//!
//! `peer` is the TCP peer. `forwarded_for` is the last `X-Forwarded-For` entry, logged only when
//! the peer is one of the `--trusted-proxy` addresses (anyone else could write anything there),
//! and only when it parses as an IP address (nothing a client chose verbatim reaches the log).
//! `user` is `-` when no valid token named one yet. Password logins (src/login.rs) log one line
//! each too (`password login`, `password login refused`), with the user as typed.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use tracing::{info, warn};

/// Where an attempt comes from.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    pub peer: SocketAddr,
    pub forwarded_for: Option<IpAddr>,
}

impl Source {
    /// The source of a request from `peer`; `X-Forwarded-For` counts only from a trusted proxy.
    pub fn new(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> Source {
        let forwarded_for = if trusted.contains(&peer.ip()) {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(|ip| ip.trim().parse().ok())
        } else {
            None
        };
        Source {
            peer,
            forwarded_for,
        }
    }

    fn forwarded(&self) -> String {
        self.forwarded_for
            .map_or_else(|| "-".to_string(), |ip| ip.to_string())
    }
}

/// The client kind in every line (lsysd itself still sees the shell as `cli`).
const CLIENT: &str = "web";

pub fn started(user: &str, src: &Source, pid: i32) {
    info!(target: "audit", user, peer = %src.peer, forwarded_for = %src.forwarded(),
        client = CLIENT, pid, "session started");
}

pub fn ended(user: &str, src: &Source, pid: i32, reason: &str, status: Option<&str>) {
    info!(target: "audit", user, peer = %src.peer, forwarded_for = %src.forwarded(),
        client = CLIENT, pid, reason, status = status.unwrap_or("-"), "session ended");
}

pub fn refused(user: Option<&str>, src: &Source, reason: &str) {
    warn!(target: "audit", user = user.unwrap_or("-"), peer = %src.peer,
        forwarded_for = %src.forwarded(), client = CLIENT, reason, "session refused");
}

pub fn logged_in(user: &str, src: &Source) {
    info!(target: "audit", user, peer = %src.peer, forwarded_for = %src.forwarded(),
        client = CLIENT, "password login");
}

pub fn login_refused(user: &str, src: &Source, reason: &str) {
    warn!(target: "audit", user, peer = %src.peer, forwarded_for = %src.forwarded(),
        client = CLIENT, reason, "password login refused");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_only_from_a_trusted_proxy() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.7".parse().unwrap(),
        );
        let proxy: SocketAddr = "10.0.0.2:5000".parse().unwrap();
        let trusted = ["10.0.0.2".parse().unwrap()];
        let s = Source::new(proxy, &h, &trusted);
        assert_eq!(s.forwarded_for, Some("203.0.113.7".parse().unwrap()));
        let other: SocketAddr = "10.0.0.3:5000".parse().unwrap();
        assert_eq!(Source::new(other, &h, &trusted).forwarded_for, None);
        h.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(Source::new(proxy, &h, &trusted).forwarded_for, None);
    }
}
