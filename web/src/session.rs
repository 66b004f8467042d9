//! One browser terminal session: a WebSocket bridged to `lsys` on a PTY.
//!
//! ```text
//!  browser ──ws──► ws_read ──(in, bounded 32)──► pty_write ──► PTY master ──► lsys (as user)
//!     ▲              │ text {"type":"resize"} → TIOCSWINSZ + SIGWINCH
//!     │              │ idle timeout / close → end
//!     └──ws── ws_write ◄──(out, bounded 8)──── pty_read ◄── PTY master ◄──┘
//! ```
//!
//! Binary frames carry terminal bytes both ways; text frames from the browser are JSON control
//! messages. When the browser is slow, `out` fills, `pty_read` stops reading and the child blocks
//! on its next write: nothing buffers without bound. The session ends when the browser closes,
//! input stays away for the idle timeout, or the child exits; then the child's process group gets
//! SIGHUP and the child is reaped (SIGKILL after a grace period).

use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use nix::errno::Errno;
use nix::unistd::{Pid, User};
use serde::Deserialize;
use tokio::io::unix::AsyncFd;
use tokio::sync::mpsc;
use tracing::warn;

use crate::audit::{self, Source};
use crate::pty;

/// Output towards the browser.
enum Out {
    Data(Vec<u8>),
    /// Close with a policy code (1008) and this reason, after printing it.
    Close(String),
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Control {
    Resize { cols: u16, rows: u16 },
}

/// Settings a session needs.
pub struct Params {
    pub user: User,
    pub source: Source,
    pub lsys: std::path::PathBuf,
    pub socket: Option<std::path::PathBuf>,
    pub idle: Duration,
    pub cols: u16,
    pub rows: u16,
}

/// Refuses the session in the terminal: prints `reason` and closes with code 1008.
pub async fn refuse(mut socket: WebSocket, reason: String) {
    let text = format!("\r\nlsys-web: {reason}\r\n");
    let _ = socket.send(Message::Binary(text.into_bytes().into())).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 1008,
            reason: reason.into(),
        })))
        .await;
}

/// Runs the session to its end.
pub async fn run(socket: WebSocket, p: Params) {
    let spec = pty::Spawn {
        lsys: &p.lsys,
        user: &p.user,
        socket: p.socket.as_deref(),
        cols: p.cols,
        rows: p.rows,
    };
    let pty::Pty {
        master,
        mut child,
        pid,
    } = match pty::spawn(&spec) {
        Ok(x) => x,
        Err(e) => {
            warn!(user = %p.user.name, "cannot start the shell: {e:#}");
            audit::refused(Some(&p.user.name), &p.source, "cannot start the shell");
            return refuse(socket, "cannot start the shell".into()).await;
        }
    };
    audit::started(&p.user.name, &p.source, pid.as_raw());
    let master = Arc::new(master);
    let (sink, stream) = socket.split();
    let (out_tx, out_rx) = mpsc::channel::<Out>(8);
    let (in_tx, in_rx) = mpsc::channel::<Vec<u8>>(32);
    // `out` closes when pty_read ends (the shell exited): ws_read only holds a weak sender.
    let out_weak = out_tx.downgrade();
    let pty_reader = tokio::spawn(pty_read(master.clone(), out_tx));
    let pty_writer = tokio::spawn(pty_write(master.clone(), in_rx));
    let mut ws_writer = tokio::spawn(ws_write(sink, out_rx));
    let (why, writer_done) = tokio::select! {
        why = ws_read(stream, in_tx, out_weak, &master, pid, p.idle) => (why, false),
        _ = &mut ws_writer => ("shell exited", true),
    };
    pty::hangup(pid);
    pty_reader.abort();
    pty_writer.abort();
    // Let the close frame (idle) go out; a browser that does not read gets no more time. (A
    // finished JoinHandle must not be polled again: it panics, and the session would end
    // without reaping the child or its audit line.)
    if !writer_done {
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut ws_writer).await;
        ws_writer.abort();
    }
    let status = match tokio::time::timeout(Duration::from_secs(5), child.wait()).await {
        Ok(s) => s.ok(),
        Err(_) => {
            let _ = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGKILL);
            child.wait().await.ok()
        }
    };
    let status = status.map(|s| s.to_string());
    audit::ended(
        &p.user.name,
        &p.source,
        pid.as_raw(),
        why,
        status.as_deref(),
    );
}

