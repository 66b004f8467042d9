//! BGP in lsysd: one lsys-bgp speaker per instance that configures BGP, and the glue to the
//! routing table and the show commands.
//!
//! ```text
//!  pipeline (bgp subsystem) ── set(plan) ──► BgpHandle ── Configure ──► lsys_bgp::Instance (tokio)
//!  show bgp ... ─────────────── status(keys) ─────────────── Status ──┘        │ Output::Routes
//!                                                                             ▼
//!                              forwarder task per speaker ── routes::convert ──► RouteSink (RIB)
//! ```
//! The handle lives in `Core`; the pipeline thread and the show handlers call it from outside
//! the runtime (it enters the runtime to spawn and blocks on replies), so no async code runs on
//! the pipeline thread.

pub mod local;
pub mod plan;
pub mod routes;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use ipnet::IpNet;
use lsys_bgp::instance::{Command, Instance, Output, Selected};
use lsys_bgp::show::PeerView;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::core::lock;
pub use plan::{plan, Planned};

/// Where a speaker's output goes, with its instance key: changed prefixes
/// (`Output::Routes`) and `Output::Synced` for the routing table.
pub type RouteSink = Arc<dyn Fn(&str, Output) + Send + Sync>;

/// Route batches a speaker may queue for its forwarder.
const OUTPUT: usize = 64;

struct Speaker {
    instance: Instance,
    planned: Planned,
    forward: JoinHandle<()>,
    /// The prefixes whose BGP route this speaker gave the table (withdrawn when it stops).
    installed: Arc<Mutex<BTreeSet<IpNet>>>,
    /// Tells this speaker from an earlier one of the same key (which the local-routes
    /// follower gave its table's routes to).
    generation: u64,
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.forward.abort();
    }
}

/// The running speakers; cheap to clone.
#[derive(Clone)]
pub struct BgpHandle {
    runtime: tokio::runtime::Handle,
    speakers: Arc<Mutex<BTreeMap<String, Speaker>>>,
    sink: RouteSink,
    generations: Arc<std::sync::atomic::AtomicU64>,
}

impl BgpHandle {
    pub fn new(runtime: tokio::runtime::Handle, sink: RouteSink) -> BgpHandle {
        BgpHandle {
            runtime,
            speakers: Arc::default(),
            sink,
            generations: Arc::default(),
        }
    }

    /// Makes the running speakers those of `want`: new ones start, gone ones stop (their
    /// routes leave the table), changed ones get their new configuration (which resets only
    /// the sessions whose parameters changed).
    pub fn set(&self, want: &BTreeMap<String, Planned>) {
        let _enter = self.runtime.enter();
        let mut speakers = lock(&self.speakers);
        let gone: Vec<String> = speakers
            .keys()
            .filter(|k| !want.contains_key(*k))
            .cloned()
            .collect();
        for key in gone {
            if let Some(s) = speakers.remove(&key) {
                let left: Vec<(IpNet, Option<Selected>)> =
                    lock(&s.installed).iter().map(|p| (*p, None)).collect();
                if !left.is_empty() {
                    (self.sink)(&key, Output::Routes(left));
                }
            }
        }
        for (key, p) in want {
            if speakers.get(key).is_some_and(|s| s.planned == *p) {
                continue;
            }
            let configure = Command::Configure {
                config: p.config.clone(),
                policies: p.policies.clone(),
            };
            if let Some(s) = speakers.get_mut(key) {
                s.planned = p.clone();
                let _ = s.instance.commands().try_send(configure);
                continue;
            }
            let (tx, mut rx) = mpsc::channel(OUTPUT);
            let instance = Instance::spawn(p.name.clone(), p.tables.clone(), tx);
            let _ = instance.commands().try_send(configure);
            let sink = self.sink.clone();
            let k = key.clone();
            let installed: Arc<Mutex<BTreeSet<IpNet>>> = Arc::default();
            let track = installed.clone();
            let forward = self.runtime.spawn(async move {
                while let Some(output) = rx.recv().await {
                    if let Output::Routes(routes) = &output {
                        let mut t = lock(&track);
                        for (p, r) in routes {
                            match r {
                                Some(_) => t.insert(*p),
                                None => t.remove(p),
                            };
                        }
                    }
                    let sink = sink.clone();
                    let k = k.clone();
                    // The sink may block on the RIB's channel: not on a runtime worker.
                    let _ = tokio::task::spawn_blocking(move || sink(&k, output)).await;
                }
            });
            speakers.insert(
                key.clone(),
                Speaker {
                    instance,
                    planned: p.clone(),
                    forward,
                    installed,
                    generation: self
                        .generations
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                },
            );
        }
    }

