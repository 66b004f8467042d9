//! What one routing instance's speaker runs, from the typed configuration, and what a commit
//! changes about it.
//!
//! ```text
//!  typed::Bgp + autonomous-system + router-id + VRF device ──instance()──► InstanceConfig
//!                                                                          neighbors: addr → Neighbor
//!  diff(old, new) ──► per neighbor: Added | Removed | Reset (session parameters) |
//!                     Soft (import/export/limits: re-evaluate, no reset) | Unchanged
//! ```
//! A neighbor's *session* is everything the peer sees in OPEN or in TCP: AS numbers, router
//! id, hold time, families, passive, local address, key, TTL. Changing any of it resets that
//! session only (Cease / Other Configuration Change); changing a policy or a limit never does
//! (the RIB re-evaluates Adj-RIB-In and Adj-RIB-Out instead). `shutdown` stops the session
//! (Cease / Administrative Shutdown) without forgetting the neighbor.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use lsys_grammar::typed::{self, Afi, IdleTimeout, PeerType as TypedPeerType};

use crate::fsm::{Family, IdleAfterStop, PeerType, SessionConfig};
use crate::net::{ConnectConfig, Md5Key, BGP_PORT, TTL_EBGP_SINGLE_HOP, TTL_IBGP};

/// One speaker's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceConfig {
    /// The VRF device the sockets bind to (`None`: the main table).
    pub device: Option<String>,
    pub local_as: u32,
    pub router_id: Ipv4Addr,
    pub groups: usize,
    pub neighbors: BTreeMap<IpAddr, Neighbor>,
}

/// One configured neighbor.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbor {
    pub group: String,
    pub session: SessionConfig,
    pub connect: ConnectConfig,
    pub import: Vec<String>,
    pub export: Vec<String>,
    /// `family inet|inet6 unicast prefix-limit`, per family.
    pub prefix_limits: Vec<(Family, Limit)>,
    /// `accepted-prefix-limit`, per family.
    pub accepted_limits: Vec<(Family, Limit)>,
    /// `shutdown`: configured, kept down.
    pub shutdown: bool,
    pub log_updown: bool,
    /// `advertise-peer-as`: routes from the peer's own AS may go back to it (eBGP).
    pub advertise_peer_as: bool,
    /// `advertise-inactive`: the best BGP path goes out even where another protocol's route
    /// is active in the table (and the export chain does not take that one).
    pub advertise_inactive: bool,
    /// `multipath [multiple-as]`: paths equal down to the router id share the traffic.
    pub multipath: Option<crate::rib::Multipath>,
    /// `preference N`: the route preference of the paths received (170 unless configured;
    /// an import policy's `then preference` overrides it per route).
    pub preference: u32,
    /// Junos's `Options: <...>` words for `show bgp neighbor`.
    pub options: Vec<&'static str>,
}

/// A prefix limit and what happens past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub maximum: u32,
    /// `None`: only log past the limit (Junos without `teardown`).
    pub teardown: Option<IdleAfterStop>,
}

/// Why a speaker cannot be configured (commit checks refuse these first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("no autonomous-system for neighbor {0}")]
    NoLocalAs(IpAddr),
    #[error("no peer-as for neighbor {0}")]
    NoPeerAs(IpAddr),
    #[error("neighbor {0}: {1}")]
    Session(IpAddr, crate::fsm::ConfigError),
}

/// The speaker of one instance: `bgp` (effective settings per neighbor), the instance's
/// `autonomous-system` (`system_as`) and `router_id`, its VRF `device`, and the port peers
/// listen on (179; tests use others).
pub fn instance(
    bgp: &typed::Bgp,
    system_as: Option<u32>,
    router_id: Ipv4Addr,
    device: Option<&str>,
    port: u16,
) -> Result<InstanceConfig, ConfigError> {
    let mut neighbors = BTreeMap::new();
    let mut local_as_seen = system_as;
    for g in &bgp.groups {
        for n in &g.neighbors {
            let s = &n.settings;
            let local_as = s
                .local_as
                .or(system_as)
                .ok_or(ConfigError::NoLocalAs(n.address))?;
            local_as_seen = local_as_seen.or(Some(local_as));
            let internal = s.effective_type(system_as) == TypedPeerType::Internal;
            let peer_as = match (s.peer_as, internal) {
                (Some(a), _) => a,
                (None, true) => local_as,
                (None, false) => return Err(ConfigError::NoPeerAs(n.address)),
            };
            neighbors.insert(
                n.address,
                neighbor(
                    &g.name, n.address, s, local_as, peer_as, internal, router_id, device, port,
                )
                .map_err(|e| ConfigError::Session(n.address, e))?,
            );
        }
    }
    Ok(InstanceConfig {
        device: device.map(str::to_string),
        local_as: local_as_seen.unwrap_or(0),
        router_id,
        groups: bgp.groups.len(),
        neighbors,
    })
}