/// Browser → PTY; resize messages; the idle timeout. Returns why the session ends.
async fn ws_read(
    mut stream: futures_util::stream::SplitStream<WebSocket>,
    in_tx: mpsc::Sender<Vec<u8>>,
    out_tx: mpsc::WeakSender<Out>,
    master: &AsyncFd<OwnedFd>,
    pid: Pid,
    idle: Duration,
) -> &'static str {
    loop {
        let msg = match tokio::time::timeout(idle, stream.next()).await {
            Err(_) => {
                let m = format!("idle for {} s: session closed", idle.as_secs());
                if let Some(tx) = out_tx.upgrade() {
                    let _ = tx.send(Out::Close(m)).await;
                }
                return "idle timeout";
            }
            Ok(None) | Ok(Some(Err(_))) => return "browser gone",
            Ok(Some(Ok(m))) => m,
        };
        match msg {
            Message::Binary(b) => {
                if in_tx.send(b.to_vec()).await.is_err() {
                    return "shell input closed";
                }
            }
            Message::Text(t) => match serde_json::from_str::<Control>(t.as_str()) {
                Ok(Control::Resize { cols, rows }) if cols > 0 && rows > 0 => {
                    if let Err(e) = pty::resize(master.get_ref(), pid, cols, rows) {
                        warn!("resize: {e:#}");
                    }
                }
                _ => warn!("ignoring a control message: {}", t.as_str()),
            },
            Message::Close(_) => return "browser closed",
            Message::Ping(_) | Message::Pong(_) => {}
        }
    }
}

/// Output → browser, one frame at a time (sending waits for the socket: the backpressure).
async fn ws_write(
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    mut out_rx: mpsc::Receiver<Out>,
) {
    while let Some(o) = out_rx.recv().await {
        match o {
            Out::Data(d) => {
                if sink.send(Message::Binary(d.into())).await.is_err() {
                    return;
                }
            }
            Out::Close(reason) => {
                let text = format!("\r\nlsys-web: {reason}\r\n");
                let _ = sink.send(Message::Binary(text.into_bytes().into())).await;
                let _ = sink
                    .send(Message::Close(Some(CloseFrame {
                        code: 1008,
                        reason: reason.into(),
                    })))
                    .await;
                return;
            }
        }
    }
    let _ = sink.send(Message::Close(None)).await;
}

/// PTY → `out` until the child's side closes (EIO) or `out` is gone.
async fn pty_read(master: Arc<AsyncFd<OwnedFd>>, out_tx: mpsc::Sender<Out>) {
    let mut buf = vec![0u8; 8192];
    loop {
        let Ok(mut guard) = master.readable().await else {
            return;
        };
        match nix::unistd::read(master.get_ref().as_raw_fd(), &mut buf) {
            Ok(0) | Err(Errno::EIO) => return,
            Ok(n) => {
                if out_tx.send(Out::Data(buf[..n].to_vec())).await.is_err() {
                    return;
                }
            }
            Err(Errno::EAGAIN) => guard.clear_ready(),
            Err(Errno::EINTR) => {}
            Err(e) => {
                warn!("reading the PTY: {e}");
                return;
            }
        }
    }
}

/// `in` → PTY.
async fn pty_write(master: Arc<AsyncFd<OwnedFd>>, mut in_rx: mpsc::Receiver<Vec<u8>>) {
    while let Some(data) = in_rx.recv().await {
        let mut rest = &data[..];
        while !rest.is_empty() {
            let Ok(mut guard) = master.writable().await else {
                return;
            };
            match nix::unistd::write(master.get_ref(), rest) {
                Ok(n) => rest = &rest[n..],
                Err(Errno::EAGAIN) => guard.clear_ready(),
                Err(Errno::EINTR) => {}
                Err(_) => return,
            }
        }
    }
}
