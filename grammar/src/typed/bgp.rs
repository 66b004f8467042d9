//! Typed BGP: the `protocols bgp` statements, its groups and their neighbors.
//!
//! ```text
//!  protocols bgp { S }            Bgp::settings        = S
//!      group G { T }              BgpGroup::settings   = T over S
//!          neighbor N { U }       BgpNeighbor::settings = U over T over S
//! ```
//! A statement set below overrides the one above it, statement by statement; a container
//! (`multihop`, `family`, `local-as`, `bfd-liveness-detection`, ...) is taken whole from the
//! lowest level that has it. Flags (`passive`, `log-updown`, ...) set above cannot be unset
//! below (Junos has no negative form for them either).

use std::net::{IpAddr, Ipv4Addr};

use serde::{Deserialize, Serialize};

use super::routing::narrow;
use super::{bad, entry_key, key, leaf, missing, text, Result, TypedError};
use crate::secret;
use crate::tree::Node;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Bgp {
    /// The statements of `protocols bgp` itself (inherited by every group).
    #[serde(default)]
    pub settings: PeerSettings,
    pub groups: Vec<BgpGroup>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BgpGroup {
    pub name: String,
    /// Effective group settings: the group's statements over those of `protocols bgp`.
    pub settings: PeerSettings,
    pub neighbors: Vec<BgpNeighbor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BgpNeighbor {
    pub address: IpAddr,
    /// Effective settings: neighbor-level statements over group-level ones (over bgp-level).
    pub settings: PeerSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeerType {
    External,
    Internal,
}

/// The statements shared by `protocols bgp`, its groups and neighbors.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PeerSettings {
    /// `type` as configured; `None` leaves it to [`PeerSettings::effective_type`].
    pub peer_type: Option<PeerType>,
    pub description: Option<String>,
    pub peer_as: Option<u32>,
    /// `local-as N`: the AS this session speaks as.
    pub local_as: Option<u32>,
    /// The options of `local-as N [loops L] [private] [alias] [no-prepend-global-as]`.
    #[serde(default)]
    pub local_as_options: LocalAsOptions,
    pub local_address: Option<IpAddr>,
    pub hold_time: Option<u16>,
    /// `preference N`: the route preference of the paths learned (BGP's default is 170).
    #[serde(default)]
    pub preference: Option<u32>,
    /// Decoded (clear text) MD5 key.
    pub authentication_key: Option<String>,
    #[serde(default)]
    pub authentication_algorithm: Option<AuthenticationAlgorithm>,
    pub import: Vec<String>,
    pub export: Vec<String>,
    pub passive: bool,
    /// `shutdown`: the session is configured but kept down.
    #[serde(default)]
    pub shutdown: bool,
    #[serde(default)]
    pub log_updown: bool,
    /// `remove-private`: strip private AS numbers from the AS path on export.
    #[serde(default)]
    pub remove_private: bool,
    /// `as-override`: replace the peer's AS with the local AS in paths sent to it.
    #[serde(default)]
    pub as_override: bool,
    /// `advertise-peer-as` (`Some(true)`) / `no-advertise-peer-as` (`Some(false)`).
    #[serde(default)]
    pub advertise_peer_as: Option<bool>,
    #[serde(default)]
    pub advertise_inactive: bool,
    /// `multipath [multiple-as]`: use several equal paths.
    #[serde(default)]
    pub multipath: Option<Multipath>,
    /// `cluster ID`: act as a route reflector for internal peers, with this cluster id.
    #[serde(default)]
    pub cluster: Option<Ipv4Addr>,
    #[serde(default)]
    pub graceful_restart: Option<GracefulRestart>,
    #[serde(default)]
    pub bfd_liveness_detection: Option<Bfd>,
    pub multihop: Option<Multihop>,
    /// Empty when no `family` is configured.
    pub families: Vec<Family>,
}

impl PeerSettings {
    /// The session type as Junos decides it: `type` when configured, otherwise internal when
    /// `peer-as` equals the local AS (`local-as`, else `system_as`) and external otherwise
    /// (also when `peer-as` is missing).
    pub fn effective_type(&self, system_as: Option<u32>) -> PeerType {
        if let Some(t) = self.peer_type {
            return t;
        }
        match (self.peer_as, self.local_as.or(system_as)) {
            (Some(peer), Some(local)) if peer == local => PeerType::Internal,
            _ => PeerType::External,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LocalAsOptions {
    /// `loops N`: how often the local AS may appear in a received path.
    pub loops: Option<u8>,
    /// `private`: do not prepend the local AS to paths learned from this peer.
    pub private: bool,
    /// `alias`: the local AS is an alias of the system AS.
    pub alias: bool,
    /// `no-prepend-global-as`: do not prepend the system AS in advertised paths.
    pub no_prepend_global_as: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthenticationAlgorithm {
    Md5,
    HmacSha196,
    Aes128Cmac96,
    Ao,
}

impl AuthenticationAlgorithm {
    /// The configuration's word for it.
    pub fn keyword(self) -> &'static str {
        match self {
            AuthenticationAlgorithm::Md5 => "md5",
            AuthenticationAlgorithm::HmacSha196 => "hmac-sha-1-96",
            AuthenticationAlgorithm::Aes128Cmac96 => "aes-128-cmac-96",
            AuthenticationAlgorithm::Ao => "ao",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Multipath {
    /// `multiple-as`: paths from different neighboring ASs count as equal.
    pub multiple_as: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GracefulRestart {
    pub disable: bool,
    pub restart_time: Option<u16>,
    pub stale_routes_time: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Bfd {
    /// Milliseconds.
    pub minimum_interval: Option<u32>,
    pub multiplier: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Multihop {
    pub ttl: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Afi {
    Inet,
    Inet6,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Family {
    pub afi: Afi,
    pub unicast: bool,
    /// `unicast prefix-limit`: the most prefixes the peer may send.
    #[serde(default)]
    pub prefix_limit: Option<PrefixLimit>,
    /// `unicast accepted-prefix-limit`: the most prefixes accepted (after import policy).
    #[serde(default)]
    pub accepted_prefix_limit: Option<PrefixLimit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrefixLimit {
    pub maximum: Option<u32>,
    /// `teardown [PERCENT] [idle-timeout ...]`: close the session past the limit (without
    /// it, the limit only logs).
    pub teardown: Option<Teardown>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Teardown {
    /// Percentage of the maximum at which to start warning.
    pub limit_threshold: Option<u8>,
    /// How long to wait before restarting the session (`None`: restart at once).
    pub idle_timeout: Option<IdleTimeout>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdleTimeout {
    /// Stay down until cleared by hand.
    Forever,
    Minutes(u16),
}

pub(super) fn bgp(protocols: &Node) -> Result<Bgp> {
    let mut out = Bgp::default();
    let Some(b) = protocols.get("bgp") else {
        return Ok(out);
    };
    out.settings = peer_settings(b, None).map_err(|e| e.under(&["bgp"]))?;
    for g in b.list("group") {
        let at = |e: TypedError| e.under(&["bgp", "group", key(g)]);
        let settings = peer_settings(g, Some(&out.settings)).map_err(at)?;
        let mut neighbors = Vec::new();
        for n in g.list("neighbor") {
            let at_n = |e: TypedError| e.under(&["bgp", "group", key(g), "neighbor", key(n)]);
            neighbors.push(BgpNeighbor {
                address: entry_key("neighbor", n).map_err(at)?,
                settings: peer_settings(n, Some(&settings)).map_err(at_n)?,
            });
        }
        out.groups.push(BgpGroup {
            name: key(g).to_string(),
            settings,
            neighbors,
        });
    }
    Ok(out)
}

/// The settings configured at `n`, each falling back to `above`'s when not configured here.
pub(super) fn peer_settings(n: &Node, above: Option<&PeerSettings>) -> Result<PeerSettings> {
    let dflt = PeerSettings::default();
    let g = above.unwrap_or(&dflt);
    let peer_type = match n.leaf("type") {
        Some("external") => Some(PeerType::External),
        Some("internal") => Some(PeerType::Internal),
        Some(other) => return Err(bad("type", other, "invalid peer type")),
        None => g.peer_type,
    };
    let authentication_key = match n.leaf("authentication-key") {
        Some(k) => Some(secret::decode(k).map_err(|e| bad("authentication-key", k, e))?),
        None => g.authentication_key.clone(),
    };
    let authentication_algorithm = match n.leaf("authentication-algorithm") {
        Some("md5") => Some(AuthenticationAlgorithm::Md5),
        Some("hmac-sha-1-96") => Some(AuthenticationAlgorithm::HmacSha196),
        Some("aes-128-cmac-96") => Some(AuthenticationAlgorithm::Aes128Cmac96),
        Some("ao") => Some(AuthenticationAlgorithm::Ao),
        Some(other) => return Err(bad("authentication-algorithm", other, "invalid algorithm")),
        None => g.authentication_algorithm,
    };
    let list = |word: &str, inherited: &Vec<String>| {
        let own = n.leaf_list(word);
        if own.is_empty() {
            inherited.clone()
        } else {
            own.to_vec()
        }
    };
    let (local_as, local_as_options) = match n.get("local-as") {
        Some(l) => {
            let at = |e: TypedError| e.under(&["local-as"]);
            let asn = leaf(l, "as-number").map_err(at)?;
            if asn.is_none() {
                return Err(missing("local-as", "missing autonomous system number"));
            }
            let options = LocalAsOptions {
                loops: narrow("loops", leaf(l, "loops").map_err(at)?).map_err(at)?,
                private: l.has("private"),
                alias: l.has("alias"),
                no_prepend_global_as: l.has("no-prepend-global-as"),
            };
            (asn, options)
        }
        None => (g.local_as, g.local_as_options),
    };
    let multihop = match n.get("multihop") {
        Some(m) => Some(Multihop {
            ttl: narrow("ttl", leaf(m, "ttl").map_err(|e| e.under(&["multihop"]))?)?,
        }),
        None => g.multihop,
    };
    let multipath = match n.get("multipath") {
        Some(m) => Some(Multipath {
            multiple_as: m.has("multiple-as"),
        }),
        None => g.multipath,
    };
    let graceful_restart = match n.get("graceful-restart") {
        Some(gr) => {
            let at = |e: TypedError| e.under(&["graceful-restart"]);
            Some(GracefulRestart {
                disable: gr.has("disable"),
                restart_time: narrow("restart-time", leaf(gr, "restart-time").map_err(at)?)?,
                stale_routes_time: narrow(
                    "stale-routes-time",
                    leaf(gr, "stale-routes-time").map_err(at)?,
                )?,
            })
        }
        None => g.graceful_restart,
    };
    let bfd_liveness_detection = match n.get("bfd-liveness-detection") {
        Some(b) => {
            let at = |e: TypedError| e.under(&["bfd-liveness-detection"]);
            Some(Bfd {
                minimum_interval: leaf(b, "minimum-interval").map_err(at)?,
                multiplier: narrow("multiplier", leaf(b, "multiplier").map_err(at)?)?,
            })
        }
        None => g.bfd_liveness_detection,
    };
    let families = match n.get("family") {
        Some(f) => families(f).map_err(|e| e.under(&["family"]))?,
        None => g.families.clone(),
    };
    let advertise_peer_as = if n.has("advertise-peer-as") {
        Some(true)
    } else if n.has("no-advertise-peer-as") {
        Some(false)
    } else {
        g.advertise_peer_as
    };
    let flag = |word: &str, inherited: bool| n.has(word) || inherited;
    Ok(PeerSettings {
        peer_type,
        description: text(n, "description").or_else(|| g.description.clone()),
        peer_as: leaf(n, "peer-as")?.or(g.peer_as),
        local_as,
        local_as_options,
        local_address: leaf(n, "local-address")?.or(g.local_address),
        hold_time: leaf(n, "hold-time")?.or(g.hold_time),
        preference: leaf(n, "preference")?.or(g.preference),
        authentication_key,
        authentication_algorithm,
        import: list("import", &g.import),
        export: list("export", &g.export),
        passive: flag("passive", g.passive),
        shutdown: flag("shutdown", g.shutdown),
        log_updown: flag("log-updown", g.log_updown),
        remove_private: flag("remove-private", g.remove_private),
        as_override: flag("as-override", g.as_override),
        advertise_peer_as,
        advertise_inactive: flag("advertise-inactive", g.advertise_inactive),
        multipath,
        cluster: leaf(n, "cluster")?.or(g.cluster),
        graceful_restart,
        bfd_liveness_detection,
        multihop,
        families,
    })
}

/// The families of a `family` container, IPv4 first.
fn families(f: &Node) -> Result<Vec<Family>> {
    let mut out = Vec::new();
    for (word, afi) in [("inet", Afi::Inet), ("inet6", Afi::Inet6)] {
        let Some(x) = f.get(word) else { continue };
        let at = |e: TypedError| e.under(&[word, "unicast"]);
        let unicast = x.get("unicast");
        let limit = |name: &str| -> Result<Option<PrefixLimit>> {
            unicast
                .and_then(|u| u.get(name))
                .map(|l| prefix_limit(l).map_err(|e| at(e.under(&[name]))))
                .transpose()
        };
        out.push(Family {
            afi,
            unicast: unicast.is_some(),
            prefix_limit: limit("prefix-limit")?,
            accepted_prefix_limit: limit("accepted-prefix-limit")?,
        });
    }
    Ok(out)
}

fn prefix_limit(l: &Node) -> Result<PrefixLimit> {
    let teardown = match l.get("teardown") {
        Some(t) => {
            let at = |e: TypedError| e.under(&["teardown"]);
            let idle_timeout = match t.get("idle-timeout") {
                Some(i) if i.has("forever") => Some(IdleTimeout::Forever),
                Some(i) => narrow("timeout", leaf(i, "timeout").map_err(at)?)
                    .map_err(at)?
                    .map(IdleTimeout::Minutes),
                None => None,
            };
            Some(Teardown {
                limit_threshold: narrow("limit-threshold", leaf(t, "limit-threshold").map_err(at)?)
                    .map_err(at)?,
                idle_timeout,
            })
        }
        None => None,
    };
    Ok(PrefixLimit {
        maximum: leaf(l, "maximum")?,
        teardown,
    })
}
