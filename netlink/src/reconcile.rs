//! The pure diff: actual links (as dumped) against [`Desired`] → an ordered [`Plan`].
//!
//! Only devices whose ifalias starts with `lsys:` are ever changed or deleted; a foreign device
//! holding a name lsys wants is an error, never a takeover. Order: deletions (bridges and
//! VLANs on VLANs before VLANs on ports before VRFs), creations (VRFs, outer VLANs, inner
//! VLANs, bridges), enslaving, addresses, forwarding ([`crate::forwarding`]: on before the
//! device comes up), admin state.
//!
//! [`plan`] covers the whole kernel (reconcile at start). [`plan_for`] covers the scopes a
//! commit changed and leaves every device of another scope exactly as it is, even when it
//! differs from the desired state (a device the configuration gives to another scope, or one
//! the kernel labels for another scope that the configuration gives to no covered one):
//! * it creates and changes the wanted devices those scopes own ([`Link::owner`]; one the
//!   kernel still labels for another scope is relabelled in place, never recreated), and the
//!   wanted devices of other scopes their VLANs ride on (a shared QinQ outer device) when the
//!   kernel lacks them; it deletes the lsys devices those scopes own (by alias) that are not
//!   wanted as they are;
//! * it sets MTU and state of the ports those scopes configure, and reports a missing port only
//!   when their VLAN members require it;
//! * it never deletes a device whose deletion would delete or release a device of another scope
//!   (the VLANs on it, the devices enslaved to it): a device only going away is then left in
//!   place (for a later plan of its scope, or reconcile at start); one standing in the way of a
//!   device to create is [`PlanError::InUse`], as is a device of another scope holding the name
//!   or the VLAN tag of a device to create.

use std::collections::BTreeSet;
use std::fmt;

use ipnet::IpNet;

#[cfg(test)]
use crate::desired::Kind;
use crate::desired::{create_rank, Desired, Link, ALIAS_PREFIX};
use crate::forwarding::Family;
use crate::scope::{check_tags, needed, Deletes, Graph, Owners};

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
    /// `net.<family>.conf.<name>.forwarding` (a /proc/sys write, not netlink).
    SetForwarding {
        name: String,
        family: Family,
        on: bool,
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
            Step::SetForwarding { name, family, on } => {
                let on = if *on { "on" } else { "off" };
                write!(f, "set {name} {family} forwarding {on}")
            }
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
    /// `owners`: the covered scopes whose VLAN members ride on the port.
    #[error("interface {name} does not exist")]
    MissingPort {
        name: String,
        owners: BTreeSet<String>,
    },
    /// A scoped plan would delete or disturb devices of other scopes (`owners`) to create or
    /// replace `name`.
    #[error(
        "device {name} cannot be created or replaced without disturbing devices of {}",
        scopes(owners)
    )]
    InUse {
        name: String,
        owners: BTreeSet<String>,
    },
}

