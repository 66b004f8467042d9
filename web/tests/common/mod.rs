//! Shared by the lsys-web end-to-end tests: a real lsys-web next to a real lsysd, a WebSocket
//! client speaking the page's protocol, and reading its output.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lsys_tests::{bin, ChildLog, Lab};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const USER: &str = "lsys-web1";
pub const OTHER: &str = "lsys-web2";
pub const WAIT: Duration = Duration::from_secs(15);

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Web {
    /// lsys-web's log when the test did not ask for one: printed only if the test fails.
    pub log: Option<ChildLog>,
    pub child: Child,
    pub addr: String,
    pub key: PathBuf,
}

impl Drop for Web {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn web_bin() -> &'static str {
    env!("CARGO_BIN_EXE_lsys-web")
}

pub fn start_web(lab: &Lab, cap: usize) -> Web {
    start_web_with(lab, cap, &[])
}

pub fn start_web_with(lab: &Lab, cap: usize, extra: &[&str]) -> Web {
    start_web_logged(lab, cap, extra, None)
}

/// With `log`, lsys-web logs at info level (audit lines included) into that file.
pub fn start_web_logged(lab: &Lab, cap: usize, extra: &[&str], log: Option<&Path>) -> Web {
    let key = lab.dir.path().join(format!("web-{cap}.key"));
    std::fs::write(&key, "0123456789abcdef0123456789abcdef\n").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (own_log, stderr) = match log {
        Some(f) => (None, Stdio::from(std::fs::File::create(f).unwrap())),
        None => {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = lab.dir.path().join(format!("lsys-web-{n}.log"));
            let (log, stderr) = ChildLog::create(&path, "lsys-web");
            (Some(log), stderr)
        }
    };
    let mut child = Command::new(web_bin())
        .args(["--listen", "127.0.0.1:0", "--token-key"])
        .arg(&key)
        .arg("--lsys")
        .arg(bin("lsys"))
        .arg("--socket")
        .arg(&lab.socket)
        .args(["--max-sessions-per-user", &cap.to_string()])
        .args(extra)
        .env("LSYS_WEB_LOG", if log.is_some() { "info" } else { "warn" })
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("lsys-web starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("lsys-web listening on http://")
        .or_else(|| line.trim().strip_prefix("lsys-web listening on https://"))
        .and_then(|a| a.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Web {
        log: own_log,
        child,
        addr,
        key,
    }
}

pub fn mint(key: &Path, user: &str, ttl: u64) -> String {
    let out = Command::new(web_bin())
        .args([
            "--mint-token",
            user,
            "--ttl",
            &ttl.to_string(),
            "--token-key",
        ])
        .arg(key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

pub async fn connect(web: &Web, token: &str, origin: &str) -> Result<Ws, WsError> {
    connect_from(web, token, origin, None).await
}

/// With `forwarded_for`, the request carries that `X-Forwarded-For` header.
pub async fn connect_from(
    web: &Web,
    token: &str,
    origin: &str,
    forwarded_for: Option<&str>,
) -> Result<Ws, WsError> {
    let url = format!("ws://{}/ws?token={token}&cols=100&rows=30", web.addr);
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("Origin", HeaderValue::from_str(origin).unwrap());
    if let Some(f) = forwarded_for {
        req.headers_mut()
            .insert("X-Forwarded-For", HeaderValue::from_str(f).unwrap());
    }
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

pub fn origin(web: &Web) -> String {
    format!("http://{}", web.addr)
}

/// Reads terminal bytes until `done(text so far)`; the text so far.
pub async fn read_until<S>(ws: &mut WebSocketStream<S>, done: impl Fn(&str) -> bool) -> String
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut text = String::new();
    let end = Instant::now() + WAIT;
    while !done(&text) {
        let left = end.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Binary(b)))) => text.push_str(&String::from_utf8_lossy(&b)),
            Ok(Some(Ok(Message::Close(f)))) => {
                panic!("closed ({f:?}) while waiting; got {:?}", tail(&text))
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("waiting for output: {other:?}; got {:?}", tail(&text)),
        }
    }
    text
}

/// The end of `text` (for messages).
pub fn tail(text: &str) -> &str {
    let mut i = text.len().saturating_sub(2000);
    while !text.is_char_boundary(i) {
        i += 1;
    }
    &text[i..]
}

pub fn has_prompt(text: &str, user: &str) -> bool {
    text.find(&format!("{user}@"))
        .is_some_and(|i| text[i..].trim_end().ends_with('>'))
}

pub fn web_sessions(lab: &Lab, user: &str) -> usize {
    let r = lab.operator("show system users");
    r.stdout
        .lines()
        // The user's sessions that lsysd knows came through lsys-web (client `web`).
        .filter(|l| {
            l.split_whitespace().next() == Some(user) && l.split_whitespace().any(|w| w == "web")
        })
        .count()
}

pub fn status_code(e: WsError) -> u16 {
    match e {
        WsError::Http(r) => r.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other:?}"),
    }
}

/// Children of `pid` (from /proc/PID/task/*/children).
pub fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for t in std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
    {
        let c = std::fs::read_to_string(t.path().join("children")).unwrap_or_default();
        out.extend(c.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
    }
    out
}
