//! NOTIFICATION contents (RFC 4271 §4.5) as plain values, with constructors for the ones the
//! machine sends and the names `show bgp neighbor` prints.

use std::fmt;

use super::negotiate::{Family, BGP_VERSION};

/// Error codes (RFC 4271 §4.5, RFC 7313 §5).
pub(crate) const MESSAGE_HEADER_ERROR: u8 = 1;
pub(crate) const OPEN_MESSAGE_ERROR: u8 = 2;
pub(crate) const UPDATE_MESSAGE_ERROR: u8 = 3;
pub(crate) const HOLD_TIMER_EXPIRED: u8 = 4;
pub(crate) const FSM_ERROR: u8 = 5;
pub(crate) const CEASE: u8 = 6;
pub(crate) const ROUTE_REFRESH_ERROR: u8 = 7;

/// OPEN Message Error subcodes (RFC 4271 §6.2, RFC 5492).
pub(crate) const UNSUPPORTED_VERSION: u8 = 1;
pub(crate) const BAD_PEER_AS: u8 = 2;
pub(crate) const BAD_BGP_ID: u8 = 3;
pub(crate) const UNACCEPTABLE_HOLD_TIME: u8 = 6;
pub(crate) const UNSUPPORTED_CAPABILITY: u8 = 7;

/// A NOTIFICATION message: error code, subcode and data, exactly as on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Notification {
    pub code: u8,
    pub subcode: u8,
    pub data: Vec<u8>,
}

/// Cease subcodes (RFC 4486, RFC 8538, RFC 9384).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cease {
    MaxPrefixes = 1,
    AdminShutdown = 2,
    PeerDeconfigured = 3,
    AdminReset = 4,
    ConnectionRejected = 5,
    OtherConfigChange = 6,
    ConnectionCollision = 7,
    OutOfResources = 8,
    HardReset = 9,
    BfdDown = 10,
}

/// Finite State Machine Error subcodes (RFC 6608): which state did not expect the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FsmErrorSubcode {
    Unspecified = 0,
    InOpenSent = 1,
    InOpenConfirm = 2,
    InEstablished = 3,
}

impl Notification {
    pub fn new(code: u8, subcode: u8, data: Vec<u8>) -> Self {
        Notification {
            code,
            subcode,
            data,
        }
    }

    /// OPEN error / Unsupported Version Number; the data is the version we support (2 octets).
    pub fn unsupported_version() -> Self {
        Self::new(
            OPEN_MESSAGE_ERROR,
            UNSUPPORTED_VERSION,
            u16::from(BGP_VERSION).to_be_bytes().to_vec(),
        )
    }

    pub fn bad_peer_as() -> Self {
        Self::new(OPEN_MESSAGE_ERROR, BAD_PEER_AS, Vec::new())
    }

    pub fn bad_bgp_id() -> Self {
        Self::new(OPEN_MESSAGE_ERROR, BAD_BGP_ID, Vec::new())
    }

    pub fn unacceptable_hold_time() -> Self {
        Self::new(OPEN_MESSAGE_ERROR, UNACCEPTABLE_HOLD_TIME, Vec::new())
    }

    /// OPEN error / Unsupported Capability (RFC 5492 §5), e.g. no address family in common.
    pub fn unsupported_capability(data: Vec<u8>) -> Self {
        Self::new(OPEN_MESSAGE_ERROR, UNSUPPORTED_CAPABILITY, data)
    }

    pub fn hold_timer_expired() -> Self {
        Self::new(HOLD_TIMER_EXPIRED, 0, Vec::new())
    }

    pub fn fsm_error(subcode: FsmErrorSubcode) -> Self {
        Self::new(FSM_ERROR, subcode as u8, Vec::new())
    }

    pub fn cease(subcode: Cease) -> Self {
        Self::new(CEASE, subcode as u8, Vec::new())
    }

    /// Cease / Maximum Number of Prefixes Reached with the RFC 4486 §4 data: AFI, SAFI and the
    /// configured upper bound.
    pub fn max_prefixes(family: Family, limit: u32) -> Self {
        let mut data = Vec::with_capacity(7);
        data.extend_from_slice(&family.afi.to_be_bytes());
        data.push(family.safi);
        data.extend_from_slice(&limit.to_be_bytes());
        Self::new(CEASE, Cease::MaxPrefixes as u8, data)
    }

    pub fn is_cease(&self, subcode: Cease) -> bool {
        self.code == CEASE && self.subcode == subcode as u8
    }

