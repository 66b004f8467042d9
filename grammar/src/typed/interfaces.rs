//! Typed interfaces (ports and their units, with VLANs, addresses and layer-2 families) and
//! bridge domains.

use std::fmt;
use std::str::FromStr;

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::{bad, entry_key, key, leaf, parse_str, text, Result};
use crate::tree::Node;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Interface {
    pub name: String,
    pub description: Option<String>,
    /// `linux-name DEV`: the Linux device that carries this (Junos-named) port.
    #[serde(default)]
    pub linux_name: Option<String>,
    /// `disable`: the port is administratively down.
    #[serde(default)]
    pub disable: bool,
    /// `vlan-tagging` (802.1Q units).
    #[serde(default)]
    pub vlan_tagging: bool,
    /// `stacked-vlan-tagging` (QinQ units).
    #[serde(default)]
    pub stacked_vlan_tagging: bool,
    pub flexible_vlan_tagging: bool,
    /// `native-vlan-id N`: untagged frames belong to VLAN N.
    #[serde(default)]
    pub native_vlan_id: Option<u16>,
    pub mtu: Option<u32>,
    /// The physical encapsulation (`flexible-ethernet-services`, `ethernet-bridge`, ...).
    #[serde(default)]
    pub encapsulation: Option<String>,
    pub units: Vec<Unit>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Unit {
    pub number: u32,
    pub description: Option<String>,
    /// `disable`: the unit is administratively down.
    #[serde(default)]
    pub disable: bool,
    /// `vlan-bridge`, `ethernet-bridge`, ... as configured.
    pub encapsulation: Option<String>,
    pub vlan: Option<Vlan>,
    pub inet: Vec<Ipv4Net>,
    pub inet6: Vec<Ipv6Net>,
    /// `family inet mtu N`.
    #[serde(default)]
    pub inet_mtu: Option<u32>,
    /// `family inet6 mtu N`.
    #[serde(default)]
    pub inet6_mtu: Option<u32>,
    /// `family bridge { ... }`: layer-2 membership (stored; lsys bridges the units its bridge
    /// domains name).
    #[serde(default)]
    pub bridge: Option<BridgeFamily>,
}

/// `family bridge` of a unit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BridgeFamily {
    pub interface_mode: Option<InterfaceMode>,
    /// `vlan-id N` (access membership).
    pub vlan_id: Option<u16>,
    /// `vlan-id-list [ N A-B ... ]` (trunk membership), each as an inclusive range.
    pub vlan_id_list: Vec<(u16, u16)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InterfaceMode {
    Access,
    Trunk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Vlan {
    /// `vlan-id N`.
    Id(u16),
    /// `vlan-tags outer O inner I` (either may be missing on an unfinished configuration).
    Tags {
        outer: Option<u16>,
        inner: Option<u16>,
    },
}

impl fmt::Display for Vlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Vlan::Id(v) => write!(f, "vlan-id {v}"),
            Vlan::Tags { outer, inner } => {
                write!(f, "vlan-tags")?;
                if let Some(o) = outer {
                    write!(f, " outer {o}")?;
                }
                if let Some(i) = inner {
                    write!(f, " inner {i}")?;
                }
                Ok(())
            }
        }
    }
}

/// An interface unit `NAME.UNIT` as named by routing instances and bridge domains.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnitRef {
    pub interface: String,
    pub unit: u32,
}

impl fmt::Display for UnitRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.interface, self.unit)
    }
}

