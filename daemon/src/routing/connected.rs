//! Which kernel links belong to which table, from the live link state.
//!
//! A link enslaved to a VRF device `vrfN` belongs to the table whose kernel id is N (lsys
//! names every VRF after its table: netlink::desired); a link with no master belongs to the
//! main table (the root's master instance). Bridge members (their master is a bridge) and the
//! VRF devices themselves belong to none.
//!
//! IPv6 link-local addresses (fe80::/10) give no routes: Linux puts one on every link, with
//! or without `family inet6`, and Junos lists neither a Direct fe80::/64 nor, for a unit
//! without inet6, its link-local address; a tenant that configured only IPv4 sees no inet6.0.

use std::collections::BTreeMap;

use lsys_fib::{Connected, TableKey};
use lsys_netlink::live::LiveState;

use super::config::MAIN_TABLE;

/// The interfaces of every table in `tables` (kernel table id → key), each list sorted.
pub fn connected(
    live: &LiveState,
    tables: &BTreeMap<u32, TableKey>,
) -> BTreeMap<TableKey, Vec<Connected>> {
    let mut out: BTreeMap<TableKey, Vec<Connected>> =
        tables.values().map(|k| (k.clone(), Vec::new())).collect();
    for link in live.links() {
        if link.kind == "vrf" {
            continue;
        }
        let table = match link.master {
            None => MAIN_TABLE,
            Some(m) => match live.get(m) {
                Some(master) if master.kind == "vrf" => {
                    match master.name.strip_prefix("vrf").and_then(|n| n.parse().ok()) {
                        Some(t) => t,
                        None => continue,
                    }
                }
                _ => continue,
            },
        };
        let Some(key) = tables.get(&table) else {
            continue;
        };
        if let Some(list) = out.get_mut(key) {
            list.push(Connected {
                ifname: link.name.clone(),
                ifindex: link.index,
                up: link.oper_up,
                addresses: link
                    .addresses
                    .iter()
                    .filter(|a| !is_link_local(a))
                    .copied()
                    .collect(),
            });
        }
    }
    for list in out.values_mut() {
        list.sort();
    }
    out
}

fn is_link_local(a: &ipnet::IpNet) -> bool {
    match a {
        ipnet::IpNet::V6(v6) => v6.addr().segments()[0] & 0xffc0 == 0xfe80,
        ipnet::IpNet::V4(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsys_netlink::live::LiveLink;

    #[test]
    fn links_go_to_the_table_of_their_vrf_or_to_main() {
        let mut live = LiveState::default();
        live.insert(LiveLink::new(1, "lo", "loopback"));
        live.insert(LiveLink::new(10, "vrf1003", "vrf"));
        let mut irb = LiveLink::new(11, "irb.4", "bridge");
        irb.master = Some(10);
        irb.oper_up = true;
        irb.addresses = vec![
            "10.0.0.0/31".parse().unwrap(),
            "fe80::1c2d:3eff:fe4f:5a6b/64".parse().unwrap(),
            "2001:db8::1/64".parse().unwrap(),
        ];
        live.insert(irb);
        let mut member = LiveLink::new(12, "eth1.4", "vlan");
        member.master = Some(11);
        live.insert(member);
        let tables: BTreeMap<u32, TableKey> =
            [(254, String::new()), (1003, "l2/CUST".to_string())].into();
        let c = connected(&live, &tables);
        assert_eq!(
            c[""].iter().map(|c| c.ifname.as_str()).collect::<Vec<_>>(),
            ["lo"]
        );
        assert_eq!(c["l2/CUST"].len(), 1);
        assert_eq!(c["l2/CUST"][0].ifname, "irb.4");
        assert!(c["l2/CUST"][0].up);
        // The kernel's link-local address is no route of the table.
        assert_eq!(
            c["l2/CUST"][0].addresses,
            vec![
                "10.0.0.0/31".parse::<ipnet::IpNet>().unwrap(),
                "2001:db8::1/64".parse().unwrap()
            ]
        );
    }
}
