//! Decode and encode errors. Every decode error is a session reset and knows the
//! NOTIFICATION to send ([`DecodeError::notification`]); the lighter RFC 7606 outcomes
//! (treat-as-withdraw, attribute discard) are not errors but notes on the decoded
//! [`Update`](super::Update), see [`AttrIssue`](super::AttrIssue).

use std::net::Ipv4Addr;

use super::attr::AttrFault;
use super::mp::MpFault;
use super::nlri::NlriFault;
use super::notification::{
    ErrorKind, HeaderSubcode, Notification, OpenSubcode, RouteRefreshSubcode, UpdateSubcode,
};

/// A message that ends the session: the NOTIFICATION of [`DecodeError::notification`]
/// is sent and the connection closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("connection not synchronized: the marker is not all ones")]
    BadMarker,
    #[error("bad message length {0}")]
    BadLength(u16),
    #[error("bad message type {0}")]
    BadType(u8),
    #[error("OPEN: {0}")]
    Open(#[from] OpenError),
    #[error("UPDATE: {0}")]
    Update(#[from] UpdateError),
    #[error("ROUTE-REFRESH subtype {subtype} with a {len}-byte body (must be 4)", len = message.len().saturating_sub(19))]
    RouteRefreshLength { subtype: u8, message: Vec<u8> },
}

impl DecodeError {
    /// The NOTIFICATION this error calls for (RFC 4271 §6, RFC 7606, RFC 7313).
    pub fn notification(&self) -> Notification {
        let (kind, data) = match self {
            Self::BadMarker => (
                ErrorKind::MessageHeader(HeaderSubcode::ConnectionNotSynchronized),
                vec![],
            ),
            Self::BadLength(len) => (
                ErrorKind::MessageHeader(HeaderSubcode::BadMessageLength),
                len.to_be_bytes().to_vec(),
            ),
            Self::BadType(t) => (
                ErrorKind::MessageHeader(HeaderSubcode::BadMessageType),
                vec![*t],
            ),
            Self::Open(e) => (ErrorKind::OpenMessage(e.subcode()), e.data()),
            Self::Update(e) => (ErrorKind::UpdateMessage(e.subcode()), e.data()),
            Self::RouteRefreshLength { message, .. } => (
                ErrorKind::RouteRefresh(RouteRefreshSubcode::InvalidMessageLength),
                message.clone(),
            ),
        };
        Notification::new(kind, data)
    }
}

/// OPEN errors found by the codec (RFC 4271 §6.2). Checks that need configuration
/// (peer AS, our own identifier, required capabilities) belong to the session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("unsupported version {0}")]
    UnsupportedVersion(u8),
    #[error("unacceptable hold time {0}")]
    UnacceptableHoldTime(u16),
    #[error("bad BGP identifier {0}")]
    BadBgpIdentifier(Ipv4Addr),
    #[error("unsupported optional parameter type {0}")]
    UnsupportedOptionalParameter(u8),
    #[error("optional parameters do not match their length")]
    MalformedOptionalParameters,
    #[error("capability {code} has a bad length {len}")]
    MalformedCapability { code: u8, len: usize },
}

impl OpenError {
    pub fn subcode(&self) -> OpenSubcode {
        match self {
            Self::UnsupportedVersion(_) => OpenSubcode::UnsupportedVersionNumber,
            Self::UnacceptableHoldTime(_) => OpenSubcode::UnacceptableHoldTime,
            Self::BadBgpIdentifier(_) => OpenSubcode::BadBgpIdentifier,
            Self::UnsupportedOptionalParameter(_) => OpenSubcode::UnsupportedOptionalParameter,
            Self::MalformedOptionalParameters | Self::MalformedCapability { .. } => {
                OpenSubcode::Unspecific
            }
        }
    }

    fn data(&self) -> Vec<u8> {
        match self {
            // "the largest locally-supported version number less than the version the
            // remote BGP peer bid" — we only speak 4.
            Self::UnsupportedVersion(_) => vec![0, 4],
            _ => vec![],
        }
    }
}

/// Which UPDATE prefix field was malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NlriField {
    Withdrawn,
    Nlri,
}

impl std::fmt::Display for NlriField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Withdrawn => "withdrawn routes",
            Self::Nlri => "NLRI",
        })
    }
}

/// UPDATE errors that reset the session (RFC 4271 §6.3 as revised by RFC 7606).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    #[error("withdrawn routes length {withdrawn} and path attribute length {attrs} exceed the {body}-byte body")]
    Lengths {
        withdrawn: usize,
        attrs: usize,
        body: usize,
    },
    #[error("{field}: {fault}")]
    InvalidNetworkField { field: NlriField, fault: NlriFault },
    #[error("attribute {code} appears more than once")]
    DuplicateMp { code: u8 },
    #[error("unrecognized well-known attribute {code}")]
    UnrecognizedWellKnown { code: u8, attr: Vec<u8> },
    #[error("attribute {code} has flags {flags:#04x}")]
    MpFlags { code: u8, flags: u8, attr: Vec<u8> },
    #[error("attribute {code}: {fault}")]
    Mp {
        code: u8,
        fault: MpFault,
        attr: Vec<u8>,
    },
    /// RFC 7606 §5.2: an UPDATE with path attributes but no reachable NLRI whose
    /// attribute error needs more than attribute discard.
    #[error("attribute {code}: {fault}, in an UPDATE without reachable NLRI")]
    NoReachableNlri {
        code: u8,
        fault: AttrFault,
        subcode: UpdateSubcode,
        data: Vec<u8>,
    },
}

impl UpdateError {
    pub fn subcode(&self) -> UpdateSubcode {
        match self {
            Self::Lengths { .. } | Self::DuplicateMp { .. } => {
                UpdateSubcode::MalformedAttributeList
            }
            Self::InvalidNetworkField { .. } => UpdateSubcode::InvalidNetworkField,
            Self::UnrecognizedWellKnown { .. } => UpdateSubcode::UnrecognizedWellKnownAttribute,
            Self::MpFlags { .. } => UpdateSubcode::AttributeFlagsError,
            Self::Mp { .. } => UpdateSubcode::OptionalAttributeError,
            Self::NoReachableNlri { subcode, .. } => *subcode,
        }
    }

    fn data(&self) -> Vec<u8> {
        match self {
            Self::UnrecognizedWellKnown { attr, .. }
            | Self::MpFlags { attr, .. }
            | Self::Mp { attr, .. } => attr.clone(),
            Self::NoReachableNlri { data, .. } => data.clone(),
            _ => vec![],
        }
    }
}

/// Why a message could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("message of {0} bytes exceeds 4096")]
    TooLong(usize),
    #[error("path attributes of {0} bytes leave no room for a prefix")]
    AttributesTooLong(usize),
    #[error("{prefix} cannot be announced without a next hop of its family")]
    NextHop { prefix: ipnet::IpNet },
    #[error("capability {code} value of {len} bytes exceeds 255")]
    CapabilityTooLong { code: u8, len: usize },
}
