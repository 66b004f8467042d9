//! IP forwarding on lsys's devices: which devices forward, the writes that turn it on, and the
//! kernel events that tell lsysd someone turned it off behind its back.
//!
//! ```text
//!  desired(): an irb carrying inet  ──► Link.forwarding.v4 = Some(true)   (everything else:
//!             an irb carrying inet6 ──► Link.forwarding.v6 = Some(true)    None, left alone)
//!  plan()/plan_for(): Step::SetForwarding where the dump (IFLA_AF_SPEC devconf) differs
//!  Kernel::apply ──► /proc/sys/net/ipv{4,6}/conf/<dev>/forwarding            (sysctl.rs)
//!  RTNLGRP_IPV{4,6}_NETCONF ── RTM_NEWNETCONF forwarding=0 ──► watch()       (netconf.rs)
//!     └─► lsysd: repairs(dump, last desired) ──► the same writes
//! ```
//!
//! What the kernel does with these values (Debian 6.1, checked in the lab, tests/lab):
//! * IPv4: a packet is forwarded only if `net.ipv4.conf.<dev>.forwarding` is 1 on the device it
//!   arrived on — for a VRF, the enslaved device (the irb), not the VRF device; neither the
//!   egress device's value nor the VRF device's matters. An echo through the VRF needs it on
//!   both irbs (the request comes in on one, the reply on the other). `net.ipv4.ip_forward`
//!   (`conf.all.forwarding`) only writes every device's value at once: lsys never touches it,
//!   so the host's other interfaces keep theirs.
//! * IPv6: `ip6_forward` asks `net.ipv6.conf.all.forwarding` only; the per-device value makes
//!   the device behave as a router (router flag in neighbour advertisements, RAs ignored) but
//!   forwards nothing by itself. So lsys sets the per-device value on the irbs that carry
//!   IPv6, and the global switch once some irb does ([`Sysctl::enable_ipv6_forwarding`]).
//!   Writing the global switch writes every device's value: the other devices' values are put
//!   back at once, so they stay hosts. What cannot be avoided on this kernel: IPv6 is then
//!   forwarded between any interfaces that share a table (the host's own ones included), and
//!   every write of 1 makes the kernel drop RA-learned default routes of interfaces whose
//!   `accept_ra` is not 2 (they come back with the next RA).
//! * Why /proc/sys: IPv4's value can also be set by RTM_SETLINK (IFLA_AF_SPEC), but that skips
//!   what the sysctl handler does (RTM_NEWNETCONF to listeners, LRO off, route cache flush);
//!   IPv6 has no netlink write for it at all.
//!
//! lsys turns forwarding on and never off: a device that stops carrying a family keeps its
//! value until it is deleted, and the global IPv6 switch stays on when IPv6 leaves the
//! configuration (turning it off would write every device's value again).
//!
//! Layout: the model and the pure parts here ([`Family`], [`Forwarding`], [`repairs`]),
//! `sysctl.rs` the /proc/sys reads and writes ([`Sysctl`]), `netconf.rs` the events
//! ([`parse_netconf`], [`watch`]).

use std::fmt;

use crate::desired::{Desired, Link};
use crate::reconcile::{is_ours, Plan, Step};

mod netconf;
mod sysctl;

pub use netconf::{parse_netconf, watch, NetconfEvent, RTM_NEWNETCONF};
pub use sysctl::{Ipv6Global, Sysctl, SysctlError};

/// An address family with a forwarding switch of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub const ALL: [Family; 2] = [Family::V4, Family::V6];

    /// The directory under /proc/sys/net.
    pub fn dir(self) -> &'static str {
        match self {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir())
    }
}

/// IP forwarding of one device, per family. Wanted: `Some(true)` where lsys routes the family
/// through the device, `None` where it leaves the kernel's value alone. Dumped: the kernel's
/// value, `None` when the device has no configuration for the family (no IPv6 on it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forwarding {
    pub v4: Option<bool>,
    pub v6: Option<bool>,
}

impl Forwarding {
    pub fn get(&self, family: Family) -> Option<bool> {
        match family {
            Family::V4 => self.v4,
            Family::V6 => self.v6,
        }
    }

