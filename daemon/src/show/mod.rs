//! Operational show commands that read the live kernel: pure renderers, no I/O.
//!
//! ```text
//!  typed::Intent ─visible::interfaces(ls)─► [VisiblePhysical] ─┐
//!  live::LiveState (netlink::live::watch) ─────────────────────┴─► interfaces::terse[_json]
//!  typed::Intent ─visible::tables(ls)─► [VisibleTable] ─forwarding::select(filter)─►
//!     daemon: TableRef → table id → live::routes() ─► forwarding::forwarding_table[_json]
//!  typed::Intent ─visible::interfaces(ls)─► [VisiblePhysical] ─┐
//!  live::neighbors_now() (the kernel's ARP table) ─────────────┴─► arp::arp
//! ```
//! A view is the operator (`None`) or a logical system (`Some(ls)`); everything a view may not
//! see is filtered out before rendering, and a name it may not see gets the same
//! `device NAME not found` / `routing table NAME not found` whether it exists elsewhere or
//! not. Errors display without the `error: ` prefix the shell line carries.
//!
//! `| display json` shapes (Junos names, values as plain strings rather than Junos'
//! `[{"data": ...}]` wrappers; absent values leave their key out):
//! ```text
//! show interfaces terse [PHYSICAL]
//!   {"interface-information": [{"physical-interface": [
//!     {"name": "eth1", "admin-status": "up", "oper-status": "up",     (status: operator only)
//!      "logical-interface": [
//!        {"name": "eth1.4", "admin-status": "up", "oper-status": "up",
//!         "address-family": [{"address-family-name": "bridge"}]}]},
//!     {"name": "irb", "logical-interface": [
//!        {"name": "irb.4", "admin-status": "up", "oper-status": "up",
//!         "address-family": [
//!           {"address-family-name": "inet", "interface-address": [{"ifa-local": "10.0.0.0/31"}]},
//!           {"address-family-name": "multiservice"}]}]}]}]}
//! show interfaces terse UNIT
//!   {"interface-information": [{"logical-interface": [ ...one entry as above... ]}]}
//! show route forwarding-table [table NAME]
//!   {"forwarding-table-information": [{"route-table": [
//!     {"table-name": "NAME.inet", "address-family": "Internet",
//!      "rt-entry": [
//!        {"rt-destination": "10.0.0.0/31", "destination-type": "intf",
//!         "nh": [{"nh-type": "rslv", "via": "irb.4"}]},
//!        {"rt-destination": "10.6.0.0/16", "destination-type": "user",
//!         "nh": [{"to": "10.0.0.14", "nh-type": "ucst", "via": "irb.2"}]},
//!        {"rt-destination": "10.8.0.0/16", "destination-type": "user",
//!         "nh": [{"nh-type": "ulst"}, {"to": ..., "nh-type": "ucst", "via": ...}, ...]}]}]}]}
//! ```

pub mod arp;
pub mod columns;
pub mod detail;
pub mod forwarding;
pub mod interfaces;
pub mod uptime;
pub mod visible;

pub use forwarding::{forwarding_table, forwarding_table_json};
pub use interfaces::{terse, terse_json};
pub use visible::{TableRef, VisiblePhysical, VisibleTable};

/// A show command that cannot answer (Junos wording, without the `error: ` prefix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShowError {
    #[error("device {0} not found")]
    NoDevice(String),
    #[error("routing table {0} not found")]
    NoTable(String),
}
