//! OPEN messages as the machine sees them, the checks of RFC 4271 §6.2 / RFC 6793, and the
//! parameters both sides agree on.
//!
//! These are plain values, independent of the codec in `packet/`: the glue converts a decoded
//! OPEN into a [`PeerOpen`] and encodes a [`LocalOpen`].

use std::net::Ipv4Addr;

use super::config::{PeerType, SessionConfig};
use super::notification::Notification;

/// The only BGP version spoken.
pub const BGP_VERSION: u8 = 4;

/// The 2-octet placeholder for a 4-octet AS (RFC 6793 §9).
pub const AS_TRANS: u16 = 23456;

/// An address family: AFI and SAFI as on the wire (RFC 4760).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Family {
    pub afi: u16,
    pub safi: u8,
}

impl Family {
    pub const IPV4_UNICAST: Family = Family { afi: 1, safi: 1 };
    pub const IPV6_UNICAST: Family = Family { afi: 2, safi: 1 };
}

/// The capabilities (RFC 5492) the machine cares about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Multiprotocol capabilities (RFC 4760). Empty: none advertised, which means IPv4 unicast.
    pub families: Vec<Family>,
    /// Route refresh (RFC 2918, capability 2; the pre-standard 128 counts too).
    pub route_refresh: bool,
    /// Enhanced route refresh (RFC 7313).
    pub enhanced_route_refresh: bool,
    /// 4-octet AS number capability (RFC 6793) with the speaker's AS.
    pub four_octet_as: Option<u32>,
    /// Graceful restart (RFC 4724) advertised; recorded, not acted upon.
    pub graceful_restart: bool,
}

/// A received OPEN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerOpen {
    pub version: u8,
    /// The 2-octet My Autonomous System field (AS_TRANS for a 4-octet AS).
    pub my_as: u16,
    pub hold_time: u16,
    pub bgp_id: Ipv4Addr,
    pub capabilities: Capabilities,
}

impl PeerOpen {
    /// The peer's AS: from the 4-octet capability if present, else the My AS field.
    pub fn peer_as(&self) -> u32 {
        self.capabilities
            .four_octet_as
            .unwrap_or(u32::from(self.my_as))
    }

    /// The families the peer can carry (no Multiprotocol capability means IPv4 unicast).
    pub fn families(&self) -> Vec<Family> {
        if self.capabilities.families.is_empty() {
            vec![Family::IPV4_UNICAST]
        } else {
            self.capabilities.families.clone()
        }
    }
}

/// The OPEN we send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalOpen {
    pub version: u8,
    pub my_as: u16,
    pub hold_time: u16,
    pub bgp_id: Ipv4Addr,
    pub capabilities: Capabilities,
}

impl LocalOpen {
    pub(crate) fn from_config(config: &SessionConfig) -> Self {
        LocalOpen {
            version: BGP_VERSION,
            my_as: u16::try_from(config.local_as).unwrap_or(AS_TRANS),
            hold_time: config.hold_time,
            bgp_id: config.local_bgp_id,
            capabilities: Capabilities {
                families: config.families.clone(),
                route_refresh: config.route_refresh,
                enhanced_route_refresh: config.enhanced_route_refresh,
                four_octet_as: Some(config.local_as),
                graceful_restart: false,
            },
        }
    }
}

/// What the two OPENs agreed on; what `show bgp neighbor` prints as Active Holdtime etc.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// min(ours, theirs), in seconds; 0 means no hold timer and no keepalives.
    pub hold_time: u16,
    /// hold_time / 3 (0 with a hold time of 0).
    pub keepalive: u16,
    pub peer_as: u32,
    pub peer_bgp_id: Ipv4Addr,
    /// Both sides speak 4-octet AS numbers (we always offer it).
    pub four_octet_as: bool,
    /// Families both sides offered, in our configured order.
    pub families: Vec<Family>,
    pub route_refresh: bool,
    pub enhanced_route_refresh: bool,
    /// The peer advertised graceful restart (RFC 4724).
    pub peer_graceful_restart: bool,
}