#[allow(clippy::too_many_arguments)]
fn neighbor(
    group: &str,
    address: IpAddr,
    s: &typed::PeerSettings,
    local_as: u32,
    peer_as: u32,
    internal: bool,
    router_id: Ipv4Addr,
    device: Option<&str>,
    port: u16,
) -> Result<Neighbor, crate::fsm::ConfigError> {
    let mut session = SessionConfig::new(local_as, router_id, address, peer_as);
    session.peer_type = if internal {
        PeerType::Internal
    } else {
        PeerType::External
    };
    if let Some(h) = s.hold_time {
        session.hold_time = h;
    }
    session.passive = s.passive;
    let unicast: Vec<&typed::Family> = s.families.iter().filter(|f| f.unicast).collect();
    session.families = if unicast.is_empty() {
        // Junos: no `family` configured means IPv4 unicast (for an IPv6 peer too).
        vec![Family::IPV4_UNICAST]
    } else {
        unicast.iter().map(|f| family(f.afi)).collect()
    };
    session.validate()?;
    let ttl = match (internal, s.multihop) {
        (_, Some(m)) => m.ttl.unwrap_or(64),
        (true, None) => TTL_IBGP,
        (false, None) => TTL_EBGP_SINGLE_HOP,
    };
    let mut connect = ConnectConfig::new(SocketAddr::new(address, port));
    connect.device = device.map(str::to_string);
    connect.local = s.local_address;
    connect.key = s.authentication_key.as_deref().map(Md5Key::new);
    connect.ttl = ttl;
    connect.timeout = Duration::from_secs(5);
    let limits = |pick: fn(&typed::Family) -> Option<typed::PrefixLimit>| {
        unicast
            .iter()
            .filter_map(|f| {
                let l = pick(f)?;
                Some((
                    family(f.afi),
                    Limit {
                        maximum: l.maximum?,
                        teardown: l.teardown.map(|t| match t.idle_timeout {
                            None => IdleAfterStop::Backoff,
                            Some(IdleTimeout::Forever) => IdleAfterStop::Forever,
                            Some(IdleTimeout::Minutes(m)) => {
                                IdleAfterStop::For(Duration::from_secs(u64::from(m) * 60))
                            }
                        }),
                    },
                ))
            })
            .collect()
    };
    let mut options = vec!["Preference"];
    if s.hold_time.is_some() {
        options.push("HoldTime");
    }
    if s.authentication_key.is_some() {
        options.push("AuthKey");
    }
    if s.passive {
        options.push("Passive");
    }
    if s.local_address.is_some() {
        options.push("LocalAddress");
    }
    if s.multihop.is_some() {
        options.push("Multihop");
    }
    options.push("PeerAS");
    if s.local_as.is_some() {
        options.push("LocalAS");
    }
    if s.advertise_inactive {
        options.push("AdvertiseInactive");
    }
    if s.advertise_peer_as == Some(true) {
        options.push("AdvertisePeerAs");
    }
    if s.multipath.is_some() {
        options.push("Multipath");
    }
    options.push("Refresh");
    Ok(Neighbor {
        group: group.to_string(),
        session,
        connect,
        import: s.import.clone(),
        export: s.export.clone(),
        prefix_limits: limits(|f| f.prefix_limit),
        accepted_limits: limits(|f| f.accepted_prefix_limit),
        shutdown: s.shutdown,
        log_updown: s.log_updown,
        advertise_peer_as: s.advertise_peer_as.unwrap_or(false),
        advertise_inactive: s.advertise_inactive,
        multipath: s.multipath.map(|m| crate::rib::Multipath {
            multiple_as: m.multiple_as,
        }),
        preference: s.preference.unwrap_or(crate::policy::BGP_PREFERENCE),
        options,
    })
}

fn family(afi: Afi) -> Family {
    match afi {
        Afi::Inet => Family::IPV4_UNICAST,
        Afi::Inet6 => Family::IPV6_UNICAST,
    }
}

/// What a commit does to one neighbor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    /// Session parameters changed: reset this session only.
    Reset,
    /// Policies, limits or group changed: re-evaluate routes, keep the session.
    Soft,
    /// `shutdown` set or cleared.
    Shutdown(bool),
}

