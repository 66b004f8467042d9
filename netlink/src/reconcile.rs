//! The pure diff: actual links (as dumped) against [`Desired`] → an ordered [`Plan`].
//!
//! Only devices whose ifalias starts with `lsys:` are ever changed or deleted; a foreign device
//! holding a name lsys wants is an error, never a takeover. Order: deletions (bridges and
//! VLANs on VLANs before VLANs on ports before VRFs), creations (VRFs, outer VLANs, inner
//! VLANs, bridges), enslaving, addresses, admin state.

use std::collections::BTreeMap;
use std::fmt;

use ipnet::IpNet;

use crate::desired::{create_rank, Desired, Kind, Link, ALIAS_PREFIX};

/// One kernel write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Delete {
        name: String,
    },
    /// Creates the device (down, without alias or master).
    Create {
        link: Link,
    },
    SetAlias {
        name: String,
        alias: String,
    },
    SetMaster {
        name: String,
        master: Option<String>,
    },
    AddAddress {
        name: String,
        address: IpNet,
    },
    DelAddress {
        name: String,
        address: IpNet,
    },
    SetUp {
        name: String,
        up: bool,
    },
    SetMtu {
        name: String,
        mtu: u32,
    },
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Delete { name } => write!(f, "delete {name}"),
            Step::Create { link } => write!(f, "create {} {}", link.name, link.kind),
            Step::SetAlias { name, alias } => write!(f, "set {name} alias {alias}"),
            Step::SetMaster { name, master } => match master {
                Some(m) => write!(f, "set {name} master {m}"),
                None => write!(f, "set {name} nomaster"),
            },
            Step::AddAddress { name, address } => write!(f, "add address {address} dev {name}"),
            Step::DelAddress { name, address } => write!(f, "delete address {address} dev {name}"),
            Step::SetUp { name, up } => write!(f, "set {name} {}", if *up { "up" } else { "down" }),
            Step::SetMtu { name, mtu } => write!(f, "set {name} mtu {mtu}"),
        }
    }
}

/// The ordered kernel writes that turn the actual state into the desired one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("device {name} exists and was not created by lsys ({kind}); refusing to touch it")]
    Foreign { name: String, kind: String },
    #[error("interface {name} does not exist")]
    MissingPort { name: String },
}

/// True for a device lsys created (its ifalias says so).
pub fn is_ours(l: &Link) -> bool {
    l.alias
        .as_deref()
        .is_some_and(|a| a.starts_with(ALIAS_PREFIX))
}

/// A device lsys created but could not label: the kernel ignores the alias on creation, so a
/// crash between the create and the alias write leaves a device that is exactly what lsys
/// wants (name and kind) in exactly the state creation leaves it (down, no alias, no master,
/// no address). Such a device is adopted; anything else without our alias stays foreign.
fn orphan_of_ours(a: &Link, w: &Link) -> bool {
    a.alias.is_none()
        && a.kind == w.kind
        && !a.up
        && a.master.is_none()
        && a.addresses.iter().all(|x| !managed(x))
}

/// Addresses the kernel adds by itself (IPv6 link-local) are neither wanted nor removed.
fn managed(a: &IpNet) -> bool {
    match a {
        IpNet::V4(_) => true,
        IpNet::V6(n) => (n.addr().segments()[0] & 0xffc0) != 0xfe80,
    }
}

/// Deletion order: the reverse of creation.
fn delete_rank(l: &Link) -> u8 {
    5 - create_rank(l)
}