    pub fn set(&mut self, family: Family, on: bool) {
        match family {
            Family::V4 => self.v4 = Some(on),
            Family::V6 => self.v6 = Some(on),
        }
    }

    /// The writes that give device `name` the values wanted here. `have`: the device's dumped
    /// values, `None` for a device about to be created (unknown: every wanted value is
    /// written). A family the device does not have (no IPv6 on it) cannot be forwarded on
    /// it: nothing is written for that one.
    pub(crate) fn steps<'a>(
        &'a self,
        name: &'a str,
        have: Option<&'a Forwarding>,
    ) -> impl Iterator<Item = Step> + 'a {
        Family::ALL.into_iter().filter_map(move |family| {
            let on = self.get(family)?;
            let differs = have.is_none_or(|h| h.get(family).is_some_and(|v| v != on));
            differs.then(|| Step::SetForwarding {
                name: name.to_string(),
                family,
                on,
            })
        })
    }
}

/// Whether some device wants IPv6 forwarding, so the global IPv6 switch must be on.
pub fn wants_ipv6(want: &Desired) -> bool {
    want.links.iter().any(|l| l.forwarding.v6 == Some(true))
}

/// The writes that put forwarding back where `want` asks for it, on lsys's devices as the kernel
/// has them (same name, lsys's alias, same kind) and nothing else: no device is created,
/// deleted or changed otherwise, whatever else differs. For a repair between commits, when an
/// event says a value went to 0.
pub fn repairs(actual: &[Link], want: &Desired) -> Plan {
    let mut steps = Vec::new();
    for w in &want.links {
        let Some(a) = actual
            .iter()
            .find(|a| a.name == w.name && is_ours(a) && a.kind == w.kind)
        else {
            continue;
        };
        steps.extend(w.forwarding.steps(&w.name, Some(&a.forwarding)));
    }
    Plan { steps }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::plan;

    use crate::test_support::{want, SEED};

    fn port(name: &str) -> Link {
        crate::test_support::port(
            name,
            Forwarding {
                v4: Some(false),
                v6: Some(false),
            },
        )
    }

    /// The kernel after applying `want`: every wanted value in place, the others 0.
    fn converged(want: &Desired) -> Vec<Link> {
        let mut links = vec![port("eth1")];
        for l in &want.links {
            let mut l = l.clone();
            l.forwarding = Forwarding {
                v4: l.forwarding.v4.or(Some(false)),
                v6: l.forwarding.v6.or(Some(false)),
            };
            links.push(l);
        }
        links
    }

    fn lines(p: &Plan) -> Vec<String> {
        p.steps.iter().map(ToString::to_string).collect()
    }

    /// `inet6` on the AWS irb (irb.4), next to its `inet`.
    fn with_ipv6() -> String {
        let text = SEED.replace(
            "address 10.0.0.0/31;\n                    }\n",
            "address 10.0.0.0/31;\n                    }\n                    family inet6 {\n                        address 2001:db8:4::1/64;\n                    }\n",
        );
        assert_ne!(text, SEED);
        text
    }

    #[test]
    fn the_irbs_forward_the_families_they_carry_and_nothing_else_is_touched() {
        let w = want(SEED);
        let on: Vec<(&str, Forwarding)> = w
            .links
            .iter()
            .filter(|l| l.forwarding != Forwarding::default())
            .map(|l| (l.name.as_str(), l.forwarding))
            .collect();
        let v4 = Forwarding {
            v4: Some(true),
            v6: None,
        };
        assert_eq!(on, [("irb.2", v4), ("irb.4", v4)]);
        // The VRF device, the VLAN members and the outer QinQ device are left as they are.
        for name in ["vrf1000", "eth1.4", "eth1.2", "eth1.1000"] {
            assert_eq!(w.link(name).unwrap().forwarding, Forwarding::default());
        }
        assert!(!wants_ipv6(&w));

        let w6 = want(&with_ipv6());
        let irb4 = w6.link("irb.4").unwrap();
        assert_eq!(
            irb4.forwarding,
            Forwarding {
                v4: Some(true),
                v6: Some(true)
            }
        );
        assert_eq!(w6.link("irb.2").unwrap().forwarding, v4);
        assert!(wants_ipv6(&w6));
    }

    #[test]
    fn an_irb_without_addresses_forwards_nothing() {
        let text = SEED.replace("address 10.0.0.13/30;", "");
        assert_ne!(text, SEED);
        let w = want(&text);
        assert_eq!(
            w.link("irb.2").unwrap().forwarding,
            Forwarding::default(),
            "no address, no family to route"
        );
    }

    #[test]
    fn the_plan_turns_forwarding_on_after_the_addresses_and_before_the_device_goes_up() {
        let w = want(SEED);
        let p = lines(&plan(&[port("eth1")], &w).unwrap());
        let at = |s: &str| {
            p.iter()
                .position(|l| l == s)
                .unwrap_or_else(|| panic!("{s} in {p:?}"))
        };
        assert!(at("add address 10.0.0.0/31 dev irb.4") < at("set irb.4 ipv4 forwarding on"));
        assert!(at("set irb.4 ipv4 forwarding on") < at("set irb.4 up"));
        assert!(at("set irb.2 ipv4 forwarding on") < at("set irb.2 up"));
        assert_eq!(p.iter().filter(|l| l.contains("forwarding")).count(), 2);
    }

    #[test]
    fn a_converged_kernel_needs_no_write_and_a_value_set_to_0_is_put_back() {
        let w = want(&with_ipv6());
        let mut actual = converged(&w);
        assert!(plan(&actual, &w).unwrap().is_empty());
        assert!(repairs(&actual, &w).is_empty());
        let irb4 = actual.iter_mut().find(|l| l.name == "irb.4").unwrap();
        irb4.forwarding = Forwarding {
            v4: Some(false),
            v6: Some(false),
        };
        let expected = [
            "set irb.4 ipv4 forwarding on",
            "set irb.4 ipv6 forwarding on",
        ];
        assert_eq!(lines(&plan(&actual, &w).unwrap()), expected);
        assert_eq!(lines(&repairs(&actual, &w)), expected);
    }

    #[test]
    fn foreign_devices_and_unwanted_families_are_never_written() {
        let w = want(SEED);
        let mut actual = converged(&w);
        // The operator's port, a foreign bridge, a VRF device and a member at 0: not ours to set.
        actual.push(port("br-foreign"));
        for l in actual.iter_mut() {
            if l.name != "irb.4" && l.name != "irb.2" {
                l.forwarding = Forwarding {
                    v4: Some(false),
                    v6: Some(false),
                };
            }
        }
        assert!(plan(&actual, &w).unwrap().is_empty());
        assert!(repairs(&actual, &w).is_empty());
        // A foreign device holding an irb's name is not repaired either.
        let irb4 = actual.iter_mut().find(|l| l.name == "irb.4").unwrap();
        irb4.alias = None;
        irb4.forwarding.v4 = Some(false);
        assert!(repairs(&actual, &w).is_empty());
    }

    #[test]
    fn a_device_without_the_family_is_not_repaired() {
        let w = want(&with_ipv6());
        let mut actual = converged(&w);
        // IPv6 gone from the device (MTU below 1280): nothing to write, nothing to fail on.
        actual
            .iter_mut()
            .find(|l| l.name == "irb.4")
            .unwrap()
            .forwarding
            .v6 = None;
        assert!(repairs(&actual, &w).is_empty());
    }

    #[test]
    fn a_recreated_device_gets_forwarding_again() {
        let w = want(SEED);
        let mut actual = converged(&w);
        actual.retain(|l| l.name != "irb.2");
        let p = lines(&plan(&actual, &w).unwrap());
        assert!(p.contains(&"create irb.2 bridge".to_string()), "{p:?}");
        assert!(
            p.contains(&"set irb.2 ipv4 forwarding on".to_string()),
            "{p:?}"
        );
        assert!(!p.iter().any(|l| l.contains("irb.4")), "{p:?}");
    }
}
