//! OPEN (RFC 4271 §4.2) with optional parameters (RFC 5492), including the extended
//! optional parameters length of RFC 9072.
//!
//! ```text
//!  version(1)=4 | my AS(2) | hold time(2) | BGP identifier(4) | opt len(1) | params
//!  param: type(1) | len(1) | value        (RFC 9072: opt len 255, type 255, len(2),
//!  type 2 value: capability code(1) | len(1) | value ...    then params with len(2))
//! ```

use std::net::Ipv4Addr;

use super::capability::Capability;
use super::error::{EncodeError, OpenError};
use super::nlri::Family;
use super::wire::{put_u16, Reader};

/// `AS_TRANS` (RFC 6793): the 2-byte stand-in for a 4-byte AS.
pub const AS_TRANS: u16 = 23456;

const PARAM_CAPABILITIES: u8 = 2;
const PARAM_EXTENDED: u8 = 255;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Open {
    /// "My Autonomous System": the AS, or [`AS_TRANS`] when it needs 4 bytes.
    pub my_as: u16,
    /// Seconds; 0 or at least 3.
    pub hold_time: u16,
    pub bgp_id: Ipv4Addr,
    /// All capabilities, in order, from every Capabilities parameter.
    pub capabilities: Vec<Capability>,
}

impl Open {
    /// An OPEN for `asn`: `my_as` is [`AS_TRANS`] when `asn` needs 4 bytes. The caller
    /// lists the capabilities, [`Capability::FourOctetAs`] included.
    pub fn new(asn: u32, hold_time: u16, bgp_id: Ipv4Addr, capabilities: Vec<Capability>) -> Self {
        let my_as = u16::try_from(asn).unwrap_or(AS_TRANS);
        Self {
            my_as,
            hold_time,
            bgp_id,
            capabilities,
        }
    }

    /// The AS of the 4-octet AS capability, if advertised.
    pub fn four_octet_as(&self) -> Option<u32> {
        self.capabilities.iter().find_map(|c| match c {
            Capability::FourOctetAs(asn) => Some(*asn),
            _ => None,
        })
    }

    /// The speaker's AS: from the 4-octet AS capability, else `my_as`.
    pub fn asn(&self) -> u32 {
        self.four_octet_as().unwrap_or(u32::from(self.my_as))
    }

    /// Families of the Multiprotocol capabilities; IPv4 unicast when there are none
    /// (RFC 4760 §8: a speaker without the capability speaks IPv4 unicast only).
    pub fn families(&self) -> Vec<Family> {
        let fams: Vec<Family> = self
            .capabilities
            .iter()
            .filter_map(|c| match c {
                Capability::Multiprotocol(f) => Some(*f),
                _ => None,
            })
            .collect();
        if fams.is_empty() {
            vec![Family::IPV4_UNICAST]
        } else {
            fams
        }
    }

    pub fn has(&self, code: u8) -> bool {
        self.capabilities.iter().any(|c| c.code() == code)
    }

    pub(crate) fn decode(body: &[u8]) -> Result<Self, OpenError> {
        // The header check guarantees the 10 fixed bytes.
        let mut r = Reader::new(body);
        let version = r.u8().unwrap_or_default();
        if version != 4 {
            return Err(OpenError::UnsupportedVersion(version));
        }
        let my_as = r.u16().unwrap_or_default();
        let hold_time = r.u16().unwrap_or_default();
        if hold_time == 1 || hold_time == 2 {
            return Err(OpenError::UnacceptableHoldTime(hold_time));
        }
        let bgp_id = Ipv4Addr::from(r.u32().unwrap_or_default());
        if bgp_id.is_unspecified() {
            return Err(OpenError::BadBgpIdentifier(bgp_id));
        }
        let opt_len = r.u8().unwrap_or_default();
        let rest = r.rest();
        let mut params = Reader::new(rest);
        // RFC 9072: non-extended length 255 and a first parameter type of 255.
        let extended = opt_len == 255 && rest.first() == Some(&PARAM_EXTENDED);
        let params_len = if extended {
            params.u8();
            params.u16().ok_or(OpenError::MalformedOptionalParameters)?
        } else {
            u16::from(opt_len)
        };
        if usize::from(params_len) != params.remaining() {
            return Err(OpenError::MalformedOptionalParameters);
        }
        let mut capabilities = Vec::new();
        while !params.is_empty() {
            let ty = params.u8().ok_or(OpenError::MalformedOptionalParameters)?;
            let len = if extended {
                params.u16()
            } else {
                params.u8().map(u16::from)
            }
            .ok_or(OpenError::MalformedOptionalParameters)?;
            let value = params
                .take(usize::from(len))
                .ok_or(OpenError::MalformedOptionalParameters)?;
            if ty != PARAM_CAPABILITIES {
                return Err(OpenError::UnsupportedOptionalParameter(ty));
            }
            let mut caps = Reader::new(value);
            while !caps.is_empty() {
                let (Some(code), Some(len)) = (caps.u8(), caps.u8()) else {
                    return Err(OpenError::MalformedOptionalParameters);
                };
                let v = caps
                    .take(usize::from(len))
                    .ok_or(OpenError::MalformedOptionalParameters)?;
                capabilities.push(Capability::decode(code, v)?);
            }
        }
        Ok(Self {
            my_as,
            hold_time,
            bgp_id,
            capabilities,
        })
    }

