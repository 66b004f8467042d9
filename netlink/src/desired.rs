//! The desired kernel state, computed from the typed intent without touching the kernel.
//!
//! One [`Link`] per device lsys owns, in creation order (VRFs, outer VLANs, inner/plain VLANs,
//! bridges). Names follow docs/ARCHITECTURE.md, "Linux realization": `vrf<table>`, bridges
//! named after their irb (`irb.4`), VLAN members named after their unit (`eth1.4`), QinQ outer
//! devices `PORT.O` (or `PORT.qO` when a unit already claims `PORT.O`).
//!
//! Ownership: every link belongs to the scope in its alias ([`Link::owner`], [`ROOT_LS`] for
//! the root). A VRF, its bridges and their members belong to one scope (masters never cross
//! scopes). Two things do: a QinQ outer device is shared by every scope with a member on that
//! port and outer tag (Linux allows one per tag) and carries the first one's alias (root, then
//! logical systems by name), other scopes' inner VLANs riding on it; its name avoids every
//! scope's unit names (`PORT.qO`), so one scope's unit can rename it. A port is configured by
//! every scope naming it ([`Port::owners`]) and has one MTU (root's, else the first's).
//! A Junos port name (`ge-0/0/1`) stands for the Linux device the root's `linux-name` gives
//! it ([`PortMap`]): its unit `ge-0/0/1.4` is the VLAN device `eth1.4`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use ipnet::IpNet;
use lsys_grammar::typed::{Intent, PortMap, Scope, UnitRef, Vlan};

use crate::forwarding::Forwarding;

/// Linux interface names hold at most 15 bytes (IFNAMSIZ - 1).
pub const IFNAME_MAX: usize = 15;
/// Every device lsys creates carries an ifalias starting with this.
pub const ALIAS_PREFIX: &str = "lsys:";

/// VLAN tag protocol of a VLAN device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VlanProto {
    /// 802.1q (C-tag, 0x8100).
    Dot1q,
    /// 802.1ad (S-tag, 0x88a8): the outer tag of QinQ.
    Dot1ad,
}

impl fmt::Display for VlanProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VlanProto::Dot1q => "802.1q",
            VlanProto::Dot1ad => "802.1ad",
        })
    }
}

/// What a device is (the attributes that cannot change without recreating it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Vrf {
        table: u32,
    },
    Bridge,
    Vlan {
        parent: String,
        id: u16,
        proto: VlanProto,
    },
    /// Anything else seen in the kernel (`veth`, `dummy`, a physical port, ...).
    Other(String),
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Vrf { table } => write!(f, "vrf table {table}"),
            Kind::Bridge => f.write_str("bridge"),
            Kind::Vlan { parent, id, proto } => write!(f, "vlan {proto} {id} on {parent}"),
            Kind::Other(k) => f.write_str(k),
        }
    }
}

/// One network device, as lsys wants it or as the kernel has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub name: String,
    pub kind: Kind,
    /// The master device's name (a VRF or a bridge).
    pub master: Option<String>,
    /// `lsys:<logical-system>:<what>` on lsys devices.
    pub alias: Option<String>,
    pub addresses: Vec<IpNet>,
    pub up: bool,
    /// Wanted: the configured MTU, `None` when lsys leaves it to the kernel. Dumped: the MTU.
    pub mtu: Option<u32>,
    /// IP forwarding per family (`net.ipv4.conf.<dev>.forwarding`, ...). Wanted: on for each
    /// family an irb carries an address of, left alone elsewhere ([`crate::forwarding`]).
    /// Dumped: the kernel's values.
    pub forwarding: Forwarding,
}

impl Link {
    /// The scope that owns an lsys device: `<ls>` of its `lsys:<ls>:<what>` alias ([`ROOT_LS`]
    /// for the root); `None` for a device without an lsys alias.
    pub fn owner(&self) -> Option<&str> {
        let rest = self.alias.as_deref()?.strip_prefix(ALIAS_PREFIX)?;
        Some(rest.split_once(':').map_or(rest, |(ls, _)| ls))
    }
}

