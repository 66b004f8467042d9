//! The BGP-4 message codec: RFC 4271 messages, capabilities (RFC 5492), 4-octet AS
//! numbers (RFC 6793), MP-BGP for IPv4/IPv6 (RFC 4760), ROUTE-REFRESH (RFC 2918, 7313)
//! and the revised UPDATE error handling of RFC 7606.
//!
//! ```text
//!   TCP bytes ──► Framer ──► Frame{type, body} ──► decode(frame, &CodecContext) ──► Message
//!                  │ header errors                  │ errors: DecodeError ──► .notification()
//!                  ▼                                ▼
//!        DecodeError (Message Header Error)   Message::Update(Update { .., issues })
//!                                                   │ verdict(): Good / AttributesDiscarded /
//!                                                   │            TreatAsWithdraw
//!                                                   ▼
//!                                     Update::into_changes(&mut AttrInterner)
//!                                       ──► withdrawn prefixes, (prefix, Arc<Attrs>) pairs
//!
//!   Message::encode(&CodecContext) ──► bytes      UpdateBuilder::announce / withdraw
//!                                                  ──► full 4096-byte UPDATEs for a table
//! ```
//!
//! Decoding depends on what the session negotiated, held in a [`CodecContext`] (4-octet
//! AS, internal or external peer; Add-Path and others can join it). RFC 7606 is decided
//! per attribute inside the decoder (`attr/decode.rs`): a session reset is a
//! [`DecodeError`] carrying its NOTIFICATION; treat-as-withdraw and attribute discard
//! are [`AttrIssue`] notes on the decoded [`Update`], whose [`Update::verdict`] tells the
//! caller which applies. AS_PATH is always held with 4-byte ASNs: on a 2-byte session
//! AS4_PATH/AS4_AGGREGATOR are merged in on decode and produced (with AS_TRANS) on
//! encode. Path attributes other than MP_REACH/MP_UNREACH form an [`Attrs`] value that
//! routes share through the [`AttrInterner`]. Nothing indexes a peer's bytes directly:
//! every read goes through a bounds-checked cursor (`wire.rs`) and every count is capped
//! by the bytes that remain.
//!
//! The session calls, per connection:
//! ```text
//!   let mut framer = Framer::new();
//!   framer.feed(&bytes_read);
//!   while let Some(msg) = framer.next_message(&ctx)? { ... }   // Err(e): send e.notification()
//! ```

pub mod attr;
mod builder;
mod capability;
mod error;
mod header;
mod intern;
mod mp;
mod nlri;
mod notification;
mod open;
mod route_refresh;
mod update;
mod wire;

pub use attr::{
    Action, Aggregator, AsPath, AsPathFault, AttrFault, AttrIssue, Attrs, Community, ExtCommunity,
    LargeCommunity, NextHop, Origin, RawAttr, Segment, SegmentType,
};
pub use builder::UpdateBuilder;
pub use capability::{AddPathFamily, Capability, GracefulRestart};
pub use error::{DecodeError, EncodeError, NlriField, OpenError, UpdateError};
pub use header::{parse_header, Frame, Framer, MessageType, HEADER_LEN, MARKER, MAX_MESSAGE_LEN};
pub use intern::AttrInterner;
pub use mp::{MpFault, MpReach, MpUnreach};
pub use nlri::{prefix_wire_len, Afi, Family, NlriFault, Safi};
pub use notification::{
    CeaseSubcode, ErrorKind, FsmSubcode, HeaderSubcode, Notification, OpenSubcode,
    RouteRefreshSubcode, UpdateSubcode, MAX_SHUTDOWN_MESSAGE,
};
pub use open::{Open, AS_TRANS};
pub use route_refresh::{RefreshSubtype, RouteRefresh};
pub use update::{RouteChanges, Update, Verdict};

/// What a session negotiated that changes how its messages are read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CodecContext {
    /// Both sides advertised the 4-octet AS capability (RFC 6793): AS_PATH and
    /// AGGREGATOR carry 4-byte ASNs; AS4_PATH/AS4_AGGREGATOR are neither sent nor used.
    pub four_octet_as: bool,
    /// The peer is internal (iBGP or a confederation member): LOCAL_PREF,
    /// ORIGINATOR_ID and CLUSTER_LIST are accepted (RFC 7606 §7.5, §7.9, §7.10 discard
    /// them from external peers).
    pub ibgp: bool,
}

/// A BGP message.
///
/// An UPDATE is much larger than the other variants (its attribute set is held inline);
/// messages live only between the framer and the session, one at a time, so the size
/// costs a few moves where a box would cost an allocation per UPDATE.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Open(Open),
    Update(Update),
    Notification(Notification),
    Keepalive,
    RouteRefresh(RouteRefresh),
}

impl Message {
    pub fn kind(&self) -> MessageType {
        match self {
            Self::Open(_) => MessageType::Open,
            Self::Update(_) => MessageType::Update,
            Self::Notification(_) => MessageType::Notification,
            Self::Keepalive => MessageType::Keepalive,
            Self::RouteRefresh(_) => MessageType::RouteRefresh,
        }
    }

    /// Decodes exactly one message, header included (`bytes` must be the whole message).
    pub fn from_bytes(bytes: &[u8], ctx: &CodecContext) -> Result<Self, DecodeError> {
        let header = bytes
            .first_chunk::<HEADER_LEN>()
            .ok_or(DecodeError::BadLength(bytes.len() as u16))?;
        let (kind, len) = parse_header(header)?;
        if len != bytes.len() {
            return Err(DecodeError::BadLength(len as u16));
        }
        decode(
            Frame {
                kind,
                body: &bytes[HEADER_LEN..],
            },
            ctx,
        )
    }

    /// Appends the encoded message to `out`; on error `out` is left as it was.
    pub fn encode_into(&self, ctx: &CodecContext, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let at = header::start_message(out, self.kind());
        let body = match self {
            Self::Open(o) => o.encode_body(out),
            Self::Update(u) => {
                u.encode_body(ctx, out);
                Ok(())
            }
            Self::Notification(n) => {
                n.encode_body(out);
                Ok(())
            }
            Self::Keepalive => Ok(()),
            Self::RouteRefresh(r) => {
                r.encode_body(out);
                Ok(())
            }
        };
        if let Err(e) = body {
            out.truncate(at);
            return Err(e);
        }
        header::finish_message(out, at)
    }

    pub fn encode(&self, ctx: &CodecContext) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_into(ctx, &mut out)?;
        Ok(out)
    }
}

/// Decodes the body of a framed message.
pub fn decode(frame: Frame<'_>, ctx: &CodecContext) -> Result<Message, DecodeError> {
    Ok(match frame.kind {
        MessageType::Open => Message::Open(Open::decode(frame.body)?),
        MessageType::Update => Message::Update(Update::decode(frame.body, ctx)?),
        MessageType::Notification => Message::Notification(Notification::decode(frame.body)),
        MessageType::Keepalive => Message::Keepalive,
        MessageType::RouteRefresh => Message::RouteRefresh(RouteRefresh::decode(frame.body)?),
    })
}