/// The neighbors a commit touches, by address (the others are not disturbed).
pub fn diff(old: &InstanceConfig, new: &InstanceConfig) -> Vec<(IpAddr, Change)> {
    let mut out = Vec::new();
    let device_moved = old.device != new.device;
    for (addr, n) in &new.neighbors {
        let Some(o) = old.neighbors.get(addr) else {
            out.push((*addr, Change::Added));
            continue;
        };
        if device_moved || o.session != n.session || o.connect != n.connect {
            out.push((*addr, Change::Reset));
        } else if o.shutdown != n.shutdown {
            out.push((*addr, Change::Shutdown(n.shutdown)));
        } else if o != n {
            out.push((*addr, Change::Soft));
        }
    }
    for addr in old.neighbors.keys() {
        if !new.neighbors.contains_key(addr) {
            out.push((*addr, Change::Removed));
        }
    }
    out
}

/// The BGP port.
pub const PORT: u16 = BGP_PORT;

#[cfg(test)]
mod tests {
    use super::*;
    use lsys_grammar::schema::ROOT;
    use lsys_grammar::text::curly;

    const SEED_BGP: &str = "routing-options { autonomous-system 65000; }
        protocols { bgp {
            group aws { type external; peer-as 64512; neighbor 10.0.0.1 { authentication-key abcdefgh; } }
            group azure { type external; peer-as 12076; hold-time 30;
                family inet { unicast { prefix-limit { maximum 4000; teardown idle-timeout 5; } } }
                neighbor 10.0.0.14 { authentication-key abcdefg; import az-in; } }
        } }
        policy-options { policy-statement az-in { then accept; } policy-statement az2 { then accept; } }";

    fn config(text: &str) -> InstanceConfig {
        let tree = curly::read(text, ROOT).expect("config");
        let i = typed::intent(&tree).expect("typed");
        instance(
            &i.root.bgp,
            i.root.routing_options.autonomous_system,
            "10.0.0.13".parse().unwrap(),
            Some("vrf1000"),
            PORT,
        )
        .expect("instance")
    }

    #[test]
    fn the_seed_neighbors() {
        let c = config(SEED_BGP);
        assert_eq!((c.local_as, c.groups, c.neighbors.len()), (65000, 2, 2));
        let aws = &c.neighbors[&"10.0.0.1".parse::<IpAddr>().unwrap()];
        assert_eq!(aws.session.peer_as, 64512);
        assert_eq!(aws.session.peer_type, PeerType::External);
        assert_eq!(aws.connect.ttl, TTL_EBGP_SINGLE_HOP);
        assert_eq!(aws.connect.device.as_deref(), Some("vrf1000"));
        assert_eq!(
            aws.connect.key.as_ref().map(|k| k.as_bytes()),
            Some(&b"abcdefgh"[..])
        );
        let az = &c.neighbors[&"10.0.0.14".parse::<IpAddr>().unwrap()];
        assert_eq!(az.session.hold_time, 30);
        assert_eq!(az.import, vec!["az-in".to_string()]);
        assert_eq!(
            az.prefix_limits,
            vec![(
                Family::IPV4_UNICAST,
                Limit {
                    maximum: 4000,
                    teardown: Some(IdleAfterStop::For(Duration::from_secs(300)))
                }
            )]
        );
    }

    #[test]
    fn a_commit_touches_only_what_changed() {
        let old = config(SEED_BGP);
        let d = |text: &str| diff(&old, &config(text));
        assert!(d(SEED_BGP).is_empty());
        // A policy change is soft; the key of one neighbor resets only that one.
        assert_eq!(
            d(&SEED_BGP.replace("import az-in", "import az2")),
            vec![("10.0.0.14".parse().unwrap(), Change::Soft)]
        );
        assert_eq!(
            d(&SEED_BGP.replace("abcdefgh", "newkey")),
            vec![("10.0.0.1".parse().unwrap(), Change::Reset)]
        );
        // A new neighbor is added; no other is touched.
        let more = SEED_BGP.replace(
            "neighbor 10.0.0.1 {",
            "neighbor 10.0.0.3 { authentication-key x; } neighbor 10.0.0.1 {",
        );
        assert_eq!(d(&more), vec![("10.0.0.3".parse().unwrap(), Change::Added)]);
        assert_eq!(
            d(&SEED_BGP.replace("neighbor 10.0.0.1 { authentication-key abcdefgh; }", "")),
            vec![("10.0.0.1".parse().unwrap(), Change::Removed)]
        );
    }
}
