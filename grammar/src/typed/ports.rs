//! Junos port names and the Linux devices that carry them.
//!
//! A configuration written for an MX names its ports `ge-0/0/1`, `xe-1/0/0:2`; a Linux router
//! has `eth1`, `enp3s0f1`. The operator says which is which once, at the root:
//!
//! ```text
//! interfaces {
//!     ge-0/0/1 {
//!         linux-name eth1;          # lsys's own statement
//!     }
//! }
//! ```
//!
//! Everything else keeps the Junos name — the configuration, `show interfaces`, `show route`,
//! commit errors — and only the dataplane speaks Linux: the port is `eth1`, its unit
//! `ge-0/0/1.4` is the VLAN device `eth1.4`. A name without a `linux-name` is its own device
//! (`eth1`, `ae0`). Commit checks (validate/ports.rs) make sure every Junos port name has a
//! device and that no device is claimed twice, so the two directions here are inverse.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::{Intent, Interface, Scope};

/// The root's `linux-name` statements, both ways.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortMap {
    /// Junos name → Linux device.
    to_device: BTreeMap<String, String>,
    /// Linux device → Junos name.
    to_junos: BTreeMap<String, String>,
}

impl PortMap {
    /// The map of a whole configuration: its root's interfaces.
    pub fn of(intent: &Intent) -> PortMap {
        PortMap::of_root(&intent.root)
    }

    /// The map declared by the root scope's `interfaces NAME linux-name DEV`.
    pub fn of_root(root: &Scope) -> PortMap {
        let mut map = PortMap::default();
        for Interface {
            name, linux_name, ..
        } in &root.interfaces
        {
            if let Some(dev) = linux_name.as_ref().filter(|d| *d != name) {
                map.to_device.insert(name.clone(), dev.clone());
                map.to_junos.insert(dev.clone(), name.clone());
            }
        }
        map
    }

    pub fn is_empty(&self) -> bool {
        self.to_device.is_empty()
    }

    /// The Linux device of an interface or unit name: `ge-0/0/1` → `eth1`, `ge-0/0/1.4` →
    /// `eth1.4`; any other name is its own device.
    pub fn device<'a>(&self, name: &'a str) -> Cow<'a, str> {
        translate(&self.to_device, name)
    }

    /// The configured (Junos) name of a Linux device or unit device: `eth1.4` → `ge-0/0/1.4`.
    pub fn junos<'a>(&self, device: &'a str) -> Cow<'a, str> {
        translate(&self.to_junos, device)
    }
}

/// `name` through `map`, as a whole or as `PORT.UNIT`.
fn translate<'a>(map: &BTreeMap<String, String>, name: &'a str) -> Cow<'a, str> {
    if let Some(to) = map.get(name) {
        return Cow::Owned(to.clone());
    }
    if let Some((port, unit)) = name.rsplit_once('.') {
        if let Some(to) = map.get(port) {
            return Cow::Owned(format!("{to}.{unit}"));
        }
    }
    Cow::Borrowed(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Option<&str>)]) -> PortMap {
        let root = Scope {
            interfaces: pairs
                .iter()
                .map(|(n, d)| Interface {
                    name: n.to_string(),
                    linux_name: d.map(str::to_string),
                    ..Interface::default()
                })
                .collect(),
            ..Scope::default()
        };
        PortMap::of_root(&root)
    }

    #[test]
    fn ports_and_units_both_ways() {
        let m = map(&[
            ("ge-0/0/1", Some("eth1")),
            ("ae0", Some("bond0")),
            ("eth2", None),
        ]);
        assert_eq!(m.device("ge-0/0/1"), "eth1");
        assert_eq!(m.device("ge-0/0/1.4"), "eth1.4");
        assert_eq!(m.device("ae0.100"), "bond0.100");
        assert_eq!(m.device("eth2.7"), "eth2.7");
        assert_eq!(m.device("irb.4"), "irb.4");
        assert_eq!(m.junos("eth1"), "ge-0/0/1");
        assert_eq!(m.junos("eth1.4"), "ge-0/0/1.4");
        assert_eq!(m.junos("bond0"), "ae0");
        assert_eq!(m.junos("eth2.7"), "eth2.7");
    }

    #[test]
    fn a_name_mapped_to_itself_is_no_mapping() {
        let m = map(&[("eth1", Some("eth1"))]);
        assert!(m.is_empty());
        assert_eq!(m.device("eth1.4"), "eth1.4");
    }
}