/// A physical port the configuration uses: lsys brings it up and sets its configured MTU,
/// but never creates, renames or deletes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Port {
    /// The root's MTU statement if it has one, else the first logical system's (by name).
    pub mtu: Option<u32>,
    /// The scopes whose `interfaces NAME` statements name it ([`ROOT_LS`] for the root).
    pub owners: BTreeSet<String>,
    /// The scopes whose VLAN members ride on it: for them it must exist. A subset of `owners`.
    pub required_by: BTreeSet<String>,
}

impl Port {
    /// Some VLAN member rides on it: it must exist.
    pub fn required(&self) -> bool {
        !self.required_by.is_empty()
    }
}

/// Every device lsys wants, in creation order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Desired {
    pub links: Vec<Link>,
    /// Devices lsys configures but does not create (physical ports), by name.
    pub ports: BTreeMap<String, Port>,
}

impl Desired {
    pub fn link(&self, name: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.name == name)
    }

    /// Every scope that owns a wanted device or configures a port.
    pub fn owners(&self) -> BTreeSet<String> {
        let links = self.links.iter().filter_map(|l| l.owner());
        let ports = self.ports.values().flat_map(|p| p.owners.iter());
        links
            .chain(ports.map(String::as_str))
            .map(String::from)
            .collect()
    }
}

/// Why an intent cannot be realized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DesiredError {
    #[error("interface name {name} ({what}) is longer than {IFNAME_MAX} characters")]
    NameTooLong { name: String, what: String },
    #[error("device {name} is claimed twice: by {first} and by {second}")]
    Duplicate {
        name: String,
        first: String,
        second: String,
    },
    #[error("bridge domain {domain} of logical system {ls}: interface {unit} is not configured")]
    MissingUnit {
        ls: String,
        domain: String,
        unit: String,
    },
    #[error("bridge domain {domain} of logical system {ls}: interface {unit} has no VLAN tags")]
    NoVlan {
        ls: String,
        domain: String,
        unit: String,
    },
}

/// The logical system name used for the root's own statements in instance keys and aliases.
pub const ROOT_LS: &str = "";

/// Computes the desired devices. `table_of` maps an instance key (`LS/INSTANCE`, or
/// `LS/master` for a logical system's master instance) to its kernel table id.
pub fn desired(intent: &Intent, table_of: &dyn Fn(&str) -> u32) -> Result<Desired, DesiredError> {
    let map = PortMap::of(intent);
    let claimed = claimed_unit_names(intent, &map);
    let mut b = Builder {
        ports: configured_ports(intent, &map)?,
        ..Builder::default()
    };
    b.scope(ROOT_LS, &intent.root, table_of, &claimed, &map)?;
    for (ls, scope) in &intent.logical_systems {
        b.scope(ls, scope, table_of, &claimed, &map)?;
    }
    let mut links: Vec<Link> = b.links.into_values().map(|(_, l)| l).collect();
    links.sort_by_key(|l| (create_rank(l), l.name.clone()));
    Ok(Desired {
        links,
        ports: b.ports,
    })
}

/// Creation order: VRFs, VLANs on ports, VLANs on VLANs, bridges.
pub fn create_rank(l: &Link) -> u8 {
    match &l.kind {
        Kind::Vrf { .. } => 0,
        Kind::Vlan { proto, .. } if *proto == VlanProto::Dot1ad => 1,
        Kind::Vlan { parent, .. } if parent.contains('.') => 3,
        Kind::Vlan { .. } => 2,
        Kind::Bridge => 4,
        Kind::Other(_) => 5,
    }
}

