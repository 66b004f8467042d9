//! lsysd: the daemon behind every lsys shell.
//!
//! ```text
//!  lsys ──unix socket──► server (accept: bounded, per-uid caps, hello timeout)
//!                           │ one task per connection: reader ─► bounded inbox
//!                           ▼
//!                         gate (SO_PEERCRED uid → user → class → logical system + permissions,
//!                           │   re-resolved on every request)
//!                           ▼
//!                         exec (command schema → oper / config handlers, on the blocking pool)
//!                           │ reads: Arc snapshots           │ commit: CommitRequest
//!                           ▼                                ▼
//!        Core: running (Snapshot<Running>), shared     pipeline thread ("lsys-commit"), FIFO:
//!        candidate, sessions, locks, datastore         validate ─► diff ─► prepare ─► apply ─►
//!                                                      publish ─► persist ─► swap
//!                                                               │ Subsystem trait
//!                                                               ▼
//!                                         actors: links ("lsys-netlink" thread: netlink socket)
//!                                                 routing ─► RIB/FIB actor ("lsys-rib" thread,
//!                                                 routing/: lsys-fib's Rib + batched netlink)
//!                                                 bgp (a speaker per instance)
//!                                                 accounts (--manage-accounts: `system login
//!                                                 user` as Unix accounts, accounts/)
//!  kernel events ─► live state (show interfaces) ─► KernelEvents broadcast ─► RIB (connected)
//!  kernel route deletions (lsys's protocols) ─────────────────────────────► RIB (put back)
//! ```
//! Reads never wait for commits: they take the running snapshot (an `Arc`) or a candidate
//! snapshot, and the pipeline swaps in a new one only once a commit is durable. Sessions belong
//! to their connection; a shell that vanishes loses only its private candidate.

pub mod accounts;
pub mod actors;
pub mod bgp;
pub mod clock;
pub mod core;
pub mod dataplane;
pub mod exec;
pub mod gate;
pub mod limits;
pub mod pipeline;
pub mod routing;
pub mod running;
pub mod server;
pub mod session;
pub mod show;
