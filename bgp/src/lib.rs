//! The BGP speaker of lsysd: one speaker per routing instance.
//!
//! ```text
//!  listener / connect (net: VRF device, MD5)          config: typed configuration → neighbors,
//!        │ TcpStream                                          and what a commit changes
//!        ▼
//!  peer task ── bytes ─► packet::Framer/decode ─► fsm::Session::handle ─► outputs (send, timers)
//!        │ Event::Update
//!        ▼
//!  instance: rib (Adj-RIB-In ─ policy import ─► decision ─► Loc-RIB ─ policy export ─► Adj-RIB-Out)
//!        │ best paths                                         │ Command::Announce / Withdraw
//!        ▼                                                    ▼
//!  lsys-fib RIB (BGP/170) ──► kernel                    peer tasks
//! ```
//!
//! `packet/` is the codec (RFC 4271, 6793, 4760, 2918/7313, 7606); `fsm/` the sans-IO session
//! state machine (RFC 4271 §8), driven by plain inputs and tested without sockets or clocks;
//! `net/` the sockets: bound to a VRF device, TCP MD5 keys scoped to it (the one module with
//! unsafe code is `net/md5.rs`); `peer/` a neighbor as a tokio task around the machine;
//! `policy/` Junos policy chains; `rib/` Adj-RIB-In/Out and best-path selection; `config` the
//! neighbors a configuration asks for; `show/` the Junos layouts (and `| display json`) of
//! `show bgp` and of `show route receive-protocol | advertising-protocol bgp`.

pub mod config;
pub mod fsm;
pub mod instance;
pub mod net;
pub mod packet;
pub mod peer;
pub mod policy;
pub mod rib;
pub mod show;