fn scopes(owners: &BTreeSet<String>) -> String {
    let names: Vec<&str> = owners
        .iter()
        .map(|o| if o.is_empty() { "the root" } else { o })
        .collect();
    names.join(", ")
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

/// Diffs `actual` (every link in the kernel) against `want`, over the whole kernel.
pub fn plan(actual: &[Link], want: &Desired) -> Result<Plan, PlanError> {
    diff(actual, want, Owners::All)
}

/// Diffs `actual` (every link in the kernel) against `want` for the devices and ports of
/// `owners` only (logical-system names, [`crate::desired::ROOT_LS`] for the root); see the
/// module documentation for what it leaves alone.
pub fn plan_for(
    actual: &[Link],
    want: &Desired,
    owners: &BTreeSet<String>,
) -> Result<Plan, PlanError> {
    diff(actual, want, Owners::Only(owners))
}

fn diff(actual: &[Link], want: &Desired, scope: Owners<'_>) -> Result<Plan, PlanError> {
    let kernel = Graph::new(actual, want);
    // Ports first: their MTU before VLAN devices are created on them (which inherit it).
    let mut steps = port_steps(&kernel, want, scope)?;
    let mut del = Deletes::default();
    for a in actual
        .iter()
        .filter(|a| is_ours(a) && scope.has(a.owner()) && want.link(&a.name).is_none())
    {
        del.delete_unless_held(&kernel, a, scope);
    }
    let needed = needed(want, scope);
    let mut writes = Writes::default();
    for w in &want.links {
        let found = kernel
            .get(&w.name)
            .filter(|a| !del.gone.contains(a.name.as_str()));
        let settled = found.is_some_and(|a| is_ours(a) && a.kind == w.kind);
        // Its scope's device, or one a covered VLAN rides on that the kernel lacks.
        let covered = scope.has(w.owner()) || (needed.contains(&w.name) && !settled);
        if !covered {
            // Another scope's device stays as it is; one of ours holding its name in another
            // form goes (that scope creates its device).
            if let Some(a) = found.filter(|a| is_ours(a) && scope.has(a.owner()) && !settled) {
                del.delete_unless_held(&kernel, a, scope);
            }
            continue;
        }
        let current = match kernel.get(&w.name) {
            Some(a) if !is_ours(a) && !orphan_of_ours(a, w) => {
                return Err(PlanError::Foreign {
                    name: a.name.clone(),
                    kind: a.kind.to_string(),
                })
            }
            // A VLAN whose parent is recreated goes away with it: recreate it too.
            Some(a) if del.gone.contains(a.name.as_str()) => {
                del.links.push(a);
                None
            }
            Some(a) if a.kind != w.kind => {
                let owners = kernel.blockers(a, scope);
                if !owners.is_empty() {
                    let name = w.name.clone();
                    return Err(PlanError::InUse { name, owners });
                }
                del.delete(&kernel, a);
                None
            }
            other => other,
        };
        writes.link(w, current);
    }
    check_tags(actual, &writes.creates, &del, scope)?;
    let mut deletes = del.links;
    deletes.sort_by_key(|l| (delete_rank(l), l.name.clone()));
    deletes.dedup_by(|a, b| a.name == b.name);
    steps.extend(deletes.into_iter().map(|l| Step::Delete {
        name: l.name.clone(),
    }));
    let Writes {
        creates,
        aliases,
        mtus,
        masters,
        addresses,
        forwarding,
        ups,
    } = writes;
    steps.extend(creates);
    steps.extend(aliases);
    steps.extend(mtus);
    steps.extend(masters);
    steps.extend(addresses);
    steps.extend(forwarding);
    steps.extend(ups);
    Ok(Plan { steps })
}

/// MTU and admin state of the ports the covered scopes configure.
fn port_steps(
    kernel: &Graph<'_>,
    want: &Desired,
    scope: Owners<'_>,
) -> Result<Vec<Step>, PlanError> {
    let mut steps = Vec::new();
    for (name, port) in want.ports.iter().filter(|(_, p)| scope.any(&p.owners)) {
        let Some(a) = kernel.get(name) else {
            let owners = scope.within(&port.required_by);
            if owners.is_empty() {
                continue;
            }
            return Err(PlanError::MissingPort {
                name: name.clone(),
                owners,
            });
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
    Ok(steps)
}

/// The writes after the deletions, by phase.
#[derive(Default)]
struct Writes {
    creates: Vec<Step>,
    aliases: Vec<Step>,
    mtus: Vec<Step>,
    masters: Vec<Step>,
    addresses: Vec<Step>,
    forwarding: Vec<Step>,
    ups: Vec<Step>,
}

impl Writes {
    /// The writes that turn `current` (`None`: absent, or deleted by this plan) into `w`.
    fn link(&mut self, w: &Link, current: Option<&Link>) {
        let (alias, master, addrs, up, mtu, forwarding) = match current {
            Some(a) => (
                a.alias.clone(),
                a.master.clone(),
                a.addresses.clone(),
                a.up,
                a.mtu,
                Some(a.forwarding),
            ),
            None => {
                let mut link = w.clone();
                link.master = None;
                link.addresses.clear();
                link.up = false;
                link.alias = None;
                self.creates.push(Step::Create { link });
                // The kernel ignores IFLA_IFALIAS on RTM_NEWLINK: the alias is its own write,
                // right after the create, so that a plan failing later leaves only labelled
                // devices behind (undo removes them) and a crash leaves at most one unlabelled.
                if let Some(alias) = &w.alias {
                    self.creates.push(Step::SetAlias {
                        name: w.name.clone(),
                        alias: alias.clone(),
                    });
                }
                // A new VLAN device inherits its parent's MTU, which the port steps set. Its
                // forwarding values are the kernel's defaults, unknown here: written.
                (w.alias.clone(), None, vec![], false, w.mtu, None)
            }
        };
        if let Some(m) = w.mtu.filter(|m| mtu != Some(*m)) {
            self.mtus.push(Step::SetMtu {
                name: w.name.clone(),
                mtu: m,
            });
        }
        if alias != w.alias {
            if let Some(alias) = &w.alias {
                self.aliases.push(Step::SetAlias {
                    name: w.name.clone(),
                    alias: alias.clone(),
                });
            }
        }
        if master != w.master {
            self.masters.push(Step::SetMaster {
                name: w.name.clone(),
                master: w.master.clone(),
            });
        }
        for a in addrs
            .iter()
            .filter(|a| managed(a) && !w.addresses.contains(a))
        {
            self.addresses.push(Step::DelAddress {
                name: w.name.clone(),
                address: *a,
            });
        }
        for a in w.addresses.iter().filter(|a| !addrs.contains(a)) {
            self.addresses.push(Step::AddAddress {
                name: w.name.clone(),
                address: *a,
            });
        }
        self.forwarding
            .extend(w.forwarding.steps(&w.name, forwarding.as_ref()));
        if up != w.up {
            self.ups.push(Step::SetUp {
                name: w.name.clone(),
                up: w.up,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::VlanProto;
    use crate::forwarding::Forwarding;

    use crate::test_support::{want, SEED};

    fn port(name: &str) -> Link {
        crate::test_support::port(name, Forwarding::default())
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
                "set irb.2 ipv4 forwarding on",
                "set irb.4 ipv4 forwarding on",
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