/// Every physical port configured anywhere (not `irb`), with the scopes that name it and its MTU
/// if one is set (the root's statement wins over a logical system's); `required_by` is filled
/// later by the VLAN members. Ports are named by their Linux device (`map`).
fn configured_ports(
    intent: &Intent,
    map: &PortMap,
) -> Result<BTreeMap<String, Port>, DesiredError> {
    let mut out: BTreeMap<String, Port> = BTreeMap::new();
    let scopes = std::iter::once((ROOT_LS, &intent.root)).chain(
        intent
            .logical_systems
            .iter()
            .map(|(ls, s)| (ls.as_str(), s)),
    );
    for (ls, i) in scopes
        .flat_map(|(ls, s)| s.interfaces.iter().map(move |i| (ls, i)))
        .filter(|(_, i)| i.name != "irb")
    {
        let device = map.device(&i.name);
        check_name(&device, &format!("interface {}", i.name))?;
        let port = out.entry(device.into_owned()).or_default();
        port.mtu = port.mtu.or(i.mtu);
        port.owners.insert(ls.into());
    }
    Ok(out)
}

/// `DEVICE.N` of every configured unit anywhere (the names an outer QinQ device must avoid).
fn claimed_unit_names(intent: &Intent, map: &PortMap) -> BTreeSet<String> {
    std::iter::once(&intent.root)
        .chain(intent.logical_systems.values())
        .flat_map(|s| s.interfaces.iter())
        .flat_map(|i| {
            let device = map.device(&i.name).into_owned();
            i.units
                .iter()
                .map(move |u| format!("{device}.{}", u.number))
        })
        .collect()
}

pub fn alias(ls: &str, what: &str) -> String {
    format!("{ALIAS_PREFIX}{ls}:{what}")
}

fn check_name(name: &str, what: &str) -> Result<(), DesiredError> {
    if name.len() > IFNAME_MAX {
        return Err(DesiredError::NameTooLong {
            name: name.into(),
            what: what.into(),
        });
    }
    Ok(())
}

#[derive(Default)]
struct Builder {
    /// name -> (owner description, link)
    links: BTreeMap<String, (String, Link)>,
    /// Physical ports; their VLAN devices get the port's configured MTU.
    ports: BTreeMap<String, Port>,
}

impl Builder {
    fn add(&mut self, owner: String, link: Link, shareable: bool) -> Result<(), DesiredError> {
        check_name(&link.name, &owner)?;
        if let Some((first, old)) = self.links.get(&link.name) {
            if shareable && old.kind == link.kind {
                return Ok(());
            }
            return Err(DesiredError::Duplicate {
                name: link.name,
                first: first.clone(),
                second: owner,
            });
        }
        self.links.insert(link.name.clone(), (owner, link));
        Ok(())
    }

