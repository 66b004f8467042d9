//! COMMUNITIES (RFC 1997), EXTENDED_COMMUNITIES (RFC 4360) and LARGE_COMMUNITY (RFC 8092).

use std::fmt;

/// A standard community, `high:low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Community(pub u32);

impl Community {
    pub const NO_EXPORT: Community = Community(0xffff_ff01);
    pub const NO_ADVERTISE: Community = Community(0xffff_ff02);
    pub const NO_EXPORT_SUBCONFED: Community = Community(0xffff_ff03);
    /// RFC 8326.
    pub const GRACEFUL_SHUTDOWN: Community = Community(0xffff_0000);

    pub fn new(high: u16, low: u16) -> Self {
        Self((u32::from(high) << 16) | u32::from(low))
    }
}

/// Junos spelling: `no-export`, `no-advertise`, `no-export-subconfed`, else `65000:100`.
impl fmt::Display for Community {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NO_EXPORT => f.write_str("no-export"),
            Self::NO_ADVERTISE => f.write_str("no-advertise"),
            Self::NO_EXPORT_SUBCONFED => f.write_str("no-export-subconfed"),
            Community(v) => write!(f, "{}:{}", v >> 16, v & 0xffff),
        }
    }
}

/// An extended community, kept as its 8 bytes (RFC 7606 §7.14: an unknown type is no error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExtCommunity(pub [u8; 8]);

impl ExtCommunity {
    /// Route target, 2-octet AS specific (type 0x00, subtype 0x02).
    pub fn route_target(asn: u16, value: u32) -> Self {
        let mut b = [0, 0x02, 0, 0, 0, 0, 0, 0];
        b[2..4].copy_from_slice(&asn.to_be_bytes());
        b[4..8].copy_from_slice(&value.to_be_bytes());
        Self(b)
    }
}

/// `target:65000:100`, `origin:1.2.3.4:7` for the AS- and IPv4-specific route target
/// and origin types, else the bytes in hex.
impl fmt::Display for ExtCommunity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        let name = match b[1] {
            0x02 => "target",
            0x03 => "origin",
            _ => "",
        };
        let u16_at = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        match (b[0], name.is_empty()) {
            (0x00, false) => write!(f, "{name}:{}:{}", u16_at(2), u32_at(4)),
            (0x01, false) => write!(
                f,
                "{name}:{}.{}.{}.{}:{}",
                b[2],
                b[3],
                b[4],
                b[5],
                u16_at(6)
            ),
            (0x02, false) => write!(f, "{name}:{}L:{}", u32_at(2), u16_at(6)),
            _ => {
                f.write_str("0x")?;
                b.iter().try_for_each(|x| write!(f, "{x:02x}"))
            }
        }
    }
}

/// A large community, `global:local1:local2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LargeCommunity {
    pub global: u32,
    pub local1: u32,
    pub local2: u32,
}

impl fmt::Display for LargeCommunity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "large:{}:{}:{}", self.global, self.local1, self.local2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        assert_eq!(Community::new(65000, 100).to_string(), "65000:100");
        assert_eq!(Community::NO_EXPORT.to_string(), "no-export");
        assert_eq!(
            ExtCommunity::route_target(65000, 7).to_string(),
            "target:65000:7"
        );
        assert_eq!(
            ExtCommunity([0x80, 9, 0, 0, 0, 0, 0, 1]).to_string(),
            "0x8009000000000001"
        );
        let l = LargeCommunity {
            global: 4_200_000_000,
            local1: 1,
            local2: 2,
        };
        assert_eq!(l.to_string(), "large:4200000000:1:2");
    }
}
