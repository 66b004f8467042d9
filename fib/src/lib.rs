//! The routing information base of lsysd: one RIB per routing table, best-path selection,
//! the FIB difference that goes to the kernel, and the `show route` renderings.
//!
//! ```text
//!  connected (links + addresses, from kernel events) ─┐
//!  static routes (from a commit's typed intent)      ─┼─► Rib ── dirty prefixes ──► process()
//!  BGP routes (the speaker's selected paths)         ─┘    │                         │
//!                                                          │ view(query)             ▼
//!                                         render::{route, terse, extensive, summary, json}
//!                                                          Processed { fib: [FibOp], best: [..] }
//!                                                               │ batched netlink (daemon)
//!                                                               ▼
//!                                                  kernel VRF table; results → fib_result()
//! ```
//!
//! The [`rib::Rib`] is sans-IO: every input is a method call carrying the time (`now`, Unix
//! seconds), every output is a value. Nothing is re-selected until [`rib::Rib::process`], and
//! then only the prefixes an input touched (a dirty-prefix queue, as holo-routing's `rib.rs`
//! and BIRD's `rte_recalculate` do); a next hop's resolution is tracked so that a link going
//! down re-selects only the static and BGP routes whose gateways sat on it or the statics
//! that name it as an interface next hop (`next-hop irb.300`).
//!
//! Layout: `types.rs` holds the vocabulary shared with the daemon ([`Protocol`],
//! [`StaticConfig`], [`NextHop`], [`TableConfig`], [`Connected`], [`BgpRoute`], [`BgpInfo`],
//! [`ActiveRoute`], [`FibRoute`], [`FibOp`]); `view.rs` the plain snapshots the renderers take
//! ([`view::TableView`] ...); `rib/` the state and selection; `render/` the Junos layouts and
//! the JSON shape.

pub mod render;
pub mod rib;
mod types;
pub mod view;

pub use types::*;