    fn scope(
        &mut self,
        ls: &str,
        scope: &Scope,
        table_of: &dyn Fn(&str) -> u32,
        claimed: &BTreeSet<String>,
        map: &PortMap,
    ) -> Result<(), DesiredError> {
        let ls_label = if ls == ROOT_LS { "root" } else { ls };
        // The VRF (if any) of each L3 unit.
        let mut vrf_of: BTreeMap<&UnitRef, String> = BTreeMap::new();
        for ri in &scope.routing_instances {
            let key = format!("{ls}/{}", ri.name);
            let table = table_of(&key);
            let name = format!("vrf{table}");
            self.add(
                format!("routing instance {key}"),
                Link {
                    name: name.clone(),
                    kind: Kind::Vrf { table },
                    master: None,
                    alias: Some(alias(ls, &format!("instance:{}", ri.name))),
                    addresses: vec![],
                    up: true,
                    mtu: None,
                    forwarding: Forwarding::default(),
                },
                false,
            )?;
            for u in &ri.interfaces {
                vrf_of.insert(u, name.clone());
            }
        }
        // irb units outside every instance live in the master instance: the main table for the
        // root, a VRF of its own for a logical system.
        let needs_master = scope
            .bridge_domains
            .iter()
            .filter_map(|bd| bd.routing_interface.as_ref())
            .any(|irb| !vrf_of.contains_key(irb));
        let master_vrf = if needs_master && ls != ROOT_LS {
            let key = format!("{ls}/master");
            let table = table_of(&key);
            let name = format!("vrf{table}");
            self.add(
                format!("master instance of {ls}"),
                Link {
                    name: name.clone(),
                    kind: Kind::Vrf { table },
                    master: None,
                    alias: Some(alias(ls, "master")),
                    addresses: vec![],
                    up: true,
                    mtu: None,
                    forwarding: Forwarding::default(),
                },
                false,
            )?;
            Some(name)
        } else {
            None
        };
        let unit = |r: &UnitRef| {
            scope
                .interfaces
                .iter()
                .filter(|i| i.name == r.interface)
                .flat_map(|i| i.units.iter())
                .find(|u| u.number == r.unit)
        };
        // `disable` on a unit, or on its interface (`irb`, a port), brings lsys's device for
        // the unit down (the host port itself is the operator's and is left as it is).
        let enabled = |r: &UnitRef| {
            let port_disabled = scope
                .interfaces
                .iter()
                .any(|i| i.name == r.interface && i.disable);
            !port_disabled && unit(r).is_none_or(|u| !u.disable)
        };
        for bd in &scope.bridge_domains {
            let Some(irb) = &bd.routing_interface else {
                continue;
            };
            let bridge = irb.to_string();
            let mut addresses: Vec<IpNet> = Vec::new();
            if let Some(u) = unit(irb) {
                addresses.extend(u.inet.iter().copied().map(IpNet::V4));
                addresses.extend(u.inet6.iter().copied().map(IpNet::V6));
            }
            addresses.sort();
            addresses.dedup();
            // The irb routes each family it has an address of (docs/ARCHITECTURE.md: without
            // forwarding nothing crosses a VRF); lsys never turns forwarding off.
            let carries = |v4: bool| addresses.iter().any(|a| matches!(a, IpNet::V4(_)) == v4);
            let forwarding = Forwarding {
                v4: carries(true).then_some(true),
                v6: carries(false).then_some(true),
            };
            self.add(
                format!("bridge domain {ls_label}/{}", bd.name),
                Link {
                    name: bridge.clone(),
                    kind: Kind::Bridge,
                    master: vrf_of.get(irb).cloned().or_else(|| master_vrf.clone()),
                    alias: Some(alias(ls, &format!("bridge-domain:{}", bd.name))),
                    addresses,
                    up: enabled(irb),
                    mtu: None,
                    forwarding,
                },
                false,
            )?;
            for member in &bd.interfaces {
                let owner = format!("{member} of bridge domain {ls_label}/{}", bd.name);
                let u = unit(member).ok_or_else(|| DesiredError::MissingUnit {
                    ls: ls_label.into(),
                    domain: bd.name.clone(),
                    unit: member.to_string(),
                })?;
                let no_vlan = || DesiredError::NoVlan {
                    ls: ls_label.into(),
                    domain: bd.name.clone(),
                    unit: member.to_string(),
                };
                let port = map.device(&member.interface).into_owned();
                check_name(&port, &owner)?;
                // The unit was found in this scope's interfaces: the scope configures the port.
                let p = self.ports.entry(port.clone()).or_default();
                p.owners.insert(ls.into());
                p.required_by.insert(ls.into());
                let mtu = p.mtu;
                let (parent, id) = match u.vlan.ok_or_else(no_vlan)? {
                    Vlan::Id(v) => (port, v),
                    Vlan::Tags {
                        outer: Some(o),
                        inner: Some(i),
                    } => {
                        let plain = format!("{port}.{o}");
                        let outer = if claimed.contains(&plain) {
                            format!("{port}.q{o}")
                        } else {
                            plain
                        };
                        self.add(
                            format!("outer tag {o} of {owner}"),
                            Link {
                                name: outer.clone(),
                                kind: Kind::Vlan {
                                    parent: port,
                                    id: o,
                                    proto: VlanProto::Dot1ad,
                                },
                                master: None,
                                alias: Some(alias(ls, &format!("outer:{o}"))),
                                addresses: vec![],
                                up: true,
                                mtu,
                                forwarding: Forwarding::default(),
                            },
                            true,
                        )?;
                        (outer, i)
                    }
                    Vlan::Tags { .. } => return Err(no_vlan()),
                };
                self.add(
                    owner,
                    Link {
                        name: map.device(&member.to_string()).into_owned(),
                        kind: Kind::Vlan {
                            parent,
                            id,
                            proto: VlanProto::Dot1q,
                        },
                        master: Some(bridge.clone()),
                        alias: Some(alias(ls, &format!("member:{}", bd.name))),
                        addresses: vec![],
                        up: enabled(member),
                        mtu,
                        forwarding: Forwarding::default(),
                    },
                    false,
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsys_grammar::schema::ROOT;
    use lsys_grammar::text::curly;
    use lsys_grammar::typed::intent;

    pub(crate) const SEED: &str = include_str!("../../grammar/tests/fixtures/seed.conf");

    fn table(key: &str) -> u32 {
        match key {
            "l2/d87ed303-8b9d-48a5-9f08-aa42b4b50cd8" => 1000,
            "l2/master" => 1001,
            other => panic!("unexpected instance {other}"),
        }
    }

    fn of(text: &str) -> Result<Desired, DesiredError> {
        let tree = curly::read(text, ROOT).expect("parses");
        desired(&intent(&tree).expect("typed"), &table)
    }

    #[test]
    fn seed_scenario() {
        let d = of(SEED).unwrap();
        let names: Vec<&str> = d.links.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            ["vrf1000", "eth1.1000", "eth1.4", "eth1.2", "irb.2", "irb.4"]
        );
        let vrf = d.link("vrf1000").unwrap();
        assert_eq!(vrf.kind, Kind::Vrf { table: 1000 });
        assert_eq!(
            vrf.alias.as_deref(),
            Some("lsys:l2:instance:d87ed303-8b9d-48a5-9f08-aa42b4b50cd8")
        );
        let irb4 = d.link("irb.4").unwrap();
        assert_eq!(irb4.kind, Kind::Bridge);
        assert_eq!(irb4.master.as_deref(), Some("vrf1000"));
        assert_eq!(irb4.addresses, ["10.0.0.0/31".parse::<IpNet>().unwrap()]);
        assert_eq!(irb4.alias.as_deref(), Some("lsys:l2:bridge-domain:bd-aws"));
        let irb2 = d.link("irb.2").unwrap();
        assert_eq!(irb2.master.as_deref(), Some("vrf1000"));
        assert_eq!(irb2.addresses, ["10.0.0.13/30".parse::<IpNet>().unwrap()]);
        let eth14 = d.link("eth1.4").unwrap();
        assert_eq!(
            eth14.kind,
            Kind::Vlan {
                parent: "eth1".into(),
                id: 4,
                proto: VlanProto::Dot1q
            }
        );
        assert_eq!(eth14.master.as_deref(), Some("irb.4"));
        let outer = d.link("eth1.1000").unwrap();
        assert_eq!(
            outer.kind,
            Kind::Vlan {
                parent: "eth1".into(),
                id: 1000,
                proto: VlanProto::Dot1ad
            }
        );
        assert_eq!(outer.master, None);
        let inner = d.link("eth1.2").unwrap();
        assert_eq!(
            inner.kind,
            Kind::Vlan {
                parent: "eth1.1000".into(),
                id: 100,
                proto: VlanProto::Dot1q
            }
        );
        assert_eq!(inner.master.as_deref(), Some("irb.2"));
        assert!(d.links.iter().all(|l| l.up));
        assert_eq!(
            d.ports,
            BTreeMap::from([(
                "eth1".to_string(),
                Port {
                    mtu: Some(9000),
                    owners: [ROOT_LS, "l2"].map(String::from).into(),
                    required_by: ["l2".to_string()].into(),
                }
            )])
        );
        assert_eq!(d.link("eth1.4").unwrap().mtu, Some(9000));
        assert_eq!(d.link("irb.4").unwrap().mtu, None);
    }

    #[test]
    fn disable_brings_the_units_devices_down() {
        let irb_off = SEED.replace(
            "                unit 4 {\n                    family inet {",
            "                unit 4 {\n                    disable;\n                    family inet {",
        );
        assert_ne!(irb_off, SEED);
        let d = of(&irb_off).unwrap();
        assert!(!d.link("irb.4").unwrap().up);
        assert!(d.link("irb.2").unwrap().up && d.link("eth1.4").unwrap().up);
        let member_off = SEED.replace(
            "description \"AWS Direct Connect\";\n                    encapsulation",
            "description \"AWS Direct Connect\";\n                    disable;\n                    encapsulation",
        );
        assert_ne!(member_off, SEED);
        let d = of(&member_off).unwrap();
        assert!(!d.link("eth1.4").unwrap().up);
        assert!(d.link("irb.4").unwrap().up);
    }

    /// Written with a Junos port name mapped to `eth1`, the seed wants the same devices.
    #[test]
    fn a_junos_port_name_is_realized_on_its_linux_device() {
        let junos = SEED.replace("eth1", "ge-0/0/1").replace(
            "\"Cloud exchange port\";",
            "\"Cloud exchange port\";\n        linux-name eth1;",
        );
        assert!(junos.contains("linux-name eth1;"), "{junos}");
        assert_eq!(of(&junos).unwrap(), of(SEED).unwrap());
    }

    #[test]
    fn the_owner_is_the_logical_system_of_the_alias() {
        let d = of(SEED).unwrap();
        assert!(d.links.iter().all(|l| l.owner() == Some("l2")));
        assert_eq!(
            d.owners(),
            BTreeSet::from([ROOT_LS.to_string(), "l2".into()])
        );
        let mut l = d.links[0].clone();
        for (a, owner) in [
            (alias(ROOT_LS, "x"), Some(ROOT_LS)),
            ("lsys:l7".into(), Some("l7")),
        ]
        .into_iter()
        .chain([("uplink".to_string(), None)])
        {
            l.alias = Some(a);
            assert_eq!(l.owner(), owner);
        }
    }

    #[test]
    fn outer_device_avoids_a_claimed_unit_name() {
        let text = SEED.replace("outer 1000 inner 100", "outer 4 inner 100");
        let d = of(&text).unwrap();
        assert_eq!(d.link("eth1.4").unwrap().master.as_deref(), Some("irb.4"));
        let outer = d.link("eth1.q4").unwrap();
        assert!(matches!(
            outer.kind,
            Kind::Vlan {
                id: 4,
                proto: VlanProto::Dot1ad,
                ..
            }
        ));
        let inner = d.link("eth1.2").unwrap();
        assert!(matches!(&inner.kind, Kind::Vlan { parent, id: 100, .. } if parent == "eth1.q4"));
    }

    #[test]
    fn irb_outside_instances_goes_to_the_master_vrf() {
        let text = SEED.replace("\n                interface irb.2;", "");
        let d = of(&text).unwrap();
        assert_eq!(d.link("irb.2").unwrap().master.as_deref(), Some("vrf1001"));
        assert_eq!(d.link("irb.4").unwrap().master.as_deref(), Some("vrf1000"));
        assert_eq!(
            d.link("vrf1001").unwrap().alias.as_deref(),
            Some("lsys:l2:master")
        );
    }

    #[test]
    fn long_names_are_refused() {
        let text = SEED.replace("eth1", "enp0s31f6x1");
        let err = of(&text).unwrap_err();
        assert!(
            matches!(&err, DesiredError::NameTooLong { name, .. } if name == "enp0s31f6x1.1000"),
            "{err}"
        );
        assert!(err.to_string().contains("longer than 15 characters"));
    }

    #[test]
    fn removing_a_circuit_removes_its_devices() {
        let text = SEED.replace("interface eth1.2;", "");
        let d = of(&text).unwrap();
        assert!(d.link("eth1.2").is_none());
        assert!(d.link("eth1.1000").is_none());
        assert!(d.link("irb.2").is_some());
    }
}
