//! The Unix-socket server: accepts connections, bounds them, and hands each to its own task
//! (`conn`). Nothing a client does can stop the accept loop: accept errors (EMFILE included)
//! are logged and retried with backoff; connections are capped in total and per uid, and a
//! connection that has not said hello yet holds one of a few slots for a few seconds only.

mod conn;

use std::collections::HashMap;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UnixListener;
use tokio::sync::Semaphore;
use tracing::{info, info_span, warn, Instrument};

use crate::core::{lock, Core};
use crate::exec::Reply;
use crate::session::Session;

/// Executes a command line; injectable so tests can exercise the server's panic handling.
pub type Executor = fn(&Core, &mut Session, &str) -> Reply;

/// Connection bookkeeping shared by the accept loop and the connections.
pub(crate) struct Admission {
    total: AtomicUsize,
    per_uid: Mutex<HashMap<u32, usize>>,
    pub(crate) unauthenticated: Semaphore,
    /// Bytes of `load` text held by all connections together.
    pub(crate) load_bytes: AtomicUsize,
}

/// A connection's place, given back when it ends.
pub(crate) struct Admitted {
    admission: Arc<Admission>,
    uid: u32,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.admission.total.fetch_sub(1, Ordering::SeqCst);
        let mut m = lock(&self.admission.per_uid);
        if let Some(n) = m.get_mut(&self.uid) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.uid);
            }
        }
    }
}

impl Admission {
    fn admit(self: &Arc<Self>, core: &Core, uid: u32) -> Option<Admitted> {
        let limits = &core.limits;
        let mut m = lock(&self.per_uid);
        let mine = m.get(&uid).copied().unwrap_or(0);
        // root is never locked out by other users' connections or its own.
        if uid != 0
            && (mine >= limits.connections_per_uid
                || self.total.load(Ordering::SeqCst) >= limits.connections)
        {
            return None;
        }
        *m.entry(uid).or_default() += 1;
        self.total.fetch_add(1, Ordering::SeqCst);
        Some(Admitted {
            admission: self.clone(),
            uid,
        })
    }
}

/// Creates the socket's directory (root's, not writable by others) and binds the socket,
/// open to every local user: authorization happens per request.
fn bind(socket: &Path) -> anyhow::Result<UnixListener> {
    if let Some(dir) = socket.parent() {
        std::fs::create_dir_all(dir)?;
        let meta = std::fs::metadata(dir)?;
        if meta.permissions().mode() & 0o022 != 0 {
            warn!(dir = %dir.display(), mode = format!("{:o}", meta.permissions().mode() & 0o7777), "socket directory was writable by others; fixing");
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
        }
    }
    match std::fs::symlink_metadata(socket) {
        Ok(m) if m.file_type().is_socket() => std::fs::remove_file(socket)?,
        Ok(_) => anyhow::bail!("{} exists and is not a socket", socket.display()),
        Err(_) => {}
    }
    let listener = UnixListener::bind(socket)?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o666))?;
    Ok(listener)
}

/// Serves clients on `socket` until the process ends.
pub async fn serve(core: Arc<Core>, socket: &Path, executor: Executor) -> anyhow::Result<()> {
    let listener = bind(socket)?;
    info!(socket = %socket.display(), "listening");
    tokio::spawn(confirm_timer(core.clone()));
    let admission = Arc::new(Admission {
        total: AtomicUsize::new(0),
        per_uid: Mutex::new(HashMap::new()),
        unauthenticated: Semaphore::new(core.limits.unauthenticated),
        load_bytes: AtomicUsize::new(0),
    });
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let mut backoff = Duration::from_millis(5);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => {
                backoff = Duration::from_millis(5);
                stream
            }
            Err(e) => {
                // EMFILE, ENFILE, ENOBUFS, ECONNABORTED...: never fatal.
                warn!(error = %e, retry_ms = backoff.as_millis() as u64, "accept failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let core = core.clone();
        let admission = admission.clone();
        tokio::spawn(async move {
            let span = info_span!("session", session = id);
            if let Err(e) = conn::connection(core, admission, stream, id, executor)
                .instrument(span)
                .await
            {
                warn!(session = id, error = %e, "connection ended");
            }
        });
    }
}

/// Rolls back unconfirmed commits at their deadline: sleeps until the next one (or a minute,
/// to notice confirmations armed by commits), never polls every second.
async fn confirm_timer(core: Arc<Core>) {
    loop {
        let c = core.clone();
        let next = tokio::task::spawn_blocking(move || crate::pipeline::next_deadline(&c))
            .await
            .ok()
            .flatten();
        let now = core.now();
        let wait = match next {
            Some(d) if d <= now => 0,
            Some(d) => (d - now).min(60),
            None => 60,
        };
        if wait > 0 {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(wait as u64)) => {}
                _ = core.confirm_armed.notified() => {}
            }
            continue;
        }
        let c = core.clone();
        let done = tokio::task::spawn_blocking(move || c.pipeline.expire_confirms()).await;
        if let Ok(Ok(done)) = done {
            for d in done {
                info!("{d}");
            }
        }
    }
}
