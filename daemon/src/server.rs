//! The Unix-socket server: one task per connection, identity from SO_PEERCRED, framed requests,
//! every request handled under the router lock with panics caught at this boundary.

use std::os::unix::fs::PermissionsExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lsys_grammar::view::View;
use lsys_protocol::{self as proto, FrameError, Request, Response, Row};
use std::collections::VecDeque;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::unix::OwnedWriteHalf;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tracing::{info, info_span, warn, Instrument};

use crate::exec::{self, Reply};
use crate::router::{Router, SessionInfo};
use crate::session::Session;

/// The most text one `load` may send (64 MiB).
const MAX_LOAD: usize = 64 << 20;

/// Executes a command line; injectable so tests can exercise the server's panic handling.
pub type Executor = fn(&mut Router, &mut Session, &str) -> Reply;

/// Seconds in a "minute" of `commit confirmed` (LSYSD_MINUTE_SECONDS shortens it for tests).
pub fn minute_seconds() -> i64 {
    std::env::var("LSYSD_MINUTE_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&v| v > 0)
        .unwrap_or(60)
}

/// Records a session's state in the router's table (`status`, `show system users`).
pub fn note_session(router: &mut Router, s: &Session) {
    router.sessions.insert(
        s.id,
        SessionInfo {
            user: s.user.clone(),
            logical_system: s.view.logical_system().map(str::to_string),
            tty: s.tty.clone(),
            client: format!("{:?}", s.client).to_lowercase(),
            since: s.since,
            pid: s.pid,
            editing: s.candidate.as_ref().map(|c| (s.banner(), c.kind())),
        },
    );
}

/// Serves clients on `socket` until the process ends.
pub async fn serve(
    router: Arc<Mutex<Router>>,
    socket: &Path,
    executor: Executor,
) -> anyhow::Result<()> {
    if let Some(dir) = socket.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(socket);
    let listener = UnixListener::bind(socket)?;
    // Every local user may connect; authorization happens per request.
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o666))?;
    info!(socket = %socket.display(), "listening");
    tokio::spawn(confirm_timer(router.clone()));
    static NEXT: AtomicU64 = AtomicU64::new(1);
    loop {
        let (stream, _) = listener.accept().await?;
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let router = router.clone();
        tokio::spawn(async move {
            let span = info_span!("session", session = id);
            if let Err(e) = connection(router, stream, id, executor)
                .instrument(span)
                .await
            {
                warn!(session = id, error = %e, "connection ended");
            }
        });
    }
}

async fn confirm_timer(router: Arc<Mutex<Router>>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let done = {
            let mut r = router.lock().unwrap_or_else(|e| e.into_inner());
            if r.confirms.is_empty() {
                continue;
            }
            r.expire_confirms(exec::now())
        };
        for d in done {
            info!("{d}");
        }
    }
}

async fn read_frame<R: AsyncRead + Unpin>(stream: &mut R) -> Result<Request, FrameError> {
    let mut header = [0u8; 4];
    match stream.read_exact(&mut header).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(FrameError::Closed),
        Err(e) => return Err(e.into()),
    }
    let len = proto::frame_len(header)?;
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await?;
    proto::decode(&body)
}

async fn send<W: AsyncWrite + Unpin>(stream: &mut W, msg: &Response) -> std::io::Result<()> {
    stream.write_all(&proto::encode(msg)).await
}

/// Who is connecting: (user name, operator?, view), or why not.
fn identify(router: &Router, uid: u32) -> Result<(String, bool, View), String> {
    let name = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name)
        .ok_or_else(|| format!("uid {uid} has no user name"))?;
    if uid == 0 {
        return Ok((name, true, View::operator()));
    }
    let login = router.running.get("system").and_then(|s| s.get("login"));
    let user = login.and_then(|l| {
        l.list("user")
            .find(|u| u.key.as_deref() == Some(name.as_str()))
    });
    let Some(user) = user else {
        return Err(format!(
            "user '{name}' is not configured on this router (no 'system login user {name}')"
        ));
    };
    let class = user.leaf("class").unwrap_or_default();
    let ls = login
        .and_then(|l| l.list("class").find(|c| c.key.as_deref() == Some(class)))
        .and_then(|c| c.leaf("logical-system"));
    Ok(match ls {
        Some(ls) => (name, false, View::tenant(ls)),
        None => (name, true, View::operator()),
    })
}

