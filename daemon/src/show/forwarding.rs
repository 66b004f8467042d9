//! `show route forwarding-table [table NAME]`: the kernel routes of each visible table.
//!
//! Junos prints `Destination Type RtRef Next hop Type Index NhRef Netif`; Linux keeps no route
//! reference counts and no next-hop indices or reference counts, so lsys drops those three
//! columns rather than print made-up numbers:
//! ```text
//! Routing table: d87ed303-8b9d-48a5-9f08-aa42b4b50cd8.inet
//! Internet:
//! Destination        Type Next hop           Type Netif
//! 10.0.0.0/31        intf                    rslv irb.4
//! 10.0.0.0/32        intf 10.0.0.0           locl irb.4
//! ```
//! Route Type: `intf` for what the kernel derives from an interface address (protocol kernel,
//! unicast or local), `dest` for broadcast and anycast addresses, `perm` for other
//! kernel-made routes (IPv6 multicast), `user` for everything installed by lsys or another
//! daemon (static, bgp, boot, ...).
//! Next-hop Type: `ucst` (via a gateway), `rslv` (connected: resolved by ARP/ND on the
//! device), `locl` (an address of this router), `bcst` (broadcast), `recv` (anycast),
//! `mcst` (multicast), `dscd` (blackhole/discard), `rjct` (unreachable, prohibit), `thrw`
//! (throw; Linux only), `ulst` (several next hops, each then on its own row as `ucst`/`rslv`).
//! The Next hop column holds the gateway, or the address itself for `locl`/`bcst`/`recv`.
//! Netif is the output device (a `locl` route shows the device that owns the address).
//! Destinations `0.0.0.0/0` and `::/0` print as `default`; rows are sorted by address then
//! prefix length. IPv4 tables come first (`NAME.inet`, `Internet:`), then IPv6 (`NAME.inet6`,
//! `Internet6:`); a destination longer than its column takes a line of its own, a longer next
//! hop (IPv6) pushes the next-hop Type and Netif to the right.

use ipnet::IpNet;
use lsys_netlink::live::{KernelRoute, NextHop, RouteKind, RouteProto};
use serde_json::{json, Value};

use super::visible::VisibleTable;
use super::ShowError;

const HEADER: &str = "Destination        Type Next hop           Type Netif";

/// An IP family of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    Inet,
    Inet6,
}

impl Family {
    fn suffix(self) -> &'static str {
        match self {
            Family::Inet => "inet",
            Family::Inet6 => "inet6",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Family::Inet => "Internet",
            Family::Inet6 => "Internet6",
        }
    }

    fn of(n: &IpNet) -> Family {
        match n {
            IpNet::V4(_) => Family::Inet,
            IpNet::V6(_) => Family::Inet6,
        }
    }
}

/// `table NAME` split into the table name and an optional family: `NAME`, `NAME.inet`,
/// `NAME.inet6` (`NAME.inet.0` and `NAME.inet6.0`, the RIB names, are accepted too).
fn split_filter(filter: &str) -> [(&str, Option<Family>); 2] {
    let family = |s: &str| match s {
        "inet" | "inet.0" => Some(Family::Inet),
        "inet6" | "inet6.0" => Some(Family::Inet6),
        _ => None,
    };
    // Instance names may contain dots; try the family suffix first, the bare name second.
    let suffixed = filter
        .rsplit_once(".inet")
        .and_then(|(name, rest)| Some((name, family(&format!("inet{rest}"))?)))
        .map(|(n, f)| (n, Some(f)))
        .unwrap_or((filter, None));
    [suffixed, (filter, None)]
}

/// Indices of the `names` that `filter` picks, with the families it asks for.
fn matching(names: &[&str], filter: Option<&str>) -> Result<Vec<(usize, Vec<Family>)>, ShowError> {
    let both = vec![Family::Inet, Family::Inet6];
    let Some(filter) = filter else {
        return Ok((0..names.len()).map(|i| (i, both.clone())).collect());
    };
    for (name, family) in split_filter(filter) {
        if let Some(i) = names.iter().position(|n| *n == name) {
            return Ok(vec![(i, family.map(|f| vec![f]).unwrap_or(both))]);
        }
    }
    Err(ShowError::NoTable(filter.to_string()))
}

/// The tables (and families) of `visible` that `filter` names; all of them for `None`. The
/// daemon dumps only these.
pub fn select<'a>(
    visible: &'a [VisibleTable],
    filter: Option<&str>,
) -> Result<Vec<(&'a VisibleTable, Vec<Family>)>, ShowError> {
    let names: Vec<&str> = visible.iter().map(|t| t.name.as_str()).collect();
    Ok(matching(&names, filter)?
        .into_iter()
        .map(|(i, f)| (&visible[i], f))
        .collect())
}

