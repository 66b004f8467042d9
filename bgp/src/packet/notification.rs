//! NOTIFICATION (RFC 4271 §4.5, §6): error codes and subcodes, their names, and the
//! shutdown communication of RFC 8203/9003.
//!
//! [`Notification`] keeps the code, subcode and data exactly as on the wire, so any
//! message round-trips; [`Notification::kind`] gives the typed view. The names follow
//! what Junos prints: the code alone for `show bgp neighbor` "Last Error:"
//! ([`ErrorKind::code_name`], e.g. `Hold Timer Expired Error`), code and subcode for logs
//! (`Display`, e.g. `Open Message Error: Bad Peer AS`).

use std::fmt;

use super::wire::Reader;

/// Declares a subcode enum: named values plus `Other(u8)`, with conversions and names.
macro_rules! subcodes {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $val:literal => $text:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $var,)*
            /// A value this codec has no name for, kept as received.
            Other(u8),
        }

        impl From<u8> for $name {
            fn from(v: u8) -> Self {
                match v {
                    $($val => Self::$var,)*
                    other => Self::Other(other),
                }
            }
        }

        impl From<$name> for u8 {
            fn from(v: $name) -> u8 {
                match v {
                    $($name::$var => $val,)*
                    $name::Other(other) => other,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $(Self::$var => f.write_str($text),)*
                    Self::Other(v) => write!(f, "subcode {v}"),
                }
            }
        }
    };
}

subcodes! {
    /// Message Header Error subcodes (RFC 4271 §4.5).
    HeaderSubcode {
        Unspecific = 0 => "Unspecific",
        ConnectionNotSynchronized = 1 => "Connection Not Synchronized",
        BadMessageLength = 2 => "Bad Message Length",
        BadMessageType = 3 => "Bad Message Type",
    }
}

subcodes! {
    /// OPEN Message Error subcodes (RFC 4271, RFC 5492, RFC 9234).
    OpenSubcode {
        Unspecific = 0 => "Unspecific",
        UnsupportedVersionNumber = 1 => "Unsupported Version Number",
        BadPeerAs = 2 => "Bad Peer AS",
        BadBgpIdentifier = 3 => "Bad BGP Identifier",
        UnsupportedOptionalParameter = 4 => "Unsupported Optional Parameter",
        /// Deprecated by RFC 4271 (was Authentication Failure).
        AuthenticationFailure = 5 => "Authentication Failure",
        UnacceptableHoldTime = 6 => "Unacceptable Hold Time",
        UnsupportedCapability = 7 => "Unsupported Capability",
        RoleMismatch = 11 => "Role Mismatch",
    }
}

subcodes! {
    /// UPDATE Message Error subcodes (RFC 4271 §4.5).
    UpdateSubcode {
        Unspecific = 0 => "Unspecific",
        MalformedAttributeList = 1 => "Malformed Attribute List",
        UnrecognizedWellKnownAttribute = 2 => "Unrecognized Well-known Attribute",
        MissingWellKnownAttribute = 3 => "Missing Well-known Attribute",
        AttributeFlagsError = 4 => "Attribute Flags Error",
        AttributeLengthError = 5 => "Attribute Length Error",
        InvalidOriginAttribute = 6 => "Invalid ORIGIN Attribute",
        /// Deprecated by RFC 4271 (was AS Routing Loop).
        AsRoutingLoop = 7 => "AS Routing Loop",
        InvalidNextHopAttribute = 8 => "Invalid NEXT_HOP Attribute",
        OptionalAttributeError = 9 => "Optional Attribute Error",
        InvalidNetworkField = 10 => "Invalid Network Field",
        MalformedAsPath = 11 => "Malformed AS_PATH",
    }
}

subcodes! {
    /// Finite State Machine Error subcodes (RFC 6608).
    FsmSubcode {
        Unspecified = 0 => "Unspecified Error",
        UnexpectedInOpenSent = 1 => "Receive Unexpected Message in OpenSent State",
        UnexpectedInOpenConfirm = 2 => "Receive Unexpected Message in OpenConfirm State",
        UnexpectedInEstablished = 3 => "Receive Unexpected Message in Established State",
    }
}

subcodes! {
    /// Cease subcodes (RFC 4486, RFC 8538 Hard Reset, RFC 9384 BFD Down).
    CeaseSubcode {
        Unspecific = 0 => "Unspecific",
        MaxPrefixes = 1 => "Maximum Number of Prefixes Reached",
        AdministrativeShutdown = 2 => "Administrative Shutdown",
        /// Junos prints "Peer Unconfigured" for Peer De-configured.
        PeerDeconfigured = 3 => "Peer Unconfigured",
        AdministrativeReset = 4 => "Administrative Reset",
        ConnectionRejected = 5 => "Connection Rejected",
        OtherConfigurationChange = 6 => "Other Configuration Change",
        ConnectionCollisionResolution = 7 => "Connection Collision Resolution",
        OutOfResources = 8 => "Out of Resources",
        HardReset = 9 => "Hard Reset",
        BfdDown = 10 => "BFD Down",
    }
}

