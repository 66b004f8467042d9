//! ROUTE-REFRESH (RFC 2918) with the Enhanced Route Refresh subtypes (RFC 7313 §3):
//! `AFI(2) | subtype(1) | SAFI(1)`.

use super::error::DecodeError;
use super::header::{MessageType, MARKER};
use super::nlri::{Afi, Family, Safi};
use super::wire::{put_u16, Reader};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefreshSubtype {
    /// 0: a route refresh request.
    Normal,
    /// 1: Beginning of Route Refresh.
    BeginOfRefresh,
    /// 2: End of Route Refresh.
    EndOfRefresh,
    /// Anything else: RFC 7313 says to ignore the message (kept so it can be logged).
    Other(u8),
}

impl From<u8> for RefreshSubtype {
    fn from(v: u8) -> Self {
        match v {
            0 => Self::Normal,
            1 => Self::BeginOfRefresh,
            2 => Self::EndOfRefresh,
            v => Self::Other(v),
        }
    }
}

impl From<RefreshSubtype> for u8 {
    fn from(v: RefreshSubtype) -> u8 {
        match v {
            RefreshSubtype::Normal => 0,
            RefreshSubtype::BeginOfRefresh => 1,
            RefreshSubtype::EndOfRefresh => 2,
            RefreshSubtype::Other(v) => v,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RouteRefresh {
    pub family: Family,
    pub subtype: RefreshSubtype,
}

impl RouteRefresh {
    pub fn new(family: Family, subtype: RefreshSubtype) -> Self {
        Self { family, subtype }
    }

    /// BoRR and EoRR must be exactly 4 bytes (RFC 7313 §5: Invalid Message Length, with
    /// the whole message as data). Trailing bytes of other subtypes (ORF entries,
    /// RFC 5291, never negotiated here) are ignored.
    pub(crate) fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        // The header check guarantees 4 bytes.
        let afi = r.u16().unwrap_or_default();
        let subtype = RefreshSubtype::from(r.u8().unwrap_or_default());
        let safi = r.u8().unwrap_or_default();
        if !r.is_empty()
            && matches!(
                subtype,
                RefreshSubtype::BeginOfRefresh | RefreshSubtype::EndOfRefresh
            )
        {
            let mut message = Vec::with_capacity(19 + body.len());
            message.extend_from_slice(&MARKER);
            message.extend_from_slice(&((19 + body.len()) as u16).to_be_bytes());
            message.push(MessageType::RouteRefresh as u8);
            message.extend_from_slice(body);
            return Err(DecodeError::RouteRefreshLength {
                subtype: subtype.into(),
                message,
            });
        }
        Ok(Self {
            family: Family::new(Afi(afi), Safi(safi)),
            subtype,
        })
    }

    pub(crate) fn encode_body(&self, out: &mut Vec<u8>) {
        put_u16(out, self.family.afi.0);
        out.push(self.subtype.into());
        out.push(self.family.safi.0);
    }
}
