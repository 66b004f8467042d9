//! The kernel side of the commit pipeline.
//!
//! ```text
//!  Router (commit, under its mutex) ──converge(&Desired)──► KernelDataplane
//!                                     blocking call       │ channel
//!                                                         ▼
//!                                   "lsys-netlink" thread: current-thread runtime + Kernel
//!                                   dump links → plan → apply (writes counted)
//! ```
//!
//! The router is synchronous (one mutex, short operations), rtnetlink is async: a dedicated
//! thread owns the netlink socket and its runtime, and every request waits for its answer.
//! Commits are serialized by the router anyway, so one thread loses nothing.

use std::sync::mpsc;
use std::time::Instant;

use lsys_netlink::live::{routes_with, KernelRoute};
use lsys_netlink::{plan, Desired, Kernel};

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
}

/// Programs the kernel. [`KernelDataplane`] is the real one; tests may inject their own.
pub trait Dataplane: Send {
    /// Makes lsys's devices in the kernel match `want` (foreign devices are never touched).
    fn converge(&self, want: &Desired) -> Result<Converged, DataplaneError>;
    /// The routes of kernel table `table` (both families).
    fn routes(&self, table: u32) -> Result<Vec<KernelRoute>, DataplaneError>;
}

type Reply<T> = mpsc::SyncSender<Result<T, DataplaneError>>;

enum Job {
    Converge(Desired, Reply<Converged>),
    Routes(u32, Reply<Vec<KernelRoute>>),
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
                    match job {
                        Job::Converge(want, reply) => {
                            let _ = reply.send(rt.block_on(converge(&mut kernel, &want)));
                        }
                        Job::Routes(table, reply) => {
                            let r = rt.block_on(routes_with(kernel.handle(), table));
                            let _ = reply.send(r.map_err(|e| DataplaneError {
                                message: e.to_string(),
                                writes: 0,
                            }));
                        }
                    }
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
        let gone = || DataplaneError {
            message: "the netlink thread is gone".into(),
            writes: 0,
        };
        let (tx, rx) = mpsc::sync_channel(1);
        self.jobs.send(job(tx)).map_err(|_| gone())?;
        rx.recv().map_err(|_| gone())?
    }
}

impl Dataplane for KernelDataplane {
    fn converge(&self, want: &Desired) -> Result<Converged, DataplaneError> {
        self.ask(|tx| Job::Converge(want.clone(), tx))
    }

    fn routes(&self, table: u32) -> Result<Vec<KernelRoute>, DataplaneError> {
        self.ask(|tx| Job::Routes(table, tx))
    }
}

async fn converge(kernel: &mut Kernel, want: &Desired) -> Result<Converged, DataplaneError> {
    let started = Instant::now();
    let (before, trips_before) = (kernel.writes, kernel.round_trips);
    let fail = |kernel: &Kernel, message: String| DataplaneError {
        message,
        writes: kernel.writes - before,
    };
    let actual = kernel
        .links()
        .await
        .map_err(|e| fail(kernel, e.to_string()))?;
    let plan = plan(&actual, want).map_err(|e| fail(kernel, e.to_string()))?;
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
