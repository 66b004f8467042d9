//! Linux realization of the lsys intent: VRF devices, irb bridges, VLAN/QinQ members and
//! addresses, reconciled against the live kernel through rtnetlink.
//!
//! ```text
//!  typed::Intent ──desired()──► Desired ─┐   (sans-IO, unit-tested)
//!    table_of(&"ls/instance") ─┘          ├─ plan() | plan_for(owners) ──► Plan [Step...]
//!  Kernel::links() ──► [Link] (dump) ────┘      ──► Kernel::apply() (rtnetlink, counted)
//! ```
//!
//! * [`desired`](mod@desired): one [`Link`] per device lsys wants — `vrf<table>` per routing
//!   instance and per logical system's master instance (when an irb sits outside every
//!   instance), a bridge named after each bridge domain's irb (`irb.4`, enslaved to its VRF,
//!   carrying the irb's addresses), an 802.1q device per member unit (`eth1.4`), QinQ as an
//!   802.1ad outer device (`eth1.1000`, or `eth1.q1000` when a unit claims that name) under the
//!   802.1q inner one.
//! * [`reconcile`]: the pure diff. Devices lsys owns carry ifalias `lsys:<ls>:<what>`; only those
//!   are changed or deleted, so foreign VRFs and bridges survive. A converged kernel gives an
//!   empty plan: zero writes. [`plan`] covers the whole kernel (reconcile at start);
//!   [`plan_for`] only the scopes (`<ls>` of the alias, [`ROOT_LS`] for the root) a commit
//!   changed, leaving other tenants' devices, and their missing ports, alone.
//! * [`kernel`]: dump and apply, one netlink request per [`Step`] (a /proc/sys write for
//!   forwarding).
//! * [`forwarding`]: IP forwarding on the irbs (per device; IPv6 also needs the global switch
//!   on this kernel), its /proc/sys writes, and the netconf events that report it turned off.
//! * [`route`]: the one route model, read side ([`route::KernelRoute`], [`route::RouteKind`],
//!   [`route::parse_route`]), shared by the batch path and the forwarding-table dump.
//! * [`batch`]: many route ops per `sendmsg` on a blocking socket, one result per op
//!   ([`batch::RouteSocket`]); `ops` (ECMP-capable [`batch::Route`]), `encode` (ops →
//!   chunks), `acks` (answers → results), `socket`, `diff` (the FIB's reconcile,
//!   [`batch::reconcile_ops`]: lsys's own routes only, conflicts with foreign ones reported).
//! * [`live`]: links and addresses kept current by kernel events for show commands (`state`,
//!   the pure part; `watch`, the driver), and the route dump of one table (`routes`).
//! * [`icmp`]: `ping` and `traceroute` on sockets bound to a (VRF) device, streaming their
//!   lines in the FreeBSD layout Junos prints (`format`, golden-tested).

pub mod batch;
pub mod desired;
pub mod forwarding;
pub mod icmp;
pub mod kernel;
pub mod live;
pub mod reconcile;
pub mod route;
mod scope;
#[cfg(test)]
mod test_support;

pub use desired::{desired, Desired, DesiredError, Kind, Link, Port, VlanProto, ROOT_LS};
pub use forwarding::{Family, Forwarding};
pub use kernel::{Kernel, KernelError};
pub use reconcile::{plan, plan_for, Plan, PlanError, Step};
