//! Capabilities advertised in OPEN (RFC 5492): the ones the speaker acts on are typed,
//! Graceful Restart and Add-Path are decoded but kept as their raw flags and values,
//! anything else is kept as code and bytes.

use super::error::{EncodeError, OpenError};
use super::nlri::{Afi, Family, Safi};
use super::wire::{put_u16, put_u32, Reader};

pub const CAP_MULTIPROTOCOL: u8 = 1;
pub const CAP_ROUTE_REFRESH: u8 = 2;
pub const CAP_GRACEFUL_RESTART: u8 = 64;
pub const CAP_FOUR_OCTET_AS: u8 = 65;
pub const CAP_ADD_PATH: u8 = 69;
pub const CAP_ENHANCED_ROUTE_REFRESH: u8 = 70;

/// Graceful Restart (RFC 4724 §3), kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GracefulRestart {
    /// The four Restart Flags bits (R = 0x8, N = 0x4 per RFC 8538).
    pub flags: u8,
    /// Restart Time in seconds (12 bits).
    pub time: u16,
    /// Families with their flags octet (F = 0x80: forwarding state preserved).
    pub families: Vec<(Family, u8)>,
}

/// One family of the Add-Path capability (RFC 7911 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddPathFamily {
    pub family: Family,
    /// 1 = receive, 2 = send, 3 = both.
    pub send_receive: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Multiprotocol Extensions (RFC 4760 §8).
    Multiprotocol(Family),
    /// Route Refresh (RFC 2918).
    RouteRefresh,
    /// Enhanced Route Refresh (RFC 7313).
    EnhancedRouteRefresh,
    /// Support for 4-octet AS numbers, with the speaker's AS (RFC 6793).
    FourOctetAs(u32),
    GracefulRestart(GracefulRestart),
    /// Add-Path (RFC 7911): decoded, not used yet.
    AddPath(Vec<AddPathFamily>),
    /// Any other capability, kept as received. `code` is not one of the typed codes.
    Unknown {
        code: u8,
        value: Vec<u8>,
    },
}

impl Capability {
    pub fn code(&self) -> u8 {
        match self {
            Self::Multiprotocol(_) => CAP_MULTIPROTOCOL,
            Self::RouteRefresh => CAP_ROUTE_REFRESH,
            Self::EnhancedRouteRefresh => CAP_ENHANCED_ROUTE_REFRESH,
            Self::FourOctetAs(_) => CAP_FOUR_OCTET_AS,
            Self::GracefulRestart(_) => CAP_GRACEFUL_RESTART,
            Self::AddPath(_) => CAP_ADD_PATH,
            Self::Unknown { code, .. } => *code,
        }
    }

    /// Decodes one capability value; a typed capability with a wrong length is an error.
    pub(crate) fn decode(code: u8, value: &[u8]) -> Result<Self, OpenError> {
        let bad = || OpenError::MalformedCapability {
            code,
            len: value.len(),
        };
        let mut r = Reader::new(value);
        let cap = match code {
            CAP_MULTIPROTOCOL if value.len() == 4 => {
                let afi = r.u16().ok_or_else(bad)?;
                let _reserved = r.u8();
                let safi = r.u8().ok_or_else(bad)?;
                Self::Multiprotocol(Family::new(Afi(afi), Safi(safi)))
            }
            CAP_ROUTE_REFRESH if value.is_empty() => Self::RouteRefresh,
            CAP_ENHANCED_ROUTE_REFRESH if value.is_empty() => Self::EnhancedRouteRefresh,
            CAP_FOUR_OCTET_AS if value.len() == 4 => Self::FourOctetAs(r.u32().ok_or_else(bad)?),
            CAP_GRACEFUL_RESTART if value.len() >= 2 && (value.len() - 2).is_multiple_of(4) => {
                let head = r.u16().ok_or_else(bad)?;
                let mut families = Vec::with_capacity(r.remaining() / 4);
                while let (Some(afi), Some(safi), Some(flags)) = (r.u16(), r.u8(), r.u8()) {
                    families.push((Family::new(Afi(afi), Safi(safi)), flags));
                }
                Self::GracefulRestart(GracefulRestart {
                    flags: (head >> 12) as u8,
                    time: head & 0x0fff,
                    families,
                })
            }
            CAP_ADD_PATH if value.len().is_multiple_of(4) => {
                let mut families = Vec::with_capacity(value.len() / 4);
                while let (Some(afi), Some(safi), Some(send_receive)) = (r.u16(), r.u8(), r.u8()) {
                    families.push(AddPathFamily {
                        family: Family::new(Afi(afi), Safi(safi)),
                        send_receive,
                    });
                }
                Self::AddPath(families)
            }
            CAP_MULTIPROTOCOL
            | CAP_ROUTE_REFRESH
            | CAP_ENHANCED_ROUTE_REFRESH
            | CAP_FOUR_OCTET_AS
            | CAP_GRACEFUL_RESTART
            | CAP_ADD_PATH => return Err(bad()),
            code => Self::Unknown {
                code,
                value: value.to_vec(),
            },
        };
        Ok(cap)
    }

    /// Appends code, length and value.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.push(self.code());
        let len_at = out.len();
        out.push(0);
        match self {
            Self::Multiprotocol(f) => {
                put_u16(out, f.afi.0);
                out.push(0);
                out.push(f.safi.0);
            }
            Self::RouteRefresh | Self::EnhancedRouteRefresh => {}
            Self::FourOctetAs(asn) => put_u32(out, *asn),
            Self::GracefulRestart(gr) => {
                put_u16(out, (u16::from(gr.flags & 0x0f) << 12) | (gr.time & 0x0fff));
                for (f, flags) in &gr.families {
                    put_u16(out, f.afi.0);
                    out.push(f.safi.0);
                    out.push(*flags);
                }
            }
            Self::AddPath(families) => {
                for a in families {
                    put_u16(out, a.family.afi.0);
                    out.push(a.family.safi.0);
                    out.push(a.send_receive);
                }
            }
            Self::Unknown { value, .. } => out.extend_from_slice(value),
        }
        let len = out.len() - len_at - 1;
        if len > 255 {
            out.truncate(len_at - 1);
            return Err(EncodeError::CapabilityTooLong {
                code: self.code(),
                len,
            });
        }
        out[len_at] = len as u8;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_capabilities_with_bad_lengths_are_errors() {
        assert_eq!(
            Capability::decode(CAP_FOUR_OCTET_AS, &[0, 0, 1]),
            Err(OpenError::MalformedCapability { code: 65, len: 3 })
        );
        assert!(Capability::decode(CAP_ROUTE_REFRESH, &[0]).is_err());
        assert!(Capability::decode(CAP_GRACEFUL_RESTART, &[0, 0, 0]).is_err());
        assert_eq!(
            Capability::decode(128, &[1, 2]),
            Ok(Capability::Unknown {
                code: 128,
                value: vec![1, 2]
            })
        );
    }

    #[test]
    fn graceful_restart_keeps_flags_and_time() {
        // R bit, 120 s, IPv4 unicast with F bit.
        let v = [0x80, 0x78, 0, 1, 1, 0x80];
        let cap = Capability::decode(CAP_GRACEFUL_RESTART, &v).unwrap();
        assert_eq!(
            cap,
            Capability::GracefulRestart(GracefulRestart {
                flags: 0x8,
                time: 120,
                families: vec![(Family::IPV4_UNICAST, 0x80)]
            })
        );
        let mut out = Vec::new();
        cap.encode(&mut out).unwrap();
        assert_eq!(out, [64, 6, 0x80, 0x78, 0, 1, 1, 0x80]);
    }
}
