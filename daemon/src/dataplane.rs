//! The kernel side of the links subsystem: an actor thread that owns the netlink socket.
//!
//! ```text
//!  links subsystem (pipeline thread) ──converge(&Desired, owners)──► KernelDataplane
//!                                      blocking call               │ channel
//!                                                                  ▼
//!                                   "lsys-netlink" thread: current-thread runtime + Kernel
//!                                   dump links → plan (for the owners) → apply (counted)
//!                                                                  ▲ Job::Repair
//!  "lsys-netconf" thread: forwarding::watch ── forwarding turned off ┘ (coalesced)
//! ```
//!
//! Forwarding ([`lsys_netlink::forwarding`]) is part of the plan, so a commit, the reconcile
//! at start and a device recreated by either turn it on. Between those, the netconf thread
//! hears the kernel announce a forwarding value going to 0 (someone's `sysctl -w`, or
//! `net.ipv4.ip_forward=0`, which writes every device) and queues a repair: the netlink thread
//! dumps the links and writes forwarding back where the last desired state it was given asks
//! for it — only forwarding, nothing else is created, deleted or changed between commits.
//! When a configuration has IPv6 on an irb, the global IPv6 switch is turned on before the
//! plan is applied (IPv6 forwarding needs it on this kernel, see that module); lsys never
//! turns it off.
//!
//! The pipeline is synchronous and runs one commit at a time, rtnetlink is async: a dedicated
//! thread owns the netlink socket and its runtime, and every request waits for its answer. A
//! panic inside a job is caught there: the job answers with an error, the socket is reopened
//! (the actor restarts), and the thread goes on serving. Show commands never come here: they
//! read the live state or dump a table on a socket of their own.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use lsys_netlink::forwarding::{self, NetconfEvent};
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
    /// A forwarding value went to 0: put forwarding back as the last converge asked.
    Repair,
}

/// Repairs follow each other at most this often, so a program that keeps turning forwarding
/// off costs a bounded amount of work rather than a busy loop.
const REPAIR_INTERVAL: Duration = Duration::from_millis(100);

/// The kernel of lsysd's network namespace, through rtnetlink on a thread of its own.
pub struct KernelDataplane {
    jobs: mpsc::Sender<Job>,
    /// The netconf thread's way to the netlink thread, taken on drop so that the netlink
    /// thread ends with this handle (the netconf thread ends at its next event).
    repairs: Arc<Mutex<Option<mpsc::Sender<Job>>>>,
}

impl Drop for KernelDataplane {
    fn drop(&mut self) {
        self.repairs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }
}

impl KernelDataplane {
    /// Starts the netlink thread and opens its socket.
    pub fn start() -> anyhow::Result<KernelDataplane> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let pending = Arc::new(AtomicBool::new(false));
        let repair_pending = pending.clone();
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
                // The desired state of the last converge: what a repair restores.
                let mut last: Option<Desired> = None;
                for job in rx {
                    let (want, owners, reply) = match job {
                        Job::Converge(want, owners, reply) => (want, owners, reply),
                        Job::Repair => {
                            repair_pending.store(false, Ordering::SeqCst);
                            if let Some(want) = &last {
                                let run = catch_unwind(AssertUnwindSafe(|| {
                                    rt.block_on(repair(&mut kernel, want))
                                }));
                                if let Err(panic) = run {
                                    tracing::error!(panic = %crate::pipeline::panic_text(&panic), "forwarding repair panicked; reopening the socket");
                                    if let Ok(k) = rt.block_on(async { Kernel::open() }) {
                                        kernel = k;
                                    }
                                }
                            }
                            continue;
                        }
                    };
                    last = Some(want.clone());
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
            Ok(Ok(())) => {
                let repairs = Arc::new(Mutex::new(Some(jobs.clone())));
                watch_forwarding(repairs.clone(), pending);
                Ok(KernelDataplane { jobs, repairs })
            }
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

/// Starts the "lsys-netconf" thread: every forwarding value going to 0 (or lost events) queues
/// one [`Job::Repair`] unless one is queued already. It ends at the first event after the
/// [`KernelDataplane`] is gone. Without it (the socket cannot be opened) forwarding is still
/// set at every commit and at start, only not put back in between: logged, not fatal.
fn watch_forwarding(jobs: Arc<Mutex<Option<mpsc::Sender<Job>>>>, pending: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new()
        .name("lsys-netconf".into())
        .spawn(move || {
            let mut last_sent: Option<Instant> = None;
            let watched = forwarding::watch(|event| {
                let off = match event {
                    NetconfEvent::Forwarding { on, .. } => !on,
                    NetconfEvent::Overrun => true,
                };
                if !off || pending.swap(true, Ordering::SeqCst) {
                    return true;
                }
                if let Some(wait) = last_sent.and_then(|t| REPAIR_INTERVAL.checked_sub(t.elapsed())) {
                    std::thread::sleep(wait);
                }
                last_sent = Some(Instant::now());
                let jobs = jobs.lock().unwrap_or_else(|p| p.into_inner());
                jobs.as_ref().is_some_and(|j| j.send(Job::Repair).is_ok())
            });
            if let Err(e) = watched {
                tracing::error!(error = %e, "forwarding events unavailable: forwarding turned off by hand is put back only at the next commit or restart");
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the forwarding event thread");
    }
}

/// Turns forwarding back on where `want` asks for it and the kernel has it off; nothing else.
async fn repair(kernel: &mut Kernel, want: &Desired) {
    let started = Instant::now();
    let before = kernel.writes;
    let actual = match kernel.links().await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "forwarding repair: cannot read the links");
            return;
        }
    };
    let plan = forwarding::repairs(&actual, want);
    let mut ipv6_switch = false;
    let global = if forwarding::wants_ipv6(want) {
        kernel
            .enable_ipv6_forwarding()
            .map(|g| ipv6_switch = g.changed)
    } else {
        Ok(())
    };
    let applied = match global {
        Ok(()) => kernel.apply(&plan).await,
        Err(e) => Err(e),
    };
    let writes = kernel.writes - before;
    if writes == 0 && applied.is_ok() {
        return;
    }
    let steps: Vec<String> = plan.steps.iter().map(ToString::to_string).collect();
    match applied {
        Ok(()) => tracing::warn!(
            writes,
            ipv6_switch,
            steps = %steps.join("; "),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "forwarding was turned off behind lsysd's back; turned on again"
        ),
        Err(e) => tracing::error!(error = %e, "forwarding repair failed"),
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
    // IPv6 on an irb: the global switch first (it writes every device's value; the plan then
    // sets lsys's own).
    let mut steps: Vec<String> = Vec::new();
    if forwarding::wants_ipv6(want) {
        let g = kernel
            .enable_ipv6_forwarding()
            .map_err(|e| fail(kernel, e.to_string()))?;
        if g.changed {
            tracing::info!(
                restored = g.restored.len(),
                "IPv6 forwarding turned on (net.ipv6.conf.all.forwarding; other devices keep their own value)"
            );
            steps.push("set ipv6 forwarding on (net.ipv6.conf.all.forwarding)".into());
        }
    }
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
    steps.extend(plan.steps.iter().map(ToString::to_string));
    Ok(Converged {
        writes,
        round_trips,
        steps,
    })
}