/// Diffs `actual` (every link in the kernel) against `want`.
pub fn plan(actual: &[Link], want: &Desired) -> Result<Plan, PlanError> {
    let by_name: BTreeMap<&str, &Link> = actual.iter().map(|l| (l.name.as_str(), l)).collect();
    // Ports first: their MTU before VLAN devices are created on them (which inherit it).
    let mut steps = Vec::new();
    for (name, port) in &want.ports {
        let Some(a) = by_name.get(name.as_str()) else {
            if port.required {
                return Err(PlanError::MissingPort { name: name.clone() });
            }
            continue;
        };
        if let Some(mtu) = port.mtu.filter(|m| a.mtu != Some(*m)) {
            steps.push(Step::SetMtu {
                name: name.clone(),
                mtu,
            });
        }
        if !a.up {
            steps.push(Step::SetUp {
                name: name.clone(),
                up: true,
            });
        }
    }
    let mut deletes: Vec<&Link> = actual
        .iter()
        .filter(|a| is_ours(a) && want.link(&a.name).is_none())
        .collect();
    let mut creates = Vec::new();
    let mut aliases = Vec::new();
    let mut mtus = Vec::new();
    let mut masters = Vec::new();
    let mut addresses = Vec::new();
    let mut ups = Vec::new();
    for w in &want.links {
        let current = match by_name.get(w.name.as_str()) {
            Some(a) if !is_ours(a) && !orphan_of_ours(a, w) => {
                return Err(PlanError::Foreign {
                    name: a.name.clone(),
                    kind: a.kind.to_string(),
                })
            }
            Some(a) if a.kind != w.kind => {
                deletes.push(a);
                None
            }
            // A VLAN whose parent is recreated goes away with it: recreate it too.
            Some(a) if parent_recreated(a, actual, want) => {
                deletes.push(a);
                None
            }
            other => other.copied(),
        };
        let (alias, master, addrs, up, mtu) = match current {
            Some(a) => (
                a.alias.clone(),
                a.master.clone(),
                a.addresses.clone(),
                a.up,
                a.mtu,
            ),
            None => {
                let mut link = w.clone();
                link.master = None;
                link.addresses.clear();
                link.up = false;
                link.alias = None;
                creates.push(Step::Create { link });
                // The kernel ignores IFLA_IFALIAS on RTM_NEWLINK: the alias is its own write,
                // right after the create, so that a plan failing later leaves only labelled
                // devices behind (undo removes them) and a crash leaves at most one unlabelled.
                if let Some(alias) = &w.alias {
                    creates.push(Step::SetAlias {
                        name: w.name.clone(),
                        alias: alias.clone(),
                    });
                }
                // A new VLAN device inherits its parent's MTU, which the port steps set.
                (w.alias.clone(), None, vec![], false, w.mtu)
            }
        };
        if let Some(m) = w.mtu.filter(|m| mtu != Some(*m)) {
            mtus.push(Step::SetMtu {
                name: w.name.clone(),
                mtu: m,
            });
        }
        if alias != w.alias {
            if let Some(alias) = &w.alias {
                aliases.push(Step::SetAlias {
                    name: w.name.clone(),
                    alias: alias.clone(),
                });
            }
        }
        if master != w.master {
            masters.push(Step::SetMaster {
                name: w.name.clone(),
                master: w.master.clone(),
            });
        }
        for a in addrs
            .iter()
            .filter(|a| managed(a) && !w.addresses.contains(a))
        {
            addresses.push(Step::DelAddress {
                name: w.name.clone(),
                address: *a,
            });
        }
        for a in w.addresses.iter().filter(|a| !addrs.contains(a)) {
            addresses.push(Step::AddAddress {
                name: w.name.clone(),
                address: *a,
            });
        }
        if up != w.up {
            ups.push(Step::SetUp {
                name: w.name.clone(),
                up: w.up,
            });
        }
    }
    deletes.sort_by_key(|l| (delete_rank(l), l.name.clone()));
    deletes.dedup_by(|a, b| a.name == b.name);
    steps.extend(deletes.into_iter().map(|l| Step::Delete {
        name: l.name.clone(),
    }));
    steps.extend(creates);
    steps.extend(aliases);
    steps.extend(mtus);
    steps.extend(masters);
    steps.extend(addresses);
    steps.extend(ups);
    Ok(Plan { steps })
}

