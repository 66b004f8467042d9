//! AS_PATH and AS4_PATH (RFC 4271 §4.3, RFC 5065 confederations, RFC 6793).
//!
//! The path is always held with 4-byte ASNs. On a session without the 4-octet AS
//! capability the wire AS_PATH has 2-byte ASNs, 4-byte ones replaced by AS_TRANS, and the
//! real path travels in AS4_PATH; [`AsPath::merge_as4`] rebuilds it (RFC 6793 §4.2.3) and
//! [`AsPath::as4_view`] produces the AS4_PATH to send.

use std::fmt;

use crate::packet::open::AS_TRANS;
use crate::packet::wire::{put_u16, put_u32, Reader};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SegmentType {
    Set = 1,
    Sequence = 2,
    ConfedSequence = 3,
    ConfedSet = 4,
}

impl SegmentType {
    fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            1 => Self::Set,
            2 => Self::Sequence,
            3 => Self::ConfedSequence,
            4 => Self::ConfedSet,
            _ => return None,
        })
    }

    pub fn is_confed(self) -> bool {
        matches!(self, Self::ConfedSequence | Self::ConfedSet)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Segment {
    pub kind: SegmentType,
    /// 1..=255 ASNs for a segment that round-trips; longer ones are split on encode.
    pub asns: Vec<u32>,
}

impl Segment {
    /// Contribution to the path length (RFC 4271 §9.1.2.2, RFC 5065 §5.3).
    fn path_len(&self) -> usize {
        match self.kind {
            SegmentType::Sequence => self.asns.len(),
            SegmentType::Set => 1,
            SegmentType::ConfedSequence | SegmentType::ConfedSet => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AsPath {
    pub segments: Vec<Segment>,
}

/// Why an AS_PATH or AS4_PATH is malformed (RFC 7606 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum AsPathFault {
    #[error("unknown segment type {0}")]
    SegmentType(u8),
    #[error("segment runs past the attribute")]
    Overrun,
    #[error("one byte left after the last segment")]
    Underrun,
    #[error("empty segment")]
    EmptySegment,
    #[error("confederation segment in AS4_PATH")]
    ConfedInAs4Path,
}

impl AsPath {
    pub fn from_sequence(asns: impl IntoIterator<Item = u32>) -> Self {
        let asns: Vec<u32> = asns.into_iter().collect();
        if asns.is_empty() {
            return Self::default();
        }
        Self {
            segments: vec![Segment {
                kind: SegmentType::Sequence,
                asns,
            }],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Length for best-path selection: a set counts one, confederation segments none.
    pub fn path_len(&self) -> usize {
        self.segments.iter().map(Segment::path_len).sum()
    }

    /// The neighbouring AS: first ASN of a leading AS_SEQUENCE.
    pub fn first_as(&self) -> Option<u32> {
        match self.segments.first() {
            Some(Segment {
                kind: SegmentType::Sequence,
                asns,
            }) => asns.first().copied(),
            _ => None,
        }
    }

    pub fn contains(&self, asn: u32) -> bool {
        self.segments.iter().any(|s| s.asns.contains(&asn))
    }

    /// Puts `asn` in front, in the leading sequence if there is one with room.
    pub fn prepend(&mut self, asn: u32) {
        match self.segments.first_mut() {
            Some(s) if s.kind == SegmentType::Sequence && s.asns.len() < 255 => {
                s.asns.insert(0, asn)
            }
            _ => self.segments.insert(
                0,
                Segment {
                    kind: SegmentType::Sequence,
                    asns: vec![asn],
                },
            ),
        }
    }

    /// Any ASN that does not fit 2 bytes.
    pub(crate) fn has_four_byte_as(&self) -> bool {
        self.segments
            .iter()
            .flat_map(|s| &s.asns)
            .any(|&a| a > 0xffff)
    }

    /// The AS4_PATH sent to a 2-byte peer: the path without confederation segments.
    pub(crate) fn as4_view(&self) -> AsPath {
        let segments = self
            .segments
            .iter()
            .filter(|s| !s.kind.is_confed())
            .cloned()
            .collect();
        AsPath { segments }
    }

    pub(crate) fn decode(value: &[u8], four_octet: bool, as4: bool) -> Result<Self, AsPathFault> {
        let mut r = Reader::new(value);
        let width = if four_octet { 4 } else { 2 };
        let mut segments = Vec::new();
        while !r.is_empty() {
            let (Some(t), Some(n)) = (r.u8(), r.u8()) else {
                return Err(AsPathFault::Underrun);
            };
            let kind = SegmentType::from_u8(t).ok_or(AsPathFault::SegmentType(t))?;
            if n == 0 {
                return Err(AsPathFault::EmptySegment);
            }
            if as4 && kind.is_confed() {
                return Err(AsPathFault::ConfedInAs4Path);
            }
            let raw = r.take(usize::from(n) * width).ok_or(AsPathFault::Overrun)?;
            let asns = if four_octet {
                raw.chunks_exact(4)
                    .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .collect()
            } else {
                raw.chunks_exact(2)
                    .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
                    .collect()
            };
            segments.push(Segment { kind, asns });
        }
        Ok(Self { segments })
    }

    /// Writes the segments; with 2-byte ASNs a 4-byte ASN becomes AS_TRANS.
    pub(crate) fn encode(&self, out: &mut Vec<u8>, four_octet: bool) {
        for seg in &self.segments {
            for chunk in seg.asns.chunks(255) {
                out.push(seg.kind as u8);
                out.push(chunk.len() as u8);
                for &asn in chunk {
                    if four_octet {
                        put_u32(out, asn);
                    } else {
                        put_u16(out, u16::try_from(asn).unwrap_or(AS_TRANS));
                    }
                }
            }
        }
    }

    /// RFC 6793 §4.2.3: the path from a 2-byte peer's AS_PATH (`self`) and AS4_PATH.
    /// `None` when AS4_PATH is longer than AS_PATH (then AS4_PATH is ignored).
    pub(crate) fn merge_as4(&self, as4: &AsPath) -> Option<AsPath> {
        let mut need = self.path_len().checked_sub(as4.path_len())?;
        let mut segments = Vec::new();
        for seg in &self.segments {
            if need == 0 {
                // A confederation segment adjacent to what was taken goes with it.
                if seg.kind.is_confed() {
                    segments.push(seg.clone());
                    continue;
                }
                break;
            }
            match seg.kind {
                SegmentType::Sequence if seg.asns.len() > need => {
                    segments.push(Segment {
                        kind: seg.kind,
                        asns: seg.asns[..need].to_vec(),
                    });
                    need = 0;
                }
                _ => {
                    need -= seg.path_len();
                    segments.push(seg.clone());
                }
            }
        }
        segments.extend(as4.segments.iter().cloned());
        Some(AsPath { segments })
    }
}

/// Junos layout: `65001 65002 {65003 65004} (65010)`; a confederation set is `[...]`.
impl fmt::Display for AsPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            let (open, close) = match seg.kind {
                SegmentType::Sequence => ("", ""),
                SegmentType::Set => ("{", "}"),
                SegmentType::ConfedSequence => ("(", ")"),
                SegmentType::ConfedSet => ("[", "]"),
            };
            f.write_str(open)?;
            for (j, asn) in seg.asns.iter().enumerate() {
                if j > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{asn}")?;
            }
            f.write_str(close)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(kind: SegmentType, asns: &[u32]) -> Segment {
        Segment {
            kind,
            asns: asns.to_vec(),
        }
    }

    #[test]
    fn malformed_segments() {
        assert_eq!(
            AsPath::decode(&[2], true, false),
            Err(AsPathFault::Underrun)
        );
        assert_eq!(
            AsPath::decode(&[2, 0], true, false),
            Err(AsPathFault::EmptySegment)
        );
        assert_eq!(
            AsPath::decode(&[5, 1, 0, 1], false, false),
            Err(AsPathFault::SegmentType(5))
        );
        assert_eq!(
            AsPath::decode(&[2, 2, 0, 1], false, false),
            Err(AsPathFault::Overrun)
        );
        assert_eq!(
            AsPath::decode(&[3, 1, 0, 0, 0, 1], true, true),
            Err(AsPathFault::ConfedInAs4Path)
        );
        assert_eq!(AsPath::decode(&[], false, false), Ok(AsPath::default()));
    }

    #[test]
    fn merge_takes_the_leading_part_of_as_path() {
        // AS_PATH: (65010) 100 23456 200 {300 400}; AS4_PATH: 4200000000 200 {300 400}.
        let as_path = AsPath {
            segments: vec![
                seg(SegmentType::ConfedSequence, &[65010]),
                seg(SegmentType::Sequence, &[100, 23456, 200]),
                seg(SegmentType::Set, &[300, 400]),
            ],
        };
        let as4 = AsPath {
            segments: vec![
                seg(SegmentType::Sequence, &[4_200_000_000, 200]),
                seg(SegmentType::Set, &[300, 400]),
            ],
        };
        let merged = as_path.merge_as4(&as4).unwrap();
        assert_eq!(merged.to_string(), "(65010) 100 4200000000 200 {300 400}");
        assert_eq!(merged.path_len(), as_path.path_len());
        // AS4_PATH longer than AS_PATH: ignored.
        assert_eq!(
            AsPath::from_sequence([1]).merge_as4(&AsPath::from_sequence([1, 2])),
            None
        );
    }

    #[test]
    fn prepend_and_lengths() {
        let mut p = AsPath {
            segments: vec![seg(SegmentType::Set, &[1, 2])],
        };
        p.prepend(7);
        assert_eq!(p.to_string(), "7 {1 2}");
        assert_eq!(p.path_len(), 2);
        assert_eq!(p.first_as(), Some(7));
        assert!(p.contains(2));
    }
}
