//! The kernel side of the links subsystem: an actor thread that owns the netlink socket.
//!
//! ```text
//!  links subsystem (pipeline thread) ──converge(&Desired, owners)──► KernelDataplane
//!                                      blocking call               │ channel
//!                                                                  ▼
//!                                   "lsys-netlink" thread: current-thread runtime + Kernel
//!                                   dump links → plan (for the owners) → apply (counted)
//! ```
//!
//! The pipeline is synchronous and runs one commit at a time, rtnetlink is async: a dedicated
//! thread owns the netlink socket and its runtime, and every request waits for its answer. A
//! panic inside a job is caught there: the job answers with an error, the socket is reopened
//! (the actor restarts), and the thread goes on serving. Show commands never come here: they
//! read the live state or dump a table on a socket of their own.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Instant;

use lsys_netlink::{plan, plan_for, Desired, Kernel, PlanError};

/// What a convergence did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Converged {
    /// Netlink write requests sent (0 on a kernel that already matched).
    pub writes: usize,
    /// Requests that waited for the kernel: dumps, index lookups and writes.
    pub round_trips: usize,
    /// The steps applied, in order (`create irb.4 bridge`, ...).
    pub steps: Vec<String>,
}

/// Why the kernel could not be brought to the wanted state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DataplaneError {
    pub message: String,
    /// Writes sent before the failure (so the caller knows whether there is anything to undo).
    pub writes: usize,
    /// The failure was a port (operator's object) that does not exist.
    pub missing_port: Option<String>,
}

impl DataplaneError {
    pub fn new(message: impl Into<String>, writes: usize) -> DataplaneError {
        DataplaneError {
            message: message.into(),
            writes,
            missing_port: None,
        }
    }
}

/// Programs the kernel. [`KernelDataplane`] is the real one; tests may inject their own.
pub trait Dataplane: Send {
    /// Makes lsys's devices in the kernel match `want` (foreign devices are never touched):
    /// only those of `owners` (logical-system names, `""` for the root) when given, every
    /// lsys device otherwise.
    fn converge(
        &self,
        want: &Desired,
        owners: Option<&BTreeSet<String>>,
    ) -> Result<Converged, DataplaneError>;
}

type Reply<T> = mpsc::SyncSender<Result<T, DataplaneError>>;

enum Job {
    Converge(Desired, Option<BTreeSet<String>>, Reply<Converged>),
}

/// The kernel of lsysd's network namespace, through rtnetlink on a thread of its own.
pub struct KernelDataplane {
    jobs: mpsc::Sender<Job>,
}

impl KernelDataplane {
    /// Starts the netlink thread and opens its socket.
    pub fn start() -> anyhow::Result<KernelDataplane> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("lsys-netlink".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let kernel = rt.block_on(async { Kernel::open() });
                let mut kernel = match kernel {
                    Ok(k) => {
                        let _ = ready_tx.send(Ok(()));
                        k
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                for job in rx {
                    let Job::Converge(want, owners, reply) = job;
                    let run = catch_unwind(AssertUnwindSafe(|| {
                        rt.block_on(converge(&mut kernel, &want, owners.as_ref()))
                    }));
                    let answer = run.unwrap_or_else(|panic| {
                        tracing::error!(panic = %crate::pipeline::panic_text(&panic), "netlink job panicked; reopening the socket");
                        if let Ok(k) = rt.block_on(async { Kernel::open() }) {
                            kernel = k;
                        }
                        Err(DataplaneError::new("internal error in the netlink actor (logged by lsysd)", 0))
                    });
                    let _ = reply.send(answer);
                }
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(KernelDataplane { jobs }),
            Ok(Err(e)) => anyhow::bail!("netlink: {e}"),
            Err(_) => anyhow::bail!("netlink: the netlink thread ended at start"),
        }
    }
}

impl KernelDataplane {
    fn ask<T>(&self, job: impl FnOnce(Reply<T>) -> Job) -> Result<T, DataplaneError> {
        let gone = || DataplaneError::new("the netlink thread is gone", 0);
        let (tx, rx) = mpsc::sync_channel(1);
        self.jobs.send(job(tx)).map_err(|_| gone())?;
        rx.recv().map_err(|_| gone())?
    }
}

impl Dataplane for KernelDataplane {
    fn converge(
        &self,
        want: &Desired,
        owners: Option<&BTreeSet<String>>,
    ) -> Result<Converged, DataplaneError> {
        self.ask(|tx| Job::Converge(want.clone(), owners.cloned(), tx))
    }
}

async fn converge(
    kernel: &mut Kernel,
    want: &Desired,
    owners: Option<&BTreeSet<String>>,
) -> Result<Converged, DataplaneError> {
    let started = Instant::now();
    let (before, trips_before) = (kernel.writes, kernel.round_trips);
    let fail =
        |kernel: &Kernel, message: String| DataplaneError::new(message, kernel.writes - before);
    let actual = kernel
        .links()
        .await
        .map_err(|e| fail(kernel, e.to_string()))?;
    let planned = match owners {
        Some(o) => plan_for(&actual, want, o),
        None => plan(&actual, want),
    };
    let plan = planned.map_err(|e| {
        let missing = match &e {
            PlanError::MissingPort { name, .. } => Some(name.clone()),
            _ => None,
        };
        DataplaneError {
            missing_port: missing,
            ..fail(kernel, e.to_string())
        }
    })?;
    let applied = kernel.apply(&plan).await;
    let writes = kernel.writes - before;
    let round_trips = kernel.round_trips - trips_before;
    tracing::info!(
        writes,
        round_trips,
        steps = plan.steps.len(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        ok = applied.is_ok(),
        "kernel plan applied"
    );
    applied.map_err(|e| fail(kernel, e.to_string()))?;
    Ok(Converged {
        writes,
        round_trips,
        steps: plan.steps.iter().map(ToString::to_string).collect(),
    })
}
