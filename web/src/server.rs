//! HTTP routes, and the checks made before a WebSocket becomes a session.
//!
//! ```text
//! GET /ws?token=T&cols=C&rows=R  (Upgrade: websocket)
//!   Origin allowed?            no → 403        (every refusal: one audit line, src/audit.rs)
//!   token valid, unused?       no → 401 (signature, expiry, replay)
//!   Unix user exists?          no → 401
//!   upgrade ─► sessions of user < cap?  no → message in the terminal, close 1008
//!              yes → session::run (src/session.rs)
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::assets;
use crate::audit::{self, Source};
use crate::config::Config;
use crate::login::{self, Failures};
use crate::session;
use crate::token::{now_unix, Verifier};

/// Shared by every request.
pub struct App {
    pub config: Config,
    pub verifier: Verifier,
    /// The token key (password logins mint with it).
    pub key: Vec<u8>,
    pub failures: Failures,
    /// Password checks running at once (src/login.rs).
    pub checks: tokio::sync::Semaphore,
    sessions: Mutex<HashMap<String, usize>>,
}

impl App {
    pub fn new(config: Config, key: Vec<u8>) -> Arc<App> {
        Arc::new(App {
            config,
            verifier: Verifier::new(key.clone(), 100_000),
            key,
            failures: Failures::default(),
            checks: tokio::sync::Semaphore::new(login::CHECKS),
            sessions: Mutex::new(HashMap::new()),
        })
    }

    /// Takes one of `user`'s session slots, or says how many are open.
    fn take_slot(self: &Arc<App>, user: &str) -> Result<Slot, usize> {
        let mut s = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let n = s.entry(user.to_string()).or_insert(0);
        if *n >= self.config.max_sessions_per_user {
            return Err(*n);
        }
        *n += 1;
        Ok(Slot {
            app: self.clone(),
            user: user.to_string(),
        })
    }
}

/// A session slot, given back on drop.
struct Slot {
    app: Arc<App>,
    user: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut s = self.app.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = s.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                s.remove(&self.user);
            }
        }
    }
}

pub fn router(app: Arc<App>) -> Router {
    let mut r = Router::new();
    if app.config.password_login {
        r = r.route("/login", get(login::form).merge(post(login::submit)));
    }
    r.route("/", get(index))
        .route(
            "/term.js",
            get(|| async { page("text/javascript", assets::TERM_JS.as_bytes()) }),
        )
        .route(
            "/xterm.js",
            get(|| async { page("text/javascript", assets::XTERM_JS) }),
        )
        .route(
            "/xterm.css",
            get(|| async { page("text/css", assets::XTERM_CSS) }),
        )
        .route(
            "/addon-fit.js",
            get(|| async { page("text/javascript", assets::FIT_JS) }),
        )
        .route("/ws", get(ws))
        .with_state(app)
}

#[derive(Deserialize)]
struct IndexQuery {
    token: Option<String>,
}

/// The terminal page; without a token and with `--password-login`, the login form instead.
async fn index(State(app): State<Arc<App>>, Query(q): Query<IndexQuery>) -> Response {
    if app.config.password_login && q.token.is_none() {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response();
    }
    page("text/html; charset=utf-8", assets::INDEX_HTML.as_bytes())
}

fn page(kind: &'static str, body: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

fn plain(code: StatusCode, text: String) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text + "\n",
    )
        .into_response()
}

#[derive(Deserialize)]
struct WsQuery {
    token: Option<String>,
    cols: Option<u16>,
    rows: Option<u16>,
}

/// `Origin` is one of the configured ones; without any configured, its host is the `Host` the
/// request was sent to.
pub fn origin_ok(config: &Config, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if !config.allowed_origins.is_empty() {
        return config.allowed_origins.iter().any(|o| o == origin);
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

async fn ws(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<WsQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let source = Source::new(peer, &headers, &app.config.trusted_proxies);
    if !origin_ok(&app.config, &headers) {
        audit::refused(None, &source, "origin not allowed");
        return plain(StatusCode::FORBIDDEN, "origin not allowed".into());
    }
    let user = match app
        .verifier
        .verify(q.token.as_deref().unwrap_or(""), now_unix())
    {
        Ok(u) => u,
        Err(e) => {
            audit::refused(None, &source, &e.to_string());
            return plain(StatusCode::UNAUTHORIZED, e.to_string());
        }
    };
    let unix_user = match nix::unistd::User::from_name(&user) {
        Ok(Some(u)) => u,
        _ => {
            audit::refused(Some(&user), &source, "unknown Unix user");
            return plain(StatusCode::UNAUTHORIZED, format!("unknown user {user}"));
        }
    };
    let slot = app.take_slot(&user);
    let config = &app.config;
    let params = session::Params {
        user: unix_user,
        source,
        lsys: config.lsys.clone(),
        socket: config.socket.clone(),
        idle: config.idle_timeout,
        cols: q.cols.filter(|c| *c > 0).unwrap_or(80),
        rows: q.rows.filter(|r| *r > 0).unwrap_or(24),
    };
    let max = config.max_sessions_per_user;
    upgrade.on_upgrade(move |socket| async move {
        match slot {
            Ok(slot) => {
                session::run(socket, params).await;
                drop(slot);
            }
            Err(n) => {
                audit::refused(Some(&user), &source, &format!("{n} sessions open"));
                let m = format!("too many sessions for {user} ({n} open, limit {max})");
                session::refuse(socket, m).await;
            }
        }
    })
}