fn route_type(r: &KernelRoute) -> &'static str {
    match (r.protocol, r.kind) {
        (_, RouteKind::Broadcast | RouteKind::Anycast) => "dest",
        (RouteProto::Kernel, RouteKind::Unicast | RouteKind::Local) => "intf",
        (RouteProto::Kernel, _) => "perm",
        _ => "user",
    }
}

fn hop_type(kind: RouteKind, hop: Option<&NextHop>) -> &'static str {
    match kind {
        RouteKind::Unicast if hop.is_some_and(|h| h.gateway.is_some()) => "ucst",
        RouteKind::Unicast => "rslv",
        RouteKind::Local => "locl",
        RouteKind::Broadcast => "bcst",
        RouteKind::Anycast => "recv",
        RouteKind::Multicast => "mcst",
        RouteKind::Blackhole => "dscd",
        RouteKind::Unreachable | RouteKind::Prohibit => "rjct",
        RouteKind::Throw => "thrw",
        RouteKind::Other(_) => "othr",
    }
}

fn destination(n: &IpNet) -> String {
    if n.prefix_len() == 0 && n.addr().is_unspecified() {
        "default".into()
    } else {
        n.to_string()
    }
}

/// One displayed next hop: (next hop column, type, netif).
type Hop = (String, &'static str, String);

fn hops(r: &KernelRoute) -> (Option<&'static str>, Vec<Hop>) {
    let dev = |h: &NextHop| {
        h.dev
            .clone()
            .or_else(|| h.oif.map(|i| format!("#{i}")))
            .unwrap_or_default()
    };
    let own = matches!(
        r.kind,
        RouteKind::Local | RouteKind::Broadcast | RouteKind::Anycast
    );
    let addr = |h: Option<&NextHop>| match h.and_then(|h| h.gateway) {
        Some(g) => g.to_string(),
        None if own => r.destination.addr().to_string(),
        None => String::new(),
    };
    if r.next_hops.len() > 1 {
        let list = r
            .next_hops
            .iter()
            .map(|h| (addr(Some(h)), hop_type(r.kind, Some(h)), dev(h)))
            .collect();
        return (Some("ulst"), list);
    }
    // IPv6 reject routes come back from the kernel with a next hop out of `lo` (IPv4 ones
    // with none): a discard or reject has no interface to show either way.
    let rejects = matches!(
        r.kind,
        RouteKind::Blackhole | RouteKind::Unreachable | RouteKind::Prohibit | RouteKind::Throw
    );
    let h = r.next_hops.first().filter(|_| !rejects);
    let one = (addr(h), hop_type(r.kind, h), h.map(dev).unwrap_or_default());
    (None, vec![one])
}

fn sorted(routes: &[KernelRoute], family: Family) -> Vec<&KernelRoute> {
    let mut v: Vec<&KernelRoute> = routes
        .iter()
        .filter(|r| Family::of(&r.destination) == family)
        .collect();
    v.sort_by(|a, b| {
        a.destination
            .addr()
            .cmp(&b.destination.addr())
            .then(a.destination.prefix_len().cmp(&b.destination.prefix_len()))
            .then_with(|| kind_rank(a).cmp(&kind_rank(b)))
    });
    v
}

/// For one destination: kernel-made routes first, then by type and output device.
fn kind_rank(r: &KernelRoute) -> (bool, RouteKind, Option<&str>) {
    let dev = r.next_hops.first().and_then(|h| h.dev.as_deref());
    (r.protocol != RouteProto::Kernel, r.kind, dev)
}

fn row(out: &mut String, cols: [&str; 5]) {
    let widths = [19, 5, 19, 5, 0];
    let cols: Vec<(&str, usize)> = cols.into_iter().zip(widths).collect();
    super::columns::row(out, &cols);
}

fn route_text(out: &mut String, r: &KernelRoute) {
    let mut dst = destination(&r.destination);
    if dst.len() > 18 {
        out.push_str(&dst);
        out.push('\n');
        dst.clear();
    }
    let rt = route_type(r);
    match hops(r) {
        (Some(list), hs) => {
            row(out, [&dst, rt, "", list, ""]);
            for (nh, t, dev) in hs {
                row(out, ["", "", &nh, t, &dev]);
            }
        }
        (None, hs) => {
            for (nh, t, dev) in hs {
                row(out, [&dst, rt, &nh, t, &dev]);
            }
        }
    }
}

/// `show route forwarding-table [table NAME]` as text. `tables` holds (display name, routes
/// of both families) for each visible table, in display order.
pub fn forwarding_table(
    tables: &[(String, Vec<KernelRoute>)],
    filter: Option<&str>,
) -> Result<String, ShowError> {
    let mut out = String::new();
    for (name, family, routes) in pick(tables, filter)? {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!(
            "Routing table: {name}.{}\n{}:\n{HEADER}\n",
            family.suffix(),
            family.title()
        ));
        for r in routes {
            route_text(&mut out, r);
        }
    }
    Ok(out)
}