async fn connection(
    router: Arc<Mutex<Router>>,
    mut stream: UnixStream,
    id: u64,
    executor: Executor,
) -> anyhow::Result<()> {
    let cred = stream.peer_cred()?;
    let hello = tokio::time::timeout(Duration::from_secs(10), read_frame(&mut stream)).await;
    let (client, tty) = match hello {
        Ok(Ok(Request::Hello {
            version,
            client,
            tty,
        })) if version == proto::VERSION => (client, tty),
        Ok(Ok(Request::Hello { version, .. })) => {
            let reason = format!(
                "protocol version {version} is not supported (lsysd speaks {})",
                proto::VERSION
            );
            send(&mut stream, &Response::Refused { reason }).await?;
            return Ok(());
        }
        _ => {
            let _ = send(
                &mut stream,
                &Response::Refused {
                    reason: "expected a hello".into(),
                },
            )
            .await;
            return Ok(());
        }
    };
    let identity = {
        let r = router.lock().unwrap_or_else(|e| e.into_inner());
        identify(&r, cred.uid())
    };
    let (user, operator, view) = match identity {
        Ok(i) => i,
        Err(reason) => {
            info!(uid = cred.uid(), %reason, "refused");
            send(&mut stream, &Response::Refused { reason }).await?;
            return Ok(());
        }
    };
    let mut session = Session {
        id,
        user,
        uid: cred.uid(),
        operator,
        view,
        client,
        tty,
        since: exec::now(),
        pid: cred.pid(),
        candidate: None,
        edit: Vec::new(),
        edit_stack: Vec::new(),
        pending: None,
        text: String::new(),
    };
    let span = info_span!("login", user = %session.user, logical_system = session.view.logical_system().unwrap_or("-"));
    let prompt = {
        let mut r = router.lock().unwrap_or_else(|e| e.into_inner());
        note_session(&mut r, &session);
        session.prompt(&r.hostname)
    };
    span.in_scope(|| info!("login"));
    send(&mut stream, &Response::Welcome { prompt }).await?;
    let (mut reader, mut writer) = stream.into_split();
    // Frames are read by their own task, so a reply being streamed can notice a Cancel.
    let (tx, rx) = mpsc::channel(64);
    let reading = tokio::spawn(async move {
        loop {
            let frame = read_frame(&mut reader).await;
            let last = matches!(frame, Err(ref e) if !matches!(e, FrameError::Malformed(_)));
            if tx.send(frame).await.is_err() || last {
                return;
            }
        }
    });
    let mut inbox = Inbox {
        rx,
        backlog: VecDeque::new(),
    };
    let result = requests(&router, &mut writer, &mut inbox, &mut session, executor)
        .instrument(span.clone())
        .await;
    reading.abort();
    {
        let mut r = router.lock().unwrap_or_else(|e| e.into_inner());
        if session.configuring() {
            let _ = exec_leave(&mut r, &mut session);
        }
        r.sessions.remove(&id);
    }
    span.in_scope(|| info!("logout"));
    match result {
        Err(FrameError::Closed) | Ok(()) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Leaves configuration mode when a client disappears (private changes are discarded,
/// exclusive locks released).
fn exec_leave(r: &mut Router, s: &mut Session) -> Reply {
    exec::execute(r, s, "exit configuration-mode");
    exec::answer(r, s, true)
}

/// Requests in arrival order: the channel from the reader task, and what arrived while a reply
/// was being streamed.
struct Inbox {
    rx: mpsc::Receiver<Result<Request, FrameError>>,
    backlog: VecDeque<Result<Request, FrameError>>,
}

impl Inbox {
    async fn next(&mut self) -> Result<Request, FrameError> {
        match self.backlog.pop_front() {
            Some(r) => r,
            None => self.rx.recv().await.unwrap_or(Err(FrameError::Closed)),
        }
    }

    /// True when a Cancel for `id` has arrived; anything else is kept for later.
    fn cancelled(&mut self, id: u64) -> bool {
        while let Ok(r) = self.rx.try_recv() {
            match r {
                Ok(Request::Cancel { id: c }) if c == id => return true,
                Ok(Request::Cancel { .. }) => {}
                other => self.backlog.push_back(other),
            }
        }
        false
    }
}

async fn requests(
    router: &Arc<Mutex<Router>>,
    stream: &mut OwnedWriteHalf,
    inbox: &mut Inbox,
    s: &mut Session,
    executor: Executor,
) -> Result<(), FrameError> {
    loop {
        let req = match inbox.next().await {
            Ok(r) => r,
            Err(FrameError::Malformed(m)) => {
                warn!(error = %m, "malformed request");
                send(
                    stream,
                    &Response::Error {
                        message: format!("malformed request: {m}"),
                    },
                )
                .await?;
                continue;
            }
            Err(FrameError::TooLarge(n)) => {
                warn!(bytes = n, "oversized frame");
                let message = format!(
                    "frame of {n} bytes exceeds the {}-byte limit",
                    proto::MAX_FRAME
                );
                let _ = send(stream, &Response::Error { message }).await;
                return Err(FrameError::TooLarge(n));
            }
            Err(e) => return Err(e),
        };
        match req {
            Request::Execute { id, line } => {
                let reply = guarded(router, s, |r, s| executor(r, s, &line));
                respond(router, stream, inbox, s, id, reply).await?;
            }
            Request::Answer { id, yes } => {
                let reply = guarded(router, s, |r, s| exec::answer(r, s, yes));
                respond(router, stream, inbox, s, id, reply).await?;
            }
            Request::Complete { line } => {
                let c = {
                    let r = router.lock().unwrap_or_else(|e| e.into_inner());
                    catch_unwind(AssertUnwindSafe(|| exec::complete(&r, s, &line)))
                        .unwrap_or_default()
                };
                let tab = c.tab();
                let rows = c
                    .rows
                    .into_iter()
                    .map(|r| Row {
                        marker: r.marker,
                        name: r.name,
                        help: r.help,
                    })
                    .collect();
                send(
                    stream,
                    &Response::Completions {
                        rows,
                        tab,
                        col: c.col,
                    },
                )
                .await?;
            }
            Request::Text {
                id,
                text,
                error,
                more,
            } => {
                if let Some(t) = &text {
                    if s.text.len() + t.len() > MAX_LOAD {
                        s.text.clear();
                        let reply = guarded(router, s, |r, s| {
                            exec::text(r, s, Err(format!("text longer than {MAX_LOAD} bytes")))
                        });
                        respond(router, stream, inbox, s, id, reply).await?;
                        continue;
                    }
                    s.text.push_str(t);
                }
                if more {
                    continue;
                }
                let whole = std::mem::take(&mut s.text);
                let text = match (text, error) {
                    (_, Some(e)) => Err(e),
                    (Some(_), None) => Ok(whole),
                    (None, None) => Err("no text".into()),
                };
                let reply = guarded(router, s, |r, s| exec::text(r, s, text));
                respond(router, stream, inbox, s, id, reply).await?;
            }
            Request::Cancel { .. } => {}
            Request::Hello { .. } => {
                send(
                    stream,
                    &Response::Error {
                        message: "already logged in".into(),
                    },
                )
                .await?;
            }
        }
    }
}

/// Runs `f` under the router lock; a panic becomes an error for this client only.
fn guarded(
    router: &Arc<Mutex<Router>>,
    s: &mut Session,
    f: impl FnOnce(&mut Router, &mut Session) -> Reply,
) -> Reply {
    let mut r = router.lock().unwrap_or_else(|e| e.into_inner());
    match catch_unwind(AssertUnwindSafe(|| f(&mut r, s))) {
        Ok(reply) => reply,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %what, "command panicked");
            Reply::error("error: internal error while running this command (logged by lsysd)")
        }
    }
}

/// Sends a reply: output in chunks, then the question or Done.
async fn respond(
    router: &Arc<Mutex<Router>>,
    stream: &mut OwnedWriteHalf,
    inbox: &mut Inbox,
    s: &mut Session,
    id: u64,
    reply: Reply,
) -> Result<(), FrameError> {
    const CHUNK: usize = 64 * 1024;
    let mut rest = reply.output.as_str();
    while !rest.is_empty() {
        // Ctrl-C in the shell: stop streaming (the shell drains what is in flight). Writes that
        // complete at once never yield, so give the reader task its turn first.
        tokio::task::yield_now().await;
        if inbox.cancelled(id) {
            break;
        }
        let mut cut = rest.len().min(CHUNK);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        send(
            stream,
            &Response::Output {
                id,
                text: rest[..cut].to_string(),
            },
        )
        .await?;
        rest = &rest[cut..];
    }
    if let Some(file) = reply.read_text {
        send(stream, &Response::ReadText { id, file }).await?;
        return Ok(());
    }
    if let Some((text, default)) = reply.question {
        send(stream, &Response::Question { id, text, default }).await?;
        return Ok(());
    }
    let prompt = {
        let mut r = router.lock().unwrap_or_else(|e| e.into_inner());
        note_session(&mut r, s);
        s.prompt(&r.hostname)
    };
    let done = Response::Done {
        id,
        ok: reply.error.is_none(),
        error: reply.error,
        caret: reply.caret,
        prompt,
        exit: reply.exit,
    };
    send(stream, &done).await?;
    Ok(())
}
