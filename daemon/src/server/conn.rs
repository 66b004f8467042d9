//! One connection: hello, identity, then requests in order.
//!
//! ```text
//!  socket ─► reader task ─┬─ Cancel{id} ──────────────► cancel flag (never queued)
//!                         └─ other frames ─► bounded channel (the client waits when full)
//!                                               │
//!  request loop: gate (re-resolve the principal) ─► spawn_blocking(exec) ─► reply chunks
//!                                                   (a Producer streams through a bounded
//!                                                    channel; Cancel or a gone client
//!                                                    drops it)
//! ```
//! Every command runs on the blocking pool against snapshots: no lock is held while it runs,
//! so one session's long command never holds another's reads.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lsys_protocol::{self as proto, FrameError, Request, Response, Row};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::unix::OwnedWriteHalf;
use tokio::net::UnixStream;
use tokio::sync::mpsc;
use tracing::{info, info_span, warn, Instrument};

use super::{Admission, Executor};
use crate::core::{self, Core};
use crate::exec::{self, Chunk, Producer, Reply, Sink};
use crate::gate::Principal;
use crate::session::{Pending, Session};

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
    // Decoding a large frame (a 256 KiB load chunk) takes milliseconds: not on an async
    // worker, where it would delay every other session's requests.
    if len > LARGE_FRAME {
        return tokio::task::spawn_blocking(move || proto::decode(&body))
            .await
            .unwrap_or_else(|e| Err(FrameError::Malformed(e.to_string())));
    }
    proto::decode(&body)
}

/// Frames above this size are decoded on the blocking pool.
const LARGE_FRAME: usize = 16 * 1024;
/// How often a quiet producer's connection looks at the cancel flag.
const CANCEL_POLL: Duration = Duration::from_millis(100);
/// How long an interrupted producer may go on sending its tail.
const TAIL_GRACE: Duration = Duration::from_secs(5);

async fn send<W: AsyncWrite + Unpin>(stream: &mut W, msg: &Response) -> std::io::Result<()> {
    stream.write_all(&proto::encode(msg)).await
}

async fn refuse(stream: &mut UnixStream, reason: String) -> anyhow::Result<()> {
    send(stream, &Response::Refused { reason }).await?;
    Ok(())
}