impl FromStr for UnitRef {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<UnitRef, String> {
        let (dev, unit) = s
            .rsplit_once('.')
            .ok_or_else(|| format!("invalid interface unit (expected NAME.UNIT): {s}"))?;
        let unit = unit
            .parse()
            .map_err(|_| format!("invalid interface unit: {s}"))?;
        Ok(UnitRef {
            interface: dev.to_string(),
            unit,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BridgeDomain {
    pub name: String,
    /// `vlan-id N` (`None` for `vlan-id none|all` and when not configured).
    pub vlan_id: Option<u16>,
    /// `vlan-id none`: frames carry no tag inside the domain (as lsys bridges every domain).
    #[serde(default)]
    pub vlan_id_none: bool,
    /// `vlan-id all` (refused at commit: not supported yet).
    #[serde(default)]
    pub vlan_id_all: bool,
    pub interfaces: Vec<UnitRef>,
    pub routing_interface: Option<UnitRef>,
}

pub(super) fn interface(i: &Node) -> Result<Interface> {
    let mut units = Vec::new();
    for u in i.list("unit") {
        units.push(unit(u).map_err(|e| e.under(&["unit", key(u)]))?);
    }
    Ok(Interface {
        name: key(i).to_string(),
        description: text(i, "description"),
        linux_name: text(i, "linux-name"),
        disable: i.has("disable"),
        vlan_tagging: i.has("vlan-tagging"),
        stacked_vlan_tagging: i.has("stacked-vlan-tagging"),
        flexible_vlan_tagging: i.has("flexible-vlan-tagging"),
        native_vlan_id: leaf(i, "native-vlan-id")?,
        mtu: leaf(i, "mtu")?,
        encapsulation: text(i, "encapsulation"),
        units,
    })
}

fn unit(u: &Node) -> Result<Unit> {
    let vlan = match (leaf(u, "vlan-id")?, u.get("vlan-tags")) {
        (Some(id), _) => Some(Vlan::Id(id)),
        (None, Some(t)) => Some(Vlan::Tags {
            outer: leaf(t, "outer")?,
            inner: leaf(t, "inner")?,
        }),
        (None, None) => None,
    };
    let mut out = Unit {
        number: entry_key("unit", u)?,
        description: text(u, "description"),
        disable: u.has("disable"),
        encapsulation: text(u, "encapsulation"),
        vlan,
        ..Unit::default()
    };
    if let Some(f) = u.get("family") {
        if let Some(inet) = f.get("inet") {
            out.inet_mtu = leaf(inet, "mtu").map_err(|e| e.under(&["family", "inet"]))?;
            for a in inet.list("address") {
                out.inet.push(entry_key("address", a)?);
            }
        }
        if let Some(inet6) = f.get("inet6") {
            out.inet6_mtu = leaf(inet6, "mtu").map_err(|e| e.under(&["family", "inet6"]))?;
            for a in inet6.list("address") {
                out.inet6.push(entry_key("address", a)?);
            }
        }
        if let Some(b) = f.get("bridge") {
            out.bridge = Some(bridge_family(b).map_err(|e| e.under(&["family", "bridge"]))?);
        }
    }
    Ok(out)
}

fn bridge_family(b: &Node) -> Result<BridgeFamily> {
    let mut vlan_id_list = Vec::new();
    for r in b.leaf_list("vlan-id-list") {
        let (first, last) = r.split_once('-').unwrap_or((r, r));
        vlan_id_list.push((
            parse_str("vlan-id-list", first)?,
            parse_str("vlan-id-list", last)?,
        ));
    }
    Ok(BridgeFamily {
        interface_mode: match b.leaf("interface-mode") {
            Some("access") => Some(InterfaceMode::Access),
            Some("trunk") => Some(InterfaceMode::Trunk),
            Some(other) => return Err(bad("interface-mode", other, "invalid interface mode")),
            None => None,
        },
        vlan_id: leaf(b, "vlan-id")?,
        vlan_id_list,
    })
}

pub(super) fn bridge_domain(bd: &Node) -> Result<BridgeDomain> {
    let mut interfaces = Vec::new();
    for i in bd.list("interface") {
        interfaces.push(entry_key("interface", i)?);
    }
    let vlan = bd.leaf("vlan-id");
    Ok(BridgeDomain {
        name: key(bd).to_string(),
        vlan_id: match vlan {
            Some("none" | "all") | None => None,
            Some(v) => Some(parse_str("vlan-id", v)?),
        },
        vlan_id_none: vlan == Some("none"),
        vlan_id_all: vlan == Some("all"),
        interfaces,
        routing_interface: leaf(bd, "routing-interface")?,
    })
}