/// Whether `a` is a VLAN on a device this plan deletes and recreates.
fn parent_recreated(a: &Link, actual: &[Link], want: &Desired) -> bool {
    let Kind::Vlan { parent, .. } = &a.kind else {
        return false;
    };
    let (Some(p), Some(w)) = (actual.iter().find(|l| &l.name == parent), want.link(parent)) else {
        return false;
    };
    p.kind != w.kind || parent_recreated(p, actual, want)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::{desired, VlanProto};
    use lsys_grammar::schema::ROOT;
    use lsys_grammar::text::curly;
    use lsys_grammar::typed::intent;

    const SEED: &str = include_str!("../../grammar/tests/fixtures/seed.conf");

    fn want(text: &str) -> Desired {
        let tree = curly::read(text, ROOT).expect("parses");
        desired(&intent(&tree).expect("typed"), &|_| 1000).expect("desired")
    }

    fn port(name: &str) -> Link {
        Link {
            name: name.into(),
            kind: Kind::Other("veth".into()),
            master: None,
            alias: None,
            addresses: vec![],
            up: true,
            mtu: Some(9000),
        }
    }

    /// The kernel after applying `want`, plus the port and link-local addresses.
    fn converged(want: &Desired) -> Vec<Link> {
        let mut links = vec![port("lo"), port("eth1")];
        for l in &want.links {
            let mut l = l.clone();
            l.addresses.push("fe80::1/64".parse().unwrap());
            links.push(l);
        }
        links
    }

    fn lines(p: &Plan) -> Vec<String> {
        p.steps.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn from_scratch_in_order() {
        let w = want(SEED);
        let p = plan(&[port("eth1")], &w).unwrap();
        assert_eq!(
            lines(&p),
            [
                "create vrf1000 vrf table 1000",
                "set vrf1000 alias lsys:l2:instance:d87ed303-8b9d-48a5-9f08-aa42b4b50cd8",
                "create eth1.1000 vlan 802.1ad 1000 on eth1",
                "set eth1.1000 alias lsys:l2:outer:1000",
                "create eth1.4 vlan 802.1q 4 on eth1",
                "set eth1.4 alias lsys:l2:member:bd-aws",
                "create eth1.2 vlan 802.1q 100 on eth1.1000",
                "set eth1.2 alias lsys:l2:member:bd-azure",
                "create irb.2 bridge",
                "set irb.2 alias lsys:l2:bridge-domain:bd-azure",
                "create irb.4 bridge",
                "set irb.4 alias lsys:l2:bridge-domain:bd-aws",
                "set eth1.4 master irb.4",
                "set eth1.2 master irb.2",
                "set irb.2 master vrf1000",
                "set irb.4 master vrf1000",
                "add address 10.0.0.13/30 dev irb.2",
                "add address 10.0.0.0/31 dev irb.4",
                "set vrf1000 up",
                "set eth1.1000 up",
                "set eth1.4 up",
                "set eth1.2 up",
                "set irb.2 up",
                "set irb.4 up",
            ]
        );
    }

    #[test]
    fn converged_kernel_gives_an_empty_plan() {
        let w = want(SEED);
        assert_eq!(plan(&converged(&w), &w).unwrap(), Plan::default());
    }

    #[test]
    fn foreign_devices_are_never_touched() {
        let w = want(SEED);
        let mut actual = converged(&w);
        let mut vrf = port("vrf-foreign");
        vrf.kind = Kind::Vrf { table: 77 };
        actual.push(vrf);
        actual.push(port("br-foreign"));
        assert!(plan(&actual, &w).unwrap().is_empty());
        // A foreign device with a name lsys wants is an error.
        let mut actual = vec![port("eth1"), port("irb.4")];
        actual[1].kind = Kind::Bridge;
        let err = plan(&actual, &w).unwrap_err();
        assert!(
            matches!(err, PlanError::Foreign { ref name, .. } if name == "irb.4"),
            "{err}"
        );
    }

    #[test]
    fn removed_circuit_is_deleted_in_reverse_order() {
        let before = want(SEED);
        let after = want(&SEED.replace("interface eth1.2;", ""));
        let p = plan(&converged(&before), &after).unwrap();
        assert_eq!(lines(&p), ["delete eth1.2", "delete eth1.1000"]);
    }

    #[test]
    fn changed_vlan_recreates_the_device_and_its_children() {
        let before = want(SEED);
        let after = want(&SEED.replace("outer 1000", "outer 1001"));
        let p = plan(&converged(&before), &after).unwrap();
        assert_eq!(
            lines(&p),
            [
                "delete eth1.2",
                "delete eth1.1000",
                "create eth1.1001 vlan 802.1ad 1001 on eth1",
                "set eth1.1001 alias lsys:l2:outer:1001",
                "create eth1.2 vlan 802.1q 100 on eth1.1001",
                "set eth1.2 alias lsys:l2:member:bd-azure",
                "set eth1.2 master irb.2",
                "set eth1.1001 up",
                "set eth1.2 up",
            ]
        );
        let w = want(SEED);
        let mut actual = converged(&w);
        let inner = actual.iter_mut().find(|l| l.name == "eth1.4").unwrap();
        inner.kind = Kind::Vlan {
            parent: "eth1".into(),
            id: 5,
            proto: VlanProto::Dot1q,
        };
        assert_eq!(
            lines(&plan(&actual, &w).unwrap())[..2],
            ["delete eth1.4", "create eth1.4 vlan 802.1q 4 on eth1"]
        );
    }

    #[test]
    fn addresses_and_state_are_fixed_in_place() {
        let w = want(SEED);
        let mut actual = converged(&w);
        let irb = actual.iter_mut().find(|l| l.name == "irb.4").unwrap();
        irb.addresses = vec!["192.0.2.1/24".parse().unwrap()];
        irb.up = false;
        irb.master = None;
        assert_eq!(
            lines(&plan(&actual, &w).unwrap()),
            [
                "set irb.4 master vrf1000",
                "delete address 192.0.2.1/24 dev irb.4",
                "add address 10.0.0.0/31 dev irb.4",
                "set irb.4 up",
            ]
        );
    }

    #[test]
    fn missing_port_is_an_error() {
        let err = plan(&[], &want(SEED)).unwrap_err();
        assert_eq!(err.to_string(), "interface eth1 does not exist");
    }

    #[test]
    fn port_mtu_and_state_come_first_and_members_follow_the_mtu() {
        let w = want(SEED);
        let mut actual = converged(&w);
        let eth1 = actual.iter_mut().find(|l| l.name == "eth1").unwrap();
        eth1.mtu = Some(1500);
        eth1.up = false;
        actual.iter_mut().find(|l| l.name == "eth1.4").unwrap().mtu = Some(1500);
        assert_eq!(
            lines(&plan(&actual, &w).unwrap()),
            ["set eth1 mtu 9000", "set eth1 up", "set eth1.4 mtu 9000"]
        );
    }

    #[test]
    fn an_unlabelled_device_left_by_a_crash_is_adopted_but_a_used_one_is_not() {
        let w = want(SEED);
        let mut actual = converged(&w);
        let irb = actual.iter_mut().find(|l| l.name == "irb.4").unwrap();
        // As a crash right after the create leaves it.
        irb.alias = None;
        irb.master = None;
        irb.addresses.clear();
        irb.up = false;
        assert_eq!(
            lines(&plan(&actual, &w).unwrap()),
            [
                "set irb.4 alias lsys:l2:bridge-domain:bd-aws",
                "set irb.4 master vrf1000",
                "add address 10.0.0.0/31 dev irb.4",
                "set irb.4 up",
            ]
        );
        // Someone's bridge that happens to carry the name: up, so not ours.
        actual.iter_mut().find(|l| l.name == "irb.4").unwrap().up = true;
        assert!(matches!(
            plan(&actual, &w),
            Err(PlanError::Foreign { name, .. }) if name == "irb.4"
        ));
    }
}