type Picked<'a> = Vec<(&'a str, Family, Vec<&'a KernelRoute>)>;

/// The (table, family, sorted routes) to print: every IPv4 table first, then every IPv6 one.
fn pick<'a>(
    tables: &'a [(String, Vec<KernelRoute>)],
    filter: Option<&str>,
) -> Result<Picked<'a>, ShowError> {
    let names: Vec<&str> = tables.iter().map(|(n, _)| n.as_str()).collect();
    let chosen = matching(&names, filter)?;
    let mut out = Vec::new();
    for family in [Family::Inet, Family::Inet6] {
        for (i, families) in &chosen {
            if families.contains(&family) {
                let (name, routes) = &tables[*i];
                out.push((name.as_str(), family, sorted(routes, family)));
            }
        }
    }
    Ok(out)
}

fn route_json(r: &KernelRoute) -> Value {
    let hop = |nh: &str, t: &str, dev: &str| {
        let mut v = json!({});
        if !nh.is_empty() {
            v["to"] = nh.into();
        }
        v["nh-type"] = t.into();
        if !dev.is_empty() {
            v["via"] = dev.into();
        }
        v
    };
    let (list, hs) = hops(r);
    let mut nh: Vec<Value> = list.map(|l| json!({ "nh-type": l })).into_iter().collect();
    nh.extend(hs.iter().map(|(a, t, d)| hop(a, t, d)));
    json!({
        "rt-destination": destination(&r.destination),
        "destination-type": route_type(r),
        "nh": nh,
    })
}

/// `show route forwarding-table [table NAME] | display json` (shape in [`super`]'s doc).
pub fn forwarding_table_json(
    tables: &[(String, Vec<KernelRoute>)],
    filter: Option<&str>,
) -> Result<Value, ShowError> {
    let out: Vec<Value> = pick(tables, filter)?
        .into_iter()
        .map(|(name, family, routes)| {
            json!({
                "table-name": format!("{name}.{}", family.suffix()),
                "address-family": family.title(),
                "rt-entry": routes.into_iter().map(route_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(json!({ "forwarding-table-information": [{ "route-table": out }] }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::show::visible::TableRef;

    fn t(name: &str) -> VisibleTable {
        VisibleTable {
            name: name.into(),
            table: TableRef::Instance(format!("l2/{name}")),
        }
    }

    #[test]
    fn table_filters() {
        let v = [t("default"), t("cust.inet"), t("red")];
        let names = |f| {
            select(&v, Some(f))
                .map(|s| {
                    s.iter()
                        .map(|(t, fs)| (t.name.clone(), fs.clone()))
                        .collect::<Vec<_>>()
                })
                .map_err(|e| e.to_string())
        };
        use Family::*;
        assert_eq!(names("red"), Ok(vec![("red".into(), vec![Inet, Inet6])]));
        assert_eq!(names("red.inet"), Ok(vec![("red".into(), vec![Inet])]));
        assert_eq!(names("red.inet6"), Ok(vec![("red".into(), vec![Inet6])]));
        assert_eq!(names("red.inet.0"), Ok(vec![("red".into(), vec![Inet])]));
        assert_eq!(
            names("default"),
            Ok(vec![("default".into(), vec![Inet, Inet6])])
        );
        // An instance whose own name ends in `.inet`.
        assert_eq!(
            names("cust.inet"),
            Ok(vec![("cust.inet".into(), vec![Inet, Inet6])])
        );
        assert_eq!(
            names("cust.inet.inet6"),
            Ok(vec![("cust.inet".into(), vec![Inet6])])
        );
        assert_eq!(names("blue"), Err("routing table blue not found".into()));
        assert_eq!(
            names("red.inet7"),
            Err("routing table red.inet7 not found".into())
        );
        assert_eq!(select(&v, None).unwrap().len(), 3);
    }
}

#[cfg(test)]
mod reject_tests {
    use super::*;
    use lsys_netlink::live::RouteScope;

    #[test]
    fn an_ipv6_discard_shows_no_interface() {
        // What the kernel dumps for `blackhole 2001:db8:66::/48`: a next hop out of lo.
        let r = KernelRoute {
            table: 1000,
            destination: "2001:db8:66::/48".parse().unwrap(),
            kind: RouteKind::Blackhole,
            protocol: RouteProto::Other(210),
            scope: RouteScope::Universe,
            preferred_source: None,
            metric: Some(1024),
            next_hops: vec![NextHop {
                gateway: None,
                oif: Some(1),
                dev: Some("lo".into()),
            }],
        };
        let (list, hops) = hops(&r);
        assert_eq!(list, None);
        assert_eq!(hops, vec![(String::new(), "dscd", String::new())]);
    }
}