    /// The running speakers: key (the table's), generation and command channel.
    pub(crate) fn speakers(&self) -> Vec<(String, u64, mpsc::Sender<Command>)> {
        lock(&self.speakers)
            .iter()
            .map(|(k, s)| (k.clone(), s.generation, s.instance.commands().clone()))
            .collect()
    }

    /// The neighbors of the speakers whose keys `pick` accepts, by key, for the show commands.
    pub fn status(
        &self,
        pick: impl Fn(&str, &Planned) -> bool,
    ) -> Vec<(String, Planned, Vec<PeerView>)> {
        let chosen: Vec<(String, Planned, mpsc::Sender<Command>)> = lock(&self.speakers)
            .iter()
            .filter(|(k, s)| pick(k, &s.planned))
            .map(|(k, s)| (k.clone(), s.planned.clone(), s.instance.commands().clone()))
            .collect();
        chosen
            .into_iter()
            .map(|(k, p, commands)| {
                let peers = self.runtime.block_on(async move {
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    if commands.send(Command::Status(tx)).await.is_err() {
                        return Vec::new();
                    }
                    rx.await.unwrap_or_default()
                });
                (k, p, peers)
            })
            .collect()
    }

    /// `clear bgp neighbor`: sends `cmd` to the speakers `pick` accepts.
    pub fn clear(
        &self,
        pick: impl Fn(&str, &Planned) -> bool,
        neighbor: Option<std::net::IpAddr>,
        how: lsys_bgp::instance::Clear,
    ) -> usize {
        let chosen: Vec<mpsc::Sender<Command>> = lock(&self.speakers)
            .iter()
            .filter(|(k, s)| pick(k, &s.planned))
            .filter(|(_, s)| neighbor.is_none_or(|n| s.planned.config.neighbors.contains_key(&n)))
            .map(|(_, s)| s.instance.commands().clone())
            .collect();
        let n = chosen.len();
        for c in chosen {
            let _ = self
                .runtime
                .block_on(c.send(Command::Clear { neighbor, how }));
        }
        n
    }

    /// `show route receive-protocol | advertising-protocol bgp A`: the routes of `neighbor` in
    /// each speaker `pick` accepts whose configuration has that neighbor, with its key and plan,
    /// in key order; empty when none has it (a speaker that has not taken its configuration
    /// yet answers no routes).
    pub fn routes(
        &self,
        pick: impl Fn(&str, &Planned) -> bool,
        neighbor: std::net::IpAddr,
        side: lsys_bgp::instance::RouteSide,
    ) -> Vec<(String, Planned, Vec<lsys_bgp::instance::RouteLine>)> {
        let chosen: Vec<(String, Planned, mpsc::Sender<Command>)> = lock(&self.speakers)
            .iter()
            .filter(|(k, s)| pick(k, &s.planned))
            .filter(|(_, s)| s.planned.config.neighbors.contains_key(&neighbor))
            .map(|(k, s)| (k.clone(), s.planned.clone(), s.instance.commands().clone()))
            .collect();
        chosen
            .into_iter()
            .map(|(k, p, commands)| {
                let lines = self.runtime.block_on(async move {
                    let (reply, rx) = tokio::sync::oneshot::channel();
                    let cmd = Command::Routes {
                        neighbor,
                        side,
                        reply,
                    };
                    if commands.send(cmd).await.is_err() {
                        return Vec::new();
                    }
                    rx.await.ok().flatten().unwrap_or_default()
                });
                (k, p, lines)
            })
            .collect()
    }
}