/// Checks a received OPEN against the configuration (RFC 4271 §6.2 order: version, AS, hold
/// time, BGP identifier; then the families, RFC 5492 §5). The error is the NOTIFICATION to send.
pub(crate) fn check_open(
    config: &SessionConfig,
    open: &PeerOpen,
) -> Result<Negotiated, Notification> {
    if open.version != BGP_VERSION {
        return Err(Notification::unsupported_version());
    }
    let peer_as = open.peer_as();
    if peer_as != config.peer_as {
        return Err(Notification::bad_peer_as());
    }
    if matches!(open.hold_time, 1 | 2) {
        return Err(Notification::unacceptable_hold_time());
    }
    if open.bgp_id.is_unspecified()
        || (config.peer_type == PeerType::Internal && open.bgp_id == config.local_bgp_id)
    {
        return Err(Notification::bad_bgp_id());
    }
    let theirs = open.families();
    let families: Vec<_> = config
        .families
        .iter()
        .copied()
        .filter(|f| theirs.contains(f))
        .collect();
    if families.is_empty() {
        return Err(Notification::unsupported_capability(Vec::new()));
    }
    let hold_time = config.hold_time.min(open.hold_time);
    let caps = &open.capabilities;
    Ok(Negotiated {
        hold_time,
        keepalive: hold_time / 3,
        peer_as,
        peer_bgp_id: open.bgp_id,
        four_octet_as: caps.four_octet_as.is_some(),
        families,
        route_refresh: config.route_refresh && caps.route_refresh,
        enhanced_route_refresh: config.enhanced_route_refresh && caps.enhanced_route_refresh,
        peer_graceful_restart: caps.graceful_restart,
    })
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;

    fn config() -> SessionConfig {
        SessionConfig::new(
            65000,
            Ipv4Addr::new(10, 0, 0, 1),
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            4_200_000_000,
        )
    }

    fn open() -> PeerOpen {
        PeerOpen {
            version: 4,
            my_as: AS_TRANS,
            hold_time: 30,
            bgp_id: Ipv4Addr::new(10, 0, 0, 2),
            capabilities: Capabilities {
                families: vec![Family::IPV4_UNICAST],
                route_refresh: true,
                enhanced_route_refresh: true,
                four_octet_as: Some(4_200_000_000),
                graceful_restart: true,
            },
        }
    }

    #[test]
    fn negotiates_minimum_hold_and_common_capabilities() {
        let n = check_open(&config(), &open()).unwrap();
        assert_eq!((n.hold_time, n.keepalive), (30, 10));
        assert_eq!(n.peer_as, 4_200_000_000);
        assert!(n.four_octet_as && n.route_refresh && n.peer_graceful_restart);
        assert!(!n.enhanced_route_refresh, "not offered by default");
        assert_eq!(n.families, vec![Family::IPV4_UNICAST]);
    }

    #[test]
    fn two_octet_peer_and_implicit_ipv4() {
        let mut c = config();
        c.peer_as = 64512;
        let mut o = open();
        o.my_as = 64512;
        o.capabilities = Capabilities::default();
        let n = check_open(&c, &o).unwrap();
        assert_eq!(n.peer_as, 64512);
        assert!(!n.four_octet_as && !n.route_refresh);
        assert_eq!(n.families, vec![Family::IPV4_UNICAST]);
    }

    #[test]
    fn no_common_family_is_unsupported_capability() {
        let mut o = open();
        o.capabilities.families = vec![Family::IPV6_UNICAST];
        assert_eq!(
            check_open(&config(), &o),
            Err(Notification::unsupported_capability(vec![]))
        );
    }

    #[test]
    fn local_open_uses_as_trans_above_65535() {
        let mut c = config();
        assert_eq!(LocalOpen::from_config(&c).my_as, 65000);
        c.local_as = 4_200_000_001;
        let o = LocalOpen::from_config(&c);
        assert_eq!(
            (o.my_as, o.capabilities.four_octet_as),
            (AS_TRANS, Some(4_200_000_001))
        );
    }
}