subcodes! {
    /// ROUTE-REFRESH Message Error subcodes (RFC 7313).
    RouteRefreshSubcode {
        Reserved = 0 => "Reserved",
        InvalidMessageLength = 1 => "Invalid Message Length",
    }
}

/// The typed view of a NOTIFICATION's code and subcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    MessageHeader(HeaderSubcode),
    OpenMessage(OpenSubcode),
    UpdateMessage(UpdateSubcode),
    /// Code 4; the subcode is kept as sent (it should be 0).
    HoldTimerExpired(u8),
    FiniteStateMachine(FsmSubcode),
    Cease(CeaseSubcode),
    RouteRefresh(RouteRefreshSubcode),
    Unknown {
        code: u8,
        subcode: u8,
    },
}

impl ErrorKind {
    pub fn from_codes(code: u8, subcode: u8) -> Self {
        match code {
            1 => Self::MessageHeader(subcode.into()),
            2 => Self::OpenMessage(subcode.into()),
            3 => Self::UpdateMessage(subcode.into()),
            4 => Self::HoldTimerExpired(subcode),
            5 => Self::FiniteStateMachine(subcode.into()),
            6 => Self::Cease(subcode.into()),
            7 => Self::RouteRefresh(subcode.into()),
            code => Self::Unknown { code, subcode },
        }
    }

    pub fn code(self) -> u8 {
        match self {
            Self::MessageHeader(_) => 1,
            Self::OpenMessage(_) => 2,
            Self::UpdateMessage(_) => 3,
            Self::HoldTimerExpired(_) => 4,
            Self::FiniteStateMachine(_) => 5,
            Self::Cease(_) => 6,
            Self::RouteRefresh(_) => 7,
            Self::Unknown { code, .. } => code,
        }
    }

    pub fn subcode(self) -> u8 {
        match self {
            Self::MessageHeader(s) => s.into(),
            Self::OpenMessage(s) => s.into(),
            Self::UpdateMessage(s) => s.into(),
            Self::HoldTimerExpired(s) => s,
            Self::FiniteStateMachine(s) => s.into(),
            Self::Cease(s) => s.into(),
            Self::RouteRefresh(s) => s.into(),
            Self::Unknown { subcode, .. } => subcode,
        }
    }

    /// The error code's name as Junos prints it after "Last Error:".
    pub fn code_name(self) -> String {
        match self {
            Self::MessageHeader(_) => "Message Header Error".into(),
            Self::OpenMessage(_) => "Open Message Error".into(),
            Self::UpdateMessage(_) => "Update Message Error".into(),
            Self::HoldTimerExpired(_) => "Hold Timer Expired Error".into(),
            Self::FiniteStateMachine(_) => "Finite State Machine Error".into(),
            Self::Cease(_) => "Cease".into(),
            Self::RouteRefresh(_) => "Route Refresh Message Error".into(),
            Self::Unknown { code, .. } => format!("Error code {code}"),
        }
    }

    /// The subcode's name, or `None` where the code has no subcodes (Hold Timer Expired).
    pub fn subcode_name(self) -> Option<String> {
        match self {
            Self::MessageHeader(s) => Some(s.to_string()),
            Self::OpenMessage(s) => Some(s.to_string()),
            Self::UpdateMessage(s) => Some(s.to_string()),
            Self::HoldTimerExpired(0) => None,
            Self::HoldTimerExpired(s) => Some(format!("subcode {s}")),
            Self::FiniteStateMachine(s) => Some(s.to_string()),
            Self::Cease(s) => Some(s.to_string()),
            Self::RouteRefresh(s) => Some(s.to_string()),
            Self::Unknown { subcode, .. } => Some(format!("subcode {subcode}")),
        }
    }
}

/// `Open Message Error: Bad Peer AS`, `Hold Timer Expired Error`, `Cease: Hard Reset`.
impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code_name())?;
        match self.subcode_name() {
            Some(s) => write!(f, ": {s}"),
            None => Ok(()),
        }
    }
}

/// Longest shutdown communication (RFC 9003 §2; RFC 8203 allowed 128).
pub const MAX_SHUTDOWN_MESSAGE: usize = 255;

/// A NOTIFICATION message, exactly as on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Notification {
    pub code: u8,
    pub subcode: u8,
    pub data: Vec<u8>,
}

