//! The login form, for installations without a portal (`--password-login`).
//!
//! ```text
//! GET  /login                      the form
//! GET  /                          no token → 303 /login
//! POST /login  user=U&password=P   Origin allowed?                    no → 403
//!                                  (at most 4 checks at once, the others wait)
//!                                  source under 5 failures a minute?  no → 429 (not checked)
//!                                  /etc/shadow hash of U matches P?   no → 401 (a failure)
//!                                  yes → token (60 s, as the portal's) → 303 /?token=T
//! ```
//! A refusal answers with the form again, its reason above the fields (one of the fixed texts
//! here: nothing the client sent is echoed).
//!
//! The source is the peer, or the `X-Forwarded-For` of a `--trusted-proxy` (src/audit.rs). The
//! failure table is bounded: when it holds [`MAX_SOURCES`] sources, logins from new sources are
//! refused until entries expire, rather than the table growing.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use crate::audit::{self, Source};
use crate::crypt;
use crate::server::App;
use crate::token;

/// Failures per source within [`WINDOW`] before logins from it are refused.
pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(60);
/// Password checks running at once.
pub const CHECKS: usize = 4;
/// Sources tracked at once.
pub const MAX_SOURCES: usize = 10_000;
/// Lifetime of the token a login issues (it is used at once by the redirect).
const TOKEN_TTL: u64 = 60;

const PAGE: &str = include_str!("../assets/login.html");

/// Recent failures per source address.
#[derive(Default)]
pub struct Failures(Mutex<HashMap<IpAddr, Vec<Instant>>>);

impl Failures {
    /// Whether `ip` may try now.
    fn allowed(&self, ip: IpAddr, now: Instant) -> bool {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        m.retain(|_, v| {
            v.retain(|t| now.duration_since(*t) < WINDOW);
            !v.is_empty()
        });
        match m.get(&ip) {
            Some(v) => v.len() < MAX_FAILURES,
            None => m.len() < MAX_SOURCES,
        }
    }

    fn failed(&self, ip: IpAddr, now: Instant) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() < MAX_SOURCES || m.contains_key(&ip) {
            m.entry(ip).or_default().push(now);
        }
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    user: String,
    password: String,
}

pub async fn form() -> Response {
    page(StatusCode::OK, None)
}

/// The form, with `message` above its fields.
fn page(code: StatusCode, message: Option<&'static str>) -> Response {
    let body = match message {
        Some(m) => PAGE.replace(
            "<!--message-->",
            &format!("<p class=\"error\" role=\"alert\">{m}</p>"),
        ),
        None => PAGE.to_string(),
    };
    (
        code,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// A refusal: the form again with its reason.
fn refused(code: StatusCode, t: &'static str) -> Response {
    page(code, Some(t))
}

/// Whether `password` is `user`'s (read from /etc/shadow; blocking: crypt is slow on purpose).
fn check(user: &str, password: &str) -> bool {
    let Ok(shadow) = std::fs::read_to_string("/etc/shadow") else {
        return false;
    };
    crypt::shadow_hash(&shadow, user).is_some_and(|h| crypt::verify(password, h))
}

pub async fn submit(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let source = Source::new(peer, &headers, &app.config.trusted_proxies);
    if !crate::server::origin_ok(&app.config, &headers) {
        audit::login_refused(&f.user, &source, "origin not allowed");
        return refused(StatusCode::FORBIDDEN, "origin not allowed");
    }
    let ip = source.forwarded_for.unwrap_or(peer.ip());
    // At most CHECKS hashes at once (each costs tens of ms of CPU on purpose); the failure count
    // is read with the permit held, so that parallel attempts cannot all pass it.
    let Ok(_permit) = app.checks.acquire().await else {
        return refused(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    };
    if !app.failures.allowed(ip, Instant::now()) {
        audit::login_refused(&f.user, &source, "too many failures");
        return refused(
            StatusCode::TOO_MANY_REQUESTS,
            "too many failed logins; try again in a minute",
        );
    }
    let (user, password) = (f.user.clone(), f.password);
    let ok = tokio::task::spawn_blocking(move || check(&user, &password))
        .await
        .unwrap_or(false);
    if !ok {
        app.failures.failed(ip, Instant::now());
        audit::login_refused(&f.user, &source, "wrong user or password");
        return refused(StatusCode::UNAUTHORIZED, "wrong user or password");
    }
    let Ok(nonce) = token::random_nonce() else {
        return refused(StatusCode::INTERNAL_SERVER_ERROR, "no randomness");
    };
    let t = token::mint(&app.key, &f.user, token::now_unix() + TOKEN_TTL, &nonce);
    audit::logged_in(&f.user, &source);
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/?token={t}"))],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_a_minute_and_bounded() {
        let f = Failures::default();
        let (a, b) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let t = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(f.allowed(a, t));
            f.failed(a, t);
        }
        assert!(!f.allowed(a, t));
        assert!(f.allowed(b, t));
        assert!(f.allowed(a, t + WINDOW));
    }

    #[test]
    fn a_refusal_is_the_form_with_its_reason() {
        let body = |r: Response| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let bytes = rt
                .block_on(axum::body::to_bytes(r.into_body(), 1 << 16))
                .unwrap();
            String::from_utf8(bytes.to_vec()).unwrap()
        };
        let r = refused(StatusCode::UNAUTHORIZED, "wrong user or password");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let text = body(r);
        assert!(
            text.contains(
                "<form method=\"post\" action=\"/login\">\n<p class=\"error\" \
                 role=\"alert\">wrong user or password</p>\n"
            ),
            "{text}"
        );
        assert!(!body(page(StatusCode::OK, None)).contains("role=\"alert\""));
    }
}
