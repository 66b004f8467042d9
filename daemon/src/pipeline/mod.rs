//! The commit pipeline: one thread that runs commits one at a time, in arrival order.
//!
//! ```text
//!  session ──CommitRequest──► bounded FIFO ──► "lsys-commit" thread
//!                                               │ catch_unwind per job
//!   validate ─► diff ─► prepare ─► apply ─► publish(build) ─► persist ─► swap
//!   (merge,     (typed  (each      (kernel   (new Running,     (one redb    (Arc pointer,
//!    gate,       change  subsystem) links     new shared        transaction, shared candidate,
//!    confirm)    set)               first)    candidate)        durable)     subsystems told)
//! ```
//! Nothing is moved out of shared state and put back: each stage builds what it needs beside
//! the running state, and only the last step — pointer swaps that cannot fail — makes it
//! visible. An error or a panic at any earlier stage leaves the running configuration, every
//! candidate, the datastore and (through the subsystems' abort) the kernel as they were; the
//! thread catches the panic, restarts its subsystems from the running intent, and serves the
//! next commit.

mod change;
mod commit;
mod confirm;
mod faults;
mod history;
pub mod merge;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Weak};

use lsys_datastore::CommitMeta;
use lsys_grammar::tree::Node;
use lsys_grammar::view::View;

pub use change::{diff, ChangeSet, Object, Op};
pub use commit::{CommitError, Committed};
pub use faults::{Faults, Injected, NoFaults, Stage};
pub use history::rollback_part;

use crate::actors::Subsystem;
use crate::core::Core;
use crate::gate::Principal;

/// Which candidate a commit takes.
#[derive(Debug, Clone)]
pub enum Source {
    /// The shared candidate, as it is when the commit runs.
    Shared,
    /// A private candidate and the running configuration it was based on.
    Private { tree: Arc<Node>, base: Arc<Node> },
}

/// What to do with the candidate.
#[derive(Debug, Clone)]
pub enum Action {
    /// `commit check`: validate only.
    Check,
    Commit(CommitMeta),
}

#[derive(Debug, Clone)]
pub struct CommitRequest {
    pub principal: Principal,
    pub view: View,
    pub source: Source,
    pub action: Action,
}

/// The pipeline's own state, owned by its thread.
pub struct Pipeline {
    pub subsystems: Vec<Box<dyn Subsystem>>,
    pub faults: Arc<dyn Faults>,
}

type Job = Box<dyn FnOnce(&Core, &mut Pipeline) + Send>;

/// How sessions reach the pipeline.
#[derive(Clone)]
pub struct PipelineHandle {
    jobs: mpsc::SyncSender<Job>,
}

/// Creates the queue; [`start`] attaches the thread once the core exists.
pub fn queue(bound: usize) -> (PipelineHandle, mpsc::Receiver<Job>) {
    let (jobs, rx) = mpsc::sync_channel(bound);
    (PipelineHandle { jobs }, rx)
}

/// Starts the pipeline thread. It holds the core weakly: it ends when the core is dropped.
pub fn start(core: &Arc<Core>, jobs: mpsc::Receiver<Job>, mut pipeline: Pipeline) {
    let weak: Weak<Core> = Arc::downgrade(core);
    let spawned = std::thread::Builder::new()
        .name("lsys-commit".into())
        .spawn(move || {
            for job in jobs {
                let Some(core) = weak.upgrade() else { return };
                let run = catch_unwind(AssertUnwindSafe(|| job(&core, &mut pipeline)));
                if let Err(panic) = run {
                    tracing::error!(panic = %panic_text(&panic), "commit pipeline job panicked; subsystems restart from the running configuration");
                    let running = core.running.get();
                    for s in &mut pipeline.subsystems {
                        let name = s.name();
                        if catch_unwind(AssertUnwindSafe(|| s.restart(&running))).is_err() {
                            tracing::error!(subsystem = name, "subsystem restart panicked");
                        }
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the commit pipeline thread");
    }
}

/// The text of a panic payload.
pub fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

impl PipelineHandle {
    /// Runs `f` on the pipeline thread and waits for its result (call from a blocking
    /// context). `None`: the queue is full or the job panicked.
    pub fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Core, &mut Pipeline) -> R + Send + 'static,
    ) -> Result<R, CommitError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |core, p| {
            let _ = tx.send(f(core, p));
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(mpsc::TrySendError::Full(_)) => return Err(CommitError::Busy),
            Err(mpsc::TrySendError::Disconnected(_)) => return Err(CommitError::Gone),
        }
        rx.recv().map_err(|_| CommitError::Panicked)
    }

    /// Commits (or checks) a candidate.
    pub fn commit(&self, req: CommitRequest) -> Result<Committed, CommitError> {
        self.run(move |core, p| commit::commit(core, p, req, false))?
    }

    /// Rolls back every confirmed commit whose deadline has passed; returns what was done.
    pub fn expire_confirms(&self) -> Result<Vec<String>, CommitError> {
        self.run(confirm::expire)
    }

    /// Daemon start: brings every subsystem (the kernel) to the running configuration.
    pub fn reconcile(&self) -> Result<Vec<String>, CommitError> {
        self.run(|core, p| {
            let running = core.running.get();
            p.subsystems
                .iter_mut()
                .map(|s| match s.reconcile(&running) {
                    Ok(done) => format!("{}: {done}", s.name()),
                    Err(e) => format!("{}: failed: {e}", s.name()),
                })
                .collect()
        })
    }
}

/// The earliest pending confirmation deadline, if any (for the timer).
pub fn next_deadline(core: &Core) -> Option<i64> {
    confirm::pending(core)
        .ok()?
        .into_iter()
        .map(|p| p.deadline)
        .min()
}