    /// Capabilities go in as few Capabilities parameters as fit 255 bytes each; the
    /// RFC 9072 extended length is used only when the parameters exceed 255 bytes.
    pub(crate) fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.push(4);
        put_u16(out, self.my_as);
        put_u16(out, self.hold_time);
        out.extend_from_slice(&self.bgp_id.octets());
        let mut params: Vec<Vec<u8>> = Vec::new();
        let mut current = Vec::new();
        for cap in &self.capabilities {
            let mut one = Vec::new();
            cap.encode(&mut one)?;
            if current.len() + one.len() > 255 {
                params.push(std::mem::take(&mut current));
            }
            current.extend_from_slice(&one);
        }
        if !current.is_empty() {
            params.push(current);
        }
        let short_len: usize = params.iter().map(|p| 2 + p.len()).sum();
        if short_len <= 255 {
            out.push(short_len as u8);
            for p in &params {
                out.push(PARAM_CAPABILITIES);
                out.push(p.len() as u8);
                out.extend_from_slice(p);
            }
        } else {
            let long_len: usize = params.iter().map(|p| 3 + p.len()).sum();
            out.push(255);
            out.push(PARAM_EXTENDED);
            // An OPEN is at most 4096 bytes; the message check catches anything longer.
            put_u16(out, long_len.min(usize::from(u16::MAX)) as u16);
            for p in &params {
                out.push(PARAM_CAPABILITIES);
                put_u16(out, p.len() as u16);
                out.extend_from_slice(p);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_byte_as_goes_in_the_capability() {
        let o = Open::new(
            4_200_000_000,
            90,
            Ipv4Addr::new(1, 1, 1, 1),
            vec![Capability::FourOctetAs(4_200_000_000)],
        );
        assert_eq!(o.my_as, AS_TRANS);
        assert_eq!(o.asn(), 4_200_000_000);
        assert_eq!(o.families(), vec![Family::IPV4_UNICAST]);
    }

    #[test]
    fn many_capabilities_use_the_extended_parameter_length() {
        let caps: Vec<Capability> = (0..80)
            .map(|i| Capability::Unknown {
                code: 200,
                value: vec![i; 2],
            })
            .collect();
        let o = Open::new(65000, 90, Ipv4Addr::new(1, 1, 1, 1), caps);
        let mut body = Vec::new();
        o.encode_body(&mut body).unwrap();
        assert_eq!(&body[9..11], &[255, 255]);
        assert_eq!(Open::decode(&body).unwrap(), o);
    }

    #[test]
    fn parameters_other_than_capabilities_are_unsupported() {
        let body = [4, 0xfd, 0xe8, 0, 90, 1, 1, 1, 1, 3, 1, 1, 0];
        assert_eq!(
            Open::decode(&body),
            Err(OpenError::UnsupportedOptionalParameter(1))
        );
        let short = [4, 0xfd, 0xe8, 0, 90, 1, 1, 1, 1, 4, 2, 1, 0];
        assert_eq!(
            Open::decode(&short),
            Err(OpenError::MalformedOptionalParameters)
        );
    }
}
