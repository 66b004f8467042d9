//! `show arp [no-resolve] [interface NAME]`: the kernel's resolved IPv4 neighbors on the
//! interface units the view may see, named as the view names them (`irb.4`, `ge-0/0/1.4`), in
//! Junos's MX layout (columns of 17, 15, 24 characters; `show arp` adds a 25-character
//! `Name` column, which is the address itself: lsys never looks names up):
//! ```text
//! MAC Address       Address         Interface                Flags
//! 52:54:00:4e:a2:01 10.0.0.1        irb.4                    none
//! Total entries: 1
//! ```
//! Entries are sorted by address; `permanent` marks one configured by hand. An entry on a
//! device the view does not show (another tenant's irb, an unconfigured port) is left out,
//! and `interface NAME` the view does not have is `device NAME not found`, as in
//! `show interfaces`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lsys_netlink::live::{LiveState, Neighbor};

use super::detail::mac;
use super::{ShowError, VisiblePhysical};

/// The text of `show arp`; `resolve` is `show arp` without `no-resolve`.
pub fn arp(
    view: &[VisiblePhysical],
    live: &LiveState,
    neighbors: &[Neighbor],
    interface: Option<&str>,
    resolve: bool,
) -> Result<String, ShowError> {
    // Kernel device → Junos unit name, for the units `interface` selects (all without it).
    let mut units: BTreeMap<&str, &str> = BTreeMap::new();
    for p in view {
        for u in &p.units {
            if interface.is_none_or(|i| i == u.name || i == p.name) {
                units.insert(u.device.as_str(), u.name.as_str());
            }
        }
    }
    if let Some(i) = interface {
        if units.is_empty() {
            return Err(ShowError::NoDevice(i.to_string()));
        }
    }
    let mut rows: Vec<(&Neighbor, &str)> = neighbors
        .iter()
        .filter_map(|n| {
            let device = live.name_of(n.index)?;
            units.get(device).map(|name| (n, *name))
        })
        .collect();
    rows.sort_by_key(|(n, name)| (n.address, *name));
    let mut out = String::new();
    if resolve {
        out.push_str(
            "MAC Address       Address         Name                      Interface               Flags\n",
        );
    } else {
        out.push_str("MAC Address       Address         Interface                Flags\n");
    }
    for (n, name) in &rows {
        let flags = if n.permanent { "permanent" } else { "none" };
        let mac = mac(n.mac);
        let address = n.address.to_string();
        if resolve {
            let _ = writeln!(
                out,
                "{mac:<17} {address:<15} {address:<25} {name:<23} {flags}"
            );
        } else {
            let _ = writeln!(out, "{mac:<17} {address:<15} {name:<24} {flags}");
        }
    }
    let _ = writeln!(out, "Total entries: {}", rows.len());
    Ok(out)
}