impl Notification {
    pub fn new(kind: ErrorKind, data: Vec<u8>) -> Self {
        Self {
            code: kind.code(),
            subcode: kind.subcode(),
            data,
        }
    }

    /// Cease / Administrative Shutdown or Reset with a shutdown communication
    /// (RFC 9003): cut to 255 bytes at a character boundary.
    pub fn shutdown(subcode: CeaseSubcode, message: &str) -> Self {
        let mut end = message.len().min(MAX_SHUTDOWN_MESSAGE);
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        let mut data = Vec::with_capacity(end + 1);
        data.push(end as u8);
        data.extend_from_slice(&message.as_bytes()[..end]);
        Self::new(ErrorKind::Cease(subcode), data)
    }

    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_codes(self.code, self.subcode)
    }

    /// The shutdown communication of a Cease / Administrative Shutdown or Reset
    /// (RFC 8203/9003): `None` when absent (empty data or length 0) or malformed
    /// (length past the data, or not UTF-8), which RFC 9003 says to ignore.
    pub fn shutdown_message(&self) -> Option<&str> {
        if !matches!(
            self.kind(),
            ErrorKind::Cease(
                CeaseSubcode::AdministrativeShutdown | CeaseSubcode::AdministrativeReset
            )
        ) {
            return None;
        }
        let mut r = Reader::new(&self.data);
        let len = r.u8()?;
        let text = r.take(usize::from(len))?;
        std::str::from_utf8(text).ok().filter(|s| !s.is_empty())
    }

    pub(crate) fn decode(body: &[u8]) -> Self {
        // The header check guarantees at least code and subcode.
        let mut r = Reader::new(body);
        let code = r.u8().unwrap_or_default();
        let subcode = r.u8().unwrap_or_default();
        Self {
            code,
            subcode,
            data: r.rest().to_vec(),
        }
    }

    pub(crate) fn encode_body(&self, out: &mut Vec<u8>) {
        out.push(self.code);
        out.push(self.subcode);
        out.extend_from_slice(&self.data);
    }
}

/// `Cease: Administrative Shutdown ("maintenance window")`.
impl fmt::Display for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind())?;
        if let Some(msg) = self.shutdown_message() {
            write!(f, " ({msg:?})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_for_junos_and_logs() {
        let n = Notification::new(ErrorKind::OpenMessage(OpenSubcode::BadPeerAs), vec![]);
        assert_eq!(n.to_string(), "Open Message Error: Bad Peer AS");
        assert_eq!(n.kind().code_name(), "Open Message Error");
        let hold = Notification {
            code: 4,
            subcode: 0,
            data: vec![],
        };
        assert_eq!(hold.to_string(), "Hold Timer Expired Error");
        let cease = Notification {
            code: 6,
            subcode: 9,
            data: vec![],
        };
        assert_eq!(cease.to_string(), "Cease: Hard Reset");
        assert_eq!(cease.kind().code_name(), "Cease");
        let odd = Notification {
            code: 3,
            subcode: 77,
            data: vec![],
        };
        assert_eq!(odd.to_string(), "Update Message Error: subcode 77");
        assert_eq!(
            ErrorKind::from_codes(9, 1).to_string(),
            "Error code 9: subcode 1"
        );
    }

    #[test]
    fn every_subcode_maps_back_to_its_value() {
        for v in 0..=255u8 {
            for code in 1..=8u8 {
                let k = ErrorKind::from_codes(code, v);
                assert_eq!((k.code(), k.subcode()), (code, v));
            }
        }
    }

    #[test]
    fn shutdown_communication() {
        let n = Notification::shutdown(CeaseSubcode::AdministrativeShutdown, "maintenance");
        assert_eq!(n.data[0], 11);
        assert_eq!(n.shutdown_message(), Some("maintenance"));
        assert_eq!(
            n.to_string(),
            "Cease: Administrative Shutdown (\"maintenance\")"
        );
        // Cut at 255 bytes without splitting a character (é is 2 bytes).
        let long = "é".repeat(200);
        let n = Notification::shutdown(CeaseSubcode::AdministrativeReset, &long);
        assert_eq!(n.data[0], 254);
        assert_eq!(n.shutdown_message().map(str::len), Some(254));
        // Malformed: length past the data, or not UTF-8 — ignored.
        let bad = Notification {
            code: 6,
            subcode: 2,
            data: vec![5, b'a'],
        };
        assert_eq!(bad.shutdown_message(), None);
        let bad = Notification {
            code: 6,
            subcode: 2,
            data: vec![1, 0xff],
        };
        assert_eq!(bad.shutdown_message(), None);
        // Other subcodes carry no communication.
        let other = Notification {
            code: 6,
            subcode: 3,
            data: vec![1, b'a'],
        };
        assert_eq!(other.shutdown_message(), None);
    }
}
