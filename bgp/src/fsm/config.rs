//! What a session needs to know about its neighbor, with the documented defaults.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::negotiate::Family;
use super::timers::{
    DEFAULT_CONNECT_RETRY, DEFAULT_HOLD_TIME, DEFAULT_IDLE_HOLD_MAX, DEFAULT_IDLE_HOLD_MIN,
};

/// Junos `type internal | external`, derived by the caller from the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeerType {
    Internal,
    External,
}

/// A neighbor's session parameters. Changing any of them means a new [`super::Session`] (the
/// driver stops the old one with Cease / Other Configuration Change).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    pub local_as: u32,
    pub local_bgp_id: Ipv4Addr,
    pub peer_address: IpAddr,
    /// The AS the peer must announce (`peer-as`; the local AS for internal peers).
    pub peer_as: u32,
    pub peer_type: PeerType,
    /// Seconds we propose; 0 or 3..=65535. Default 90 (Junos).
    pub hold_time: u16,
    /// Only accept connections; never `Connect`.
    pub passive: bool,
    /// Families offered in the Multiprotocol capability (at least one).
    pub families: Vec<Family>,
    /// Offer route refresh (RFC 2918). Default on, as Junos does.
    pub route_refresh: bool,
    /// Offer enhanced route refresh (RFC 7313). Default off: offering it obliges the RIB to
    /// bracket refreshes with BoRR/EoRR.
    pub enhanced_route_refresh: bool,
    /// Time between outgoing connect attempts. Default 120 s (RFC 4271 §10).
    pub connect_retry: Duration,
    /// First delay before an automatic restart; doubles per drop. Default 1 s.
    pub idle_hold_min: Duration,
    /// Cap of the restart delay. Default 120 s.
    pub idle_hold_max: Duration,
}

/// Why a [`SessionConfig`] cannot run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("local AS 0 is reserved (RFC 7607)")]
    LocalAsZero,
    #[error("peer AS 0 is reserved (RFC 7607)")]
    PeerAsZero,
    #[error("local BGP identifier 0.0.0.0 is invalid")]
    BgpIdZero,
    #[error("hold time {0} is invalid: use 0 or 3..65535 seconds")]
    HoldTime(u16),
    #[error("no address family to offer")]
    NoFamilies,
    #[error("connect-retry time must be positive")]
    ConnectRetryZero,
    #[error("idle hold range {min:?}..{max:?} is invalid: the minimum must be positive and at most the maximum")]
    IdleHold { min: Duration, max: Duration },
}

impl SessionConfig {
    /// A configuration with the defaults: type derived from the AS numbers, hold time 90,
    /// active, IPv4 unicast, route refresh, connect retry 120 s, restart backoff 1..120 s.
    pub fn new(local_as: u32, local_bgp_id: Ipv4Addr, peer_address: IpAddr, peer_as: u32) -> Self {
        SessionConfig {
            local_as,
            local_bgp_id,
            peer_address,
            peer_as,
            peer_type: if local_as == peer_as {
                PeerType::Internal
            } else {
                PeerType::External
            },
            hold_time: DEFAULT_HOLD_TIME,
            passive: false,
            families: vec![Family::IPV4_UNICAST],
            route_refresh: true,
            enhanced_route_refresh: false,
            connect_retry: DEFAULT_CONNECT_RETRY,
            idle_hold_min: DEFAULT_IDLE_HOLD_MIN,
            idle_hold_max: DEFAULT_IDLE_HOLD_MAX,
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.local_as == 0 {
            return Err(ConfigError::LocalAsZero);
        }
        if self.peer_as == 0 {
            return Err(ConfigError::PeerAsZero);
        }
        if self.local_bgp_id.is_unspecified() {
            return Err(ConfigError::BgpIdZero);
        }
        if matches!(self.hold_time, 1 | 2) {
            return Err(ConfigError::HoldTime(self.hold_time));
        }
        if self.families.is_empty() {
            return Err(ConfigError::NoFamilies);
        }
        if self.connect_retry.is_zero() {
            return Err(ConfigError::ConnectRetryZero);
        }
        if self.idle_hold_min.is_zero() || self.idle_hold_min > self.idle_hold_max {
            return Err(ConfigError::IdleHold {
                min: self.idle_hold_min,
                max: self.idle_hold_max,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> SessionConfig {
        SessionConfig::new(
            65000,
            Ipv4Addr::new(1, 1, 1, 1),
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            64512,
        )
    }

    #[test]
    fn defaults() {
        let c = base();
        assert_eq!(c.peer_type, PeerType::External);
        assert_eq!(c.hold_time, 90);
        assert_eq!(c.connect_retry, Duration::from_secs(120));
        assert_eq!(c.validate(), Ok(()));
        let mut i = base();
        i.peer_as = 65000;
        assert_eq!(
            SessionConfig::new(i.local_as, i.local_bgp_id, i.peer_address, i.peer_as).peer_type,
            PeerType::Internal
        );
    }

    #[test]
    fn rejects_bad_values() {
        let mut c = base();
        c.hold_time = 2;
        assert_eq!(c.validate(), Err(ConfigError::HoldTime(2)));
        c.hold_time = 0;
        assert_eq!(c.validate(), Ok(()));
        c.families.clear();
        assert_eq!(c.validate(), Err(ConfigError::NoFamilies));
        let mut c = base();
        c.idle_hold_min = Duration::from_secs(200);
        assert!(matches!(c.validate(), Err(ConfigError::IdleHold { .. })));
        let mut c = base();
        c.peer_as = 0;
        assert_eq!(c.validate(), Err(ConfigError::PeerAsZero));
    }
}
