//! `show interfaces [NAME]` without `terse`: the Junos per-interface block, filled only with
//! what the kernel says (lsys prints no SNMP index, speed, flags or rates it would have to make
//! up). The operator's port:
//! ```text
//! Physical interface: eth1, Enabled, Physical link is Up
//!   Interface index: 3
//!   Link-level type: Ethernet, MTU: 9000
//!   Current address: 52:54:00:12:34:56, Hardware address: 52:54:00:12:34:56
//!   Input packets : 1204
//!   Output packets: 1187
//! ```
//! A physical block is printed only where the view shows the port's state (the operator's
//! ports). The irb pseudo-device has no kernel device of its own, and a logical system sees
//! only its logical interfaces, so there only their blocks are printed -- TextFSM templates
//! for Junos expect a `Physical interface:` line to carry the state. A tenant's irbs:
//! ```text
//!   Logical interface irb.2 (Index 9)
//!     Flags: Up
//!     Input packets : 310
//!     Output packets: 298
//!     Protocol inet, MTU: 9000
//!       Addresses
//!         Destination: 10.0.0.12/30, Local: 10.0.0.13, Broadcast: 10.0.0.15
//!     Protocol multiservice
//!
//!   Logical interface irb.4 (Index 10)
//!     ...
//!         Destination: 10.0.0.0/31, Local: 10.0.0.0
//! ```
//! Blocks are separated by a blank line. The rows and what a view may see are those of
//! `show interfaces terse` (same filters, same `device NAME not found`); counters come from a
//! fresh link dump. `extensive` replaces the two packet lines with Junos's traffic statistics
//! and error blocks (bytes, packets, errors, drops), without the rate column.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ipnet::IpNet;
use lsys_netlink::live::{Counters, LiveState};

use super::interfaces::{collect, UnitRow};
use super::visible::{Proto, VisiblePhysical};
use super::ShowError;