    /// The error name Junos prints in `Last Error:` and its `Error: '…'` counters.
    pub fn code_name(&self) -> &'static str {
        code_name(self.code)
    }

    /// The subcode's name (RFC wording; Junos's `Peer Unconfigured` for Cease 3), if known.
    pub fn subcode_name(&self) -> Option<&'static str> {
        Some(match (self.code, self.subcode) {
            (MESSAGE_HEADER_ERROR, 1) => "Connection Not Synchronized",
            (MESSAGE_HEADER_ERROR, 2) => "Bad Message Length",
            (MESSAGE_HEADER_ERROR, 3) => "Bad Message Type",
            (OPEN_MESSAGE_ERROR, UNSUPPORTED_VERSION) => "Unsupported Version Number",
            (OPEN_MESSAGE_ERROR, BAD_PEER_AS) => "Bad Peer AS",
            (OPEN_MESSAGE_ERROR, BAD_BGP_ID) => "Bad BGP Identifier",
            (OPEN_MESSAGE_ERROR, 4) => "Unsupported Optional Parameter",
            (OPEN_MESSAGE_ERROR, UNACCEPTABLE_HOLD_TIME) => "Unacceptable Hold Time",
            (OPEN_MESSAGE_ERROR, UNSUPPORTED_CAPABILITY) => "Unsupported Capability",
            (UPDATE_MESSAGE_ERROR, 1) => "Malformed Attribute List",
            (UPDATE_MESSAGE_ERROR, 2) => "Unrecognized Well-known Attribute",
            (UPDATE_MESSAGE_ERROR, 3) => "Missing Well-known Attribute",
            (UPDATE_MESSAGE_ERROR, 4) => "Attribute Flags Error",
            (UPDATE_MESSAGE_ERROR, 5) => "Attribute Length Error",
            (UPDATE_MESSAGE_ERROR, 6) => "Invalid ORIGIN Attribute",
            (UPDATE_MESSAGE_ERROR, 8) => "Invalid NEXT_HOP Attribute",
            (UPDATE_MESSAGE_ERROR, 9) => "Optional Attribute Error",
            (UPDATE_MESSAGE_ERROR, 10) => "Invalid Network Field",
            (UPDATE_MESSAGE_ERROR, 11) => "Malformed AS_PATH",
            (FSM_ERROR, 1) => "Receive Unexpected Message in OpenSent State",
            (FSM_ERROR, 2) => "Receive Unexpected Message in OpenConfirm State",
            (FSM_ERROR, 3) => "Receive Unexpected Message in Established State",
            (CEASE, 1) => "Maximum Number of Prefixes Reached",
            (CEASE, 2) => "Administrative Shutdown",
            (CEASE, 3) => "Peer Unconfigured",
            (CEASE, 4) => "Administrative Reset",
            (CEASE, 5) => "Connection Rejected",
            (CEASE, 6) => "Other Configuration Change",
            (CEASE, 7) => "Connection Collision Resolution",
            (CEASE, 8) => "Out of Resources",
            (CEASE, 9) => "Hard Reset",
            (CEASE, 10) => "BFD Down",
            (ROUTE_REFRESH_ERROR, 1) => "Invalid Message Length",
            _ => return None,
        })
    }
}

pub(crate) fn code_name(code: u8) -> &'static str {
    match code {
        MESSAGE_HEADER_ERROR => "Message Header Error",
        OPEN_MESSAGE_ERROR => "Open Message Error",
        UPDATE_MESSAGE_ERROR => "Update Message Error",
        HOLD_TIMER_EXPIRED => "Hold Timer Expired Error",
        FSM_ERROR => "Finite State Machine Error",
        CEASE => "Cease",
        ROUTE_REFRESH_ERROR => "ROUTE-REFRESH Message Error",
        _ => "Unknown Error",
    }
}

/// `code 6 (Cease) subcode 2 (Administrative Shutdown)`, the layout of Junos's log lines.
impl fmt::Display for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "code {} ({})", self.code, self.code_name())?;
        match self.subcode_name() {
            Some(name) => write!(f, " subcode {} ({name})", self.subcode),
            None => write!(f, " subcode {}", self.subcode),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_carry_wire_values() {
        assert_eq!(Notification::unsupported_version().data, vec![0, 4]);
        assert_eq!(
            Notification::cease(Cease::ConnectionCollision),
            Notification::new(6, 7, vec![])
        );
        assert_eq!(
            Notification::max_prefixes(Family::IPV6_UNICAST, 1000).data,
            vec![0, 2, 1, 0, 0, 0x03, 0xe8]
        );
        assert_eq!(
            Notification::fsm_error(FsmErrorSubcode::InOpenConfirm),
            Notification::new(5, 2, vec![])
        );
    }

    #[test]
    fn display_names_code_and_subcode() {
        assert_eq!(
            Notification::cease(Cease::PeerDeconfigured).to_string(),
            "code 6 (Cease) subcode 3 (Peer Unconfigured)"
        );
        assert_eq!(
            Notification::hold_timer_expired().to_string(),
            "code 4 (Hold Timer Expired Error) subcode 0"
        );
    }
}