pub(super) async fn connection(
    core: Arc<Core>,
    admission: Arc<Admission>,
    mut stream: UnixStream,
    id: u64,
    executor: Executor,
) -> anyhow::Result<()> {
    let cred = stream.peer_cred()?;
    let uid = cred.uid();
    let Some(_place) = admission.admit(&core, uid) else {
        info!(uid, "refused: too many connections");
        return refuse(&mut stream, "too many connections".into()).await;
    };
    // Until the hello, a connection holds one of a few unauthenticated slots, briefly.
    let Ok(slot) = admission.unauthenticated.try_acquire() else {
        return refuse(&mut stream, "too many connections".into()).await;
    };
    let hello = tokio::time::timeout(core.limits.hello_timeout, read_frame(&mut stream)).await;
    drop(slot);
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
            return refuse(&mut stream, reason).await;
        }
        Ok(Err(FrameError::Malformed(m))) => {
            let _ = refuse(&mut stream, format!("malformed hello: {m}")).await;
            return Ok(());
        }
        _ => {
            let _ = refuse(&mut stream, "expected a hello".into()).await;
            return Ok(());
        }
    };
    let identity = tokio::task::spawn_blocking({
        let core = core.clone();
        move || {
            let name = Principal::user_name(uid)?;
            Principal::resolve(&core.running.get(), uid, &name)
        }
    })
    .await?;
    let principal = match identity {
        Ok(p) => p,
        Err(reason) => {
            info!(uid, %reason, "refused");
            return refuse(&mut stream, reason.to_string()).await;
        }
    };
    // The class's bound on sessions per user (root is never locked out).
    let open = core::lock(&core.sessions)
        .values()
        .filter(|i| i.uid == uid)
        .count();
    let limit = principal.sessions(core.limits.connections_per_uid);
    if uid != 0 && open >= limit {
        info!(uid, open, "refused: session limit of the class");
        return refuse(
            &mut stream,
            format!("too many sessions: the limit for your login class is {limit}"),
        )
        .await;
    }
    let mut session = Session::new(id, principal, client, tty, core.now(), cred.pid());
    let span = info_span!("login", user = %session.user(), logical_system = session.view.logical_system().unwrap_or("-"));
    core.note_session(id, session.info());
    span.in_scope(|| info!("login"));
    send(
        &mut stream,
        &Response::Welcome {
            prompt: session.prompt(&core.hostname()),
        },
    )
    .await?;
    let (mut reader, writer) = stream.into_split();
    let cancel = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel(core.limits.inbox);
    let reading = tokio::spawn({
        let cancel = cancel.clone();
        async move {
            loop {
                let frame = read_frame(&mut reader).await;
                if let Ok(Request::Cancel { id }) = frame {
                    cancel.store(id, Ordering::SeqCst);
                    continue;
                }
                let last = matches!(frame, Err(ref e) if !matches!(e, FrameError::Malformed(_)));
                if tx.send(frame).await.is_err() || last {
                    return;
                }
            }
        }
    });
    let mut c = Conn {
        core: core.clone(),
        admission,
        writer,
        rx,
        cancel,
        executor,
        text: String::new(),
        discarding: false,
    };
    let result = c.requests(&mut session).instrument(span.clone()).await;
    reading.abort();
    c.release_text();
    let core2 = core.clone();
    let _ = tokio::task::spawn_blocking(move || {
        if session.configuring() {
            let _ = catch_unwind(AssertUnwindSafe(|| {
                exec::execute(&core2, &mut session, "exit configuration-mode");
                exec::answer(&core2, &mut session, true);
            }));
        }
        core2.forget_session(session.id);
    })
    .await;
    span.in_scope(|| info!("logout"));
    match result {
        Err(FrameError::Closed) | Ok(()) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

struct Conn {
    core: Arc<Core>,
    admission: Arc<Admission>,
    writer: OwnedWriteHalf,
    rx: mpsc::Receiver<Result<Request, FrameError>>,
    cancel: Arc<AtomicU64>,
    executor: Executor,
    /// Text of a `load` arriving in several frames.
    text: String,
    /// The current load went over its limit: its remaining frames are dropped and the one
    /// answer comes with its last frame.
    discarding: bool,
}

/// Why a session ends after `set cli idle-timeout` (Junos's words).
const IDLE: &str = "Idle timeout exceeded: closing session";

/// Why a session ends at the gate.
const CHANGED: &str =
    "error: your login was changed or removed by a commit; this session is closed";

impl Conn {
    fn release_text(&mut self) {
        self.admission
            .load_bytes
            .fetch_sub(self.text.len(), Ordering::SeqCst);
        self.text = String::new();
    }

    /// Re-resolves the principal against the running configuration: a user deleted,
    /// deactivated or moved to another logical system loses the session; changed rights
    /// apply from this request on.
    async fn authorize(&self, s: &mut Session) -> bool {
        let core = self.core.clone();
        let (uid, user) = (s.principal.uid, s.principal.user.clone());
        let now = tokio::task::spawn_blocking(move || {
            Principal::resolve(&core.running.get(), uid, &user)
        })
        .await;
        match now {
            Ok(Ok(p)) if p.logical_system == s.principal.logical_system => {
                s.principal = p;
                true
            }
            _ => false,
        }
    }

    async fn requests(&mut self, s: &mut Session) -> Result<(), FrameError> {
        loop {
            let Some(next) = self.next_request(s).await else {
                info!(minutes = s.cli.idle_timeout, "idle timeout");
                let reason = IDLE.to_string();
                let _ = send(&mut self.writer, &Response::Closed { reason }).await;
                return Ok(());
            };
            let req = match next {
                Ok(r) => r,
                Err(FrameError::Malformed(m)) => {
                    warn!(error = %m, "malformed request");
                    let message = format!("malformed request: {m}");
                    send(&mut self.writer, &Response::Error { message }).await?;
                    continue;
                }
                Err(FrameError::TooLarge(n)) => {
                    warn!(bytes = n, "oversized frame");
                    let message = format!(
                        "frame of {n} bytes exceeds the {}-byte limit",
                        proto::MAX_FRAME
                    );
                    let _ = send(&mut self.writer, &Response::Error { message }).await;
                    return Err(FrameError::TooLarge(n));
                }
                Err(e) => return Err(e),
            };
            if !matches!(req, Request::Cancel { .. }) && !self.authorize(s).await {
                let message = CHANGED.to_string();
                let _ = send(&mut self.writer, &Response::Error { message }).await;
                return Ok(());
            }
            match req {
                Request::Execute { id, line } => {
                    let executor = self.executor;
                    let reply = self.blocking(s, move |c, s| executor(c, s, &line)).await;
                    self.respond(s, id, reply).await?;
                }
                Request::Answer { id, yes } => {
                    let reply = self.blocking(s, move |c, s| exec::answer(c, s, yes)).await;
                    self.respond(s, id, reply).await?;
                }
                Request::Complete { line } => self.complete(s, line).await?,
                Request::Text {
                    id,
                    text,
                    error,
                    more,
                } => self.text(s, id, text, error, more).await?,
                Request::Cancel { .. } => {}
                Request::Hello { .. } => {
                    let message = "already logged in".to_string();
                    send(&mut self.writer, &Response::Error { message }).await?;
                }
            }
        }
    }

    /// The next request, or `None` when `set cli idle-timeout` ran out first (a request of
    /// any kind, a completion too, is activity; a running command is never idle, nor one that
    /// waits for the user: a question, or the text typed after `load ... terminal`).
    async fn next_request(&mut self, s: &Session) -> Option<Result<Request, FrameError>> {
        let next = self.rx.recv();
        let next = match s.cli.idle_timeout.filter(|_| s.pending.is_none()) {
            Some(minutes) => {
                let idle = self.core.limits.idle_minute.saturating_mul(minutes);
                tokio::time::timeout(idle, next).await.ok()?
            }
            None => next.await,
        };
        Some(next.unwrap_or(Err(FrameError::Closed)))
    }

    /// Runs `f` on the blocking pool; a panic becomes an error for this client only.
    async fn blocking(
        &self,
        s: &mut Session,
        f: impl FnOnce(&Core, &mut Session) -> Reply + Send + 'static,
    ) -> Reply {
        self.on_blocking_pool(s, f, || {
            Reply::error("error: internal error while running this command (logged by lsysd)")
        })
        .await
    }

    /// Runs `f` with the session on the blocking pool (it travels there and back); a panic
    /// answers `failed()`.
    async fn on_blocking_pool<R: Send + 'static>(
        &self,
        s: &mut Session,
        f: impl FnOnce(&Core, &mut Session) -> R + Send + 'static,
        failed: impl FnOnce() -> R,
    ) -> R {
        let core = self.core.clone();
        let placeholder = Session::new(s.id, s.principal.clone(), s.client, None, 0, None);
        let mut owned = std::mem::replace(s, placeholder);
        let joined = tokio::task::spawn_blocking(move || {
            let r = catch_unwind(AssertUnwindSafe(|| f(&core, &mut owned)));
            (owned, r)
        })
        .await;
        match joined {
            Ok((back, r)) => {
                *s = back;
                r.unwrap_or_else(|panic| {
                    tracing::error!(panic = %crate::pipeline::panic_text(&panic), "request panicked");
                    failed()
                })
            }
            Err(e) => {
                tracing::error!(error = %e, "request task failed");
                failed()
            }
        }
    }

    async fn complete(&mut self, s: &mut Session, line: String) -> Result<(), FrameError> {
        let c = self
            .on_blocking_pool(
                s,
                move |core, s| exec::complete(core, s, &line),
                Default::default,
            )
            .await;
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
        let msg = Response::Completions {
            rows,
            tab,
            col: c.col,
        };
        send(&mut self.writer, &msg).await?;
        Ok(())
    }

    /// A `Text` frame: part of the text a pending `load` asked for, bounded per load and
    /// across all connections; exactly one answer per load, with its last frame.
    async fn text(
        &mut self,
        s: &mut Session,
        id: u64,
        text: Option<String>,
        error: Option<String>,
        more: bool,
    ) -> Result<(), FrameError> {
        if !matches!(s.pending, Some(Pending::Load { .. })) {
            self.release_text();
            if !more {
                let message = "no command is waiting for text".to_string();
                send(&mut self.writer, &Response::Error { message }).await?;
            }
            return Ok(());
        }
        let limit = s.principal.load_size(self.core.limits.load_bytes);
        if let Some(t) = text.as_deref().filter(|_| !self.discarding) {
            let total = self
                .admission
                .load_bytes
                .fetch_add(t.len(), Ordering::SeqCst)
                + t.len();
            self.text.push_str(t);
            if self.text.len() > limit || total > self.core.limits.load_bytes_total {
                self.release_text();
                self.discarding = true;
            }
        }
        if more {
            return Ok(());
        }
        let whole = std::mem::take(&mut self.text);
        self.admission
            .load_bytes
            .fetch_sub(whole.len(), Ordering::SeqCst);
        let result = if std::mem::take(&mut self.discarding) {
            Err(format!(
                "text longer than {limit} bytes (or too much text in flight)"
            ))
        } else {
            match (text, error) {
                (_, Some(e)) => Err(e),
                (Some(_), None) => Ok(whole),
                (None, None) => Err("no text".into()),
            }
        };
        let reply = self.blocking(s, move |c, s| exec::text(c, s, result)).await;
        self.respond(s, id, reply).await
    }

    fn cancelled(&self, id: u64) -> bool {
        self.cancel.load(Ordering::SeqCst) == id
    }

    /// Sends a reply: output in chunks (stopping on Cancel), then the question or Done.
    /// Runs a producer on the blocking pool and forwards its chunks. Cancel is noticed within
    /// [`CANCEL_POLL`] even when the producer is quiet (a ping waiting for its next reply): the
    /// producer sees it through [`Sink::interrupted`], `Output` stops, its `Tail` (ping's
    /// statistics) is still forwarded, for at most [`TAIL_GRACE`]; then the channel closes and
    /// the producer's next write fails.
    async fn stream(&mut self, id: u64, producer: Producer) -> Result<(), FrameError> {
        let (tx, mut chunks) = mpsc::channel::<Chunk>(4);
        let interrupt = Arc::new(AtomicBool::new(false));
        let seen = interrupt.clone();
        let producing = tokio::task::spawn_blocking(move || {
            let mut deliver = |chunk: Chunk| tx.blocking_send(chunk).is_ok();
            let interrupted = || seen.load(Ordering::SeqCst);
            let mut sink = Sink::new(&mut deliver, &interrupted);
            let _ = catch_unwind(AssertUnwindSafe(|| (producer.0)(&mut sink)));
        });
        let mut grace: Option<tokio::time::Instant> = None;
        loop {
            let chunk = tokio::select! {
                c = chunks.recv() => match c {
                    Some(c) => Some(c),
                    None => break,
                },
                // A tick: nothing arrived; look at the cancel flag.
                _ = tokio::time::sleep(CANCEL_POLL) => None,
            };
            if grace.is_none() && self.cancelled(id) {
                interrupt.store(true, Ordering::SeqCst);
                grace = Some(tokio::time::Instant::now() + TAIL_GRACE);
            }
            if grace.is_some_and(|g| tokio::time::Instant::now() > g) {
                break;
            }
            match chunk {
                Some(Chunk::Output(text)) if grace.is_none() => {
                    send(&mut self.writer, &Response::Output { id, text }).await?;
                }
                Some(Chunk::Tail(text)) => {
                    send(&mut self.writer, &Response::Tail { id, text }).await?
                }
                Some(Chunk::Output(_)) | None => {}
            }
            tokio::task::yield_now().await;
        }
        // Dropping the receiver stops the producer at its next chunk.
        drop(chunks);
        let _ = producing.await;
        Ok(())
    }

    async fn respond(
        &mut self,
        s: &mut Session,
        id: u64,
        mut reply: Reply,
    ) -> Result<(), FrameError> {
        const CHUNK: usize = 64 * 1024;
        let mut rest = reply.output.as_str();
        while !rest.is_empty() && !self.cancelled(id) {
            let mut cut = rest.len().min(CHUNK);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            let text = rest[..cut].to_string();
            send(&mut self.writer, &Response::Output { id, text }).await?;
            rest = &rest[cut..];
            tokio::task::yield_now().await;
        }
        if let Some(producer) = reply.stream.take() {
            self.stream(id, producer).await?;
        }
        if let Some(file) = reply.read_text {
            send(&mut self.writer, &Response::ReadText { id, file }).await?;
            return Ok(());
        }
        if let Some((text, default)) = reply.question {
            send(&mut self.writer, &Response::Question { id, text, default }).await?;
            return Ok(());
        }
        self.core.note_session(s.id, s.info());
        let done = Response::Done {
            id,
            ok: reply.error.is_none(),
            error: reply.error,
            caret: reply.caret,
            prompt: s.prompt(&self.core.hostname()),
            exit: reply.exit,
            cli: s.cli.clone(),
        };
        send(&mut self.writer, &done).await?;
        Ok(())
    }
}