pub(super) fn mac(m: [u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn counters_of(out: &mut String, indent: &str, c: Option<&Counters>, extensive: bool) {
    let c = c.copied().unwrap_or_default();
    if !extensive {
        let _ = writeln!(out, "{indent}Input packets : {}", c.rx_packets);
        let _ = writeln!(out, "{indent}Output packets: {}", c.tx_packets);
        return;
    }
    // Junos's extensive layout, without the rate column (lsys samples no rates).
    let _ = writeln!(out, "{indent}Traffic statistics:");
    let _ = writeln!(out, "{indent} Input  bytes  : {:>20}", c.rx_bytes);
    let _ = writeln!(out, "{indent} Output bytes  : {:>20}", c.tx_bytes);
    let _ = writeln!(out, "{indent} Input  packets: {:>20}", c.rx_packets);
    let _ = writeln!(out, "{indent} Output packets: {:>20}", c.tx_packets);
    let _ = writeln!(out, "{indent}Input errors:");
    let _ = writeln!(
        out,
        "{indent}  Errors: {}, Drops: {}",
        c.rx_errors, c.rx_dropped
    );
    let _ = writeln!(out, "{indent}Output errors:");
    let _ = writeln!(
        out,
        "{indent}  Errors: {}, Drops: {}",
        c.tx_errors, c.tx_dropped
    );
}

fn unit_block(
    out: &mut String,
    u: &UnitRow,
    live: &LiveState,
    counters: &BTreeMap<u32, Counters>,
    extensive: bool,
) {
    let dev = live.by_name(&u.device);
    match dev {
        Some(d) => {
            let _ = writeln!(out, "  Logical interface {} (Index {})", u.name, d.index);
        }
        None => {
            let _ = writeln!(out, "  Logical interface {}", u.name);
        }
    }
    let flags = match (u.admin, u.link) {
        (true, true) => "Up",
        (true, false) => "Up Link-down",
        _ => "Down",
    };
    let _ = writeln!(out, "    Flags: {flags}");
    counters_of(
        out,
        "    ",
        dev.and_then(|d| counters.get(&d.index)),
        extensive,
    );
    for (proto, addrs) in &u.families {
        match (proto, dev) {
            (Proto::Inet | Proto::Inet6 | Proto::Bridge, Some(d)) => {
                let _ = writeln!(out, "    Protocol {}, MTU: {}", proto.name(), d.mtu);
            }
            _ => {
                let _ = writeln!(out, "    Protocol {}", proto.name());
            }
        }
        if !addrs.is_empty() {
            let _ = writeln!(out, "      Addresses");
        }
        for a in addrs {
            let _ = writeln!(out, "        {}", address(a));
        }
    }
}

/// `Destination: 10.0.0.12/30, Local: 10.0.0.13, Broadcast: 10.0.0.15`: Junos names the
/// broadcast address of an IPv4 subnet that has one (shorter than /31; the kernel makes it a
/// broadcast route then), and none for a /31, a /32 or IPv6.
fn address(a: &IpNet) -> String {
    let mut line = format!("Destination: {}, Local: {}", a.trunc(), a.addr());
    if let IpNet::V4(n) = a {
        if n.prefix_len() < 31 {
            let _ = write!(line, ", Broadcast: {}", n.broadcast());
        }
    }
    line
}

/// `show interfaces [NAME] [extensive]` as text.
pub fn detail(
    view: &[VisiblePhysical],
    live: &LiveState,
    counters: &BTreeMap<u32, Counters>,
    name: Option<&str>,
    extensive: bool,
) -> Result<String, ShowError> {
    let t = collect(view, live, name)?;
    // Each physical and logical block, separated by a blank line as Junos does.
    let mut blocks = Vec::new();
    for p in &t.rows {
        if !t.logical_only {
            if let (Some((admin, link)), Some(d)) = (p.status, live.by_name(&p.device)) {
                let mut out = String::new();
                let _ = writeln!(
                    out,
                    "Physical interface: {}, {}, Physical link is {}",
                    p.name,
                    if admin {
                        "Enabled"
                    } else {
                        "Administratively down"
                    },
                    if link { "Up" } else { "Down" }
                );
                let _ = writeln!(out, "  Interface index: {}", d.index);
                let _ = writeln!(out, "  Link-level type: Ethernet, MTU: {}", d.mtu);
                let c = counters.get(&d.index);
                if let Some(m) = c.and_then(|c| c.mac) {
                    let m = mac(m);
                    let _ = writeln!(out, "  Current address: {m}, Hardware address: {m}");
                }
                counters_of(&mut out, "  ", c, extensive);
                blocks.push(out);
            }
        }
        for u in &p.units {
            let mut out = String::new();
            unit_block(&mut out, u, live, counters, extensive);
            blocks.push(out);
        }
    }
    Ok(blocks.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::show::visible::{PhysicalKind, VisibleUnit};
    use lsys_netlink::live::LiveLink;

    #[test]
    fn a_tenant_irb_block() {
        let mut live = LiveState::default();
        let mut irb = LiveLink::new(12, "irb.4", "bridge");
        irb.admin_up = true;
        irb.oper_up = true;
        irb.addresses = vec!["10.0.0.0/31".parse().unwrap()];
        live.insert(irb);
        let view = vec![VisiblePhysical {
            name: "irb".into(),
            device: "irb".into(),
            kind: PhysicalKind::Irb,
            status: false,
            units: vec![VisibleUnit {
                name: "irb.4".into(),
                device: "irb.4".into(),
                unit: 4,
                protos: vec![Proto::Inet, Proto::Multiservice],
            }],
        }];
        let counters = BTreeMap::from([(
            12,
            Counters {
                rx_packets: 310,
                tx_packets: 298,
                ..Counters::default()
            },
        )]);
        let text = detail(&view, &live, &counters, Some("irb.4"), false).unwrap();
        assert_eq!(
            text,
            "  Logical interface irb.4 (Index 12)\n    Flags: Up\n    Input packets : 310\n    \
             Output packets: 298\n    Protocol inet, MTU: 1500\n      Addresses\n        \
             Destination: 10.0.0.0/31, Local: 10.0.0.0\n    Protocol multiservice\n"
        );
        let ext = detail(&view, &live, &counters, Some("irb.4"), true).unwrap();
        assert!(
            ext.contains("    Traffic statistics:\n     Input  bytes  :                    0\n"),
            "{ext}"
        );
        assert!(
            ext.contains("     Input  packets:                  310\n"),
            "{ext}"
        );
        assert!(
            ext.contains("    Output errors:\n      Errors: 0, Drops: 0\n"),
            "{ext}"
        );
        assert_eq!(
            detail(&view, &live, &counters, Some("irb.9"), false),
            Err(ShowError::NoDevice("irb.9".into()))
        );
    }

    #[test]
    fn a_tenant_sees_its_logical_blocks_without_a_physical_line() {
        let mut live = LiveState::default();
        for (index, name, addr) in [(12, "irb.4", "10.0.0.0/31"), (13, "irb.2", "10.0.0.13/30")] {
            let mut irb = LiveLink::new(index, name, "bridge");
            irb.admin_up = true;
            irb.oper_up = true;
            irb.addresses = vec![addr.parse().unwrap()];
            live.insert(irb);
        }
        let unit = |n: u32| VisibleUnit {
            name: format!("irb.{n}"),
            device: format!("irb.{n}"),
            unit: n,
            protos: vec![Proto::Inet],
        };
        let view = vec![VisiblePhysical {
            name: "irb".into(),
            device: "irb".into(),
            kind: PhysicalKind::Irb,
            status: false,
            units: vec![unit(2), unit(4)],
        }];
        let text = detail(&view, &live, &BTreeMap::new(), None, false).unwrap();
        assert!(!text.contains("Physical interface"), "{text}");
        assert!(
            text.starts_with("  Logical interface irb.2 (Index 13)\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "        Destination: 10.0.0.12/30, Local: 10.0.0.13, Broadcast: 10.0.0.15\n\n  \
                 Logical interface irb.4 (Index 12)\n"
            ),
            "{text}"
        );
        assert!(
            text.ends_with("        Destination: 10.0.0.0/31, Local: 10.0.0.0\n"),
            "{text}"
        );
    }

    #[test]
    fn broadcast_only_where_the_subnet_has_one() {
        let line = |a: &str| address(&a.parse().unwrap());
        assert_eq!(
            line("192.0.2.9/24"),
            "Destination: 192.0.2.0/24, Local: 192.0.2.9, Broadcast: 192.0.2.255"
        );
        assert_eq!(
            line("10.0.0.1/31"),
            "Destination: 10.0.0.0/31, Local: 10.0.0.1"
        );
        assert_eq!(
            line("10.0.0.1/32"),
            "Destination: 10.0.0.1/32, Local: 10.0.0.1"
        );
        assert_eq!(
            line("2001:db8::1/64"),
            "Destination: 2001:db8::/64, Local: 2001:db8::1"
        );
    }
}
