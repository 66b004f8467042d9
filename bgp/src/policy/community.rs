//! Named communities (`policy-options community NAME members [...]`): matching and the
//! `then community add|set|delete` actions.
//!
//! Junos ("How BGP Communities and Extended Communities Are Evaluated in Routing Policy Match
//! Conditions"): a route matches a named community when every member matches some community
//! of the route; `from community [A B]` matches when any named community does; `invert-match`
//! inverts the named community's result. A member is a literal community or a regular
//! expression, and a regular expression "is evaluated on a character-by-character basis"
//! against the community as text, as a search, not anchored: with `members 100:1..` a route
//! with 1100:100 matches (Juniper's own example); write `^` and `$` to anchor. A lone `*` for
//! the AS or value part (`*:*`, `65000:*`, `*:100`) is the Junos wildcard and stands for `.*`.
//!
//! lsys's choices where Junos says nothing we could find:
//! - the text a standard community is matched as is `high:low` in numbers, also for the
//!   well-known ones (`no-export` is `65535:65281`);
//! - a regular expression whose text starts with `target:` or `origin:` (after an optional
//!   `^`) is matched against extended communities of that type (`target:65000:100`,
//!   `target:192.0.2.1:7`; a 4-byte AS without Junos's `L`), one starting with `large:`
//!   against large communities (`large:A:B:C`), any other against standard communities only
//!   (so `*:*` deletes the standard communities and leaves route targets alone);
//! - `then community set` replaces the standard, extended and large communities alike;
//!   `add` appends the members the route lacks; `delete` removes every community that any
//!   member matches (literally or by its expression). `invert-match` affects matching only.
//! - a literal extended community whose value does not fit its type (`target:192.0.2.1:70000`:
//!   an IPv4 administrator leaves 16 bits for the value) can never be carried, so it matches
//!   nothing and is not added (the commit checks accept it today).

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use regex::bytes::Regex;

use crate::packet::{Attrs, Community, ExtCommunity, LargeCommunity};

/// The kind of community an expression is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Standard,
    Ext,
    Large,
}

#[derive(Debug, Clone)]
enum Member {
    Standard(Community),
    Ext(ExtCommunity),
    Large(LargeCommunity),
    Pattern(Kind, Regex),
    Never,
}

/// A compiled `policy-options community`.
#[derive(Debug, Clone)]
pub(crate) struct CommunityDef {
    members: Vec<Member>,
    invert: bool,
}

/// A community as text for a regular expression, without allocating.
struct Text {
    buf: [u8; 48],
    len: usize,
}

impl Text {
    fn new() -> Text {
        Text {
            buf: [0; 48],
            len: 0,
        }
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn standard_text(c: Community) -> Text {
    let mut t = Text::new();
    let _ = write!(t, "{}:{}", c.0 >> 16, c.0 & 0xffff);
    t
}

fn large_text(c: &LargeCommunity) -> Text {
    let mut t = Text::new();
    let _ = write!(t, "large:{}:{}:{}", c.global, c.local1, c.local2);
    t
}

/// `target:`/`origin:` text of the transitive AS and IPv4 types; `None` for the others.
fn ext_text(c: &ExtCommunity) -> Option<Text> {
    let b = &c.0;
    let name = match b[1] {
        0x02 => "target",
        0x03 => "origin",
        _ => return None,
    };
    let u16_at = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
    let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let mut t = Text::new();
    let _ = match b[0] {
        0x00 => write!(t, "{name}:{}:{}", u16_at(2), u32_at(4)),
        0x01 => write!(
            t,
            "{name}:{}:{}",
            Ipv4Addr::new(b[2], b[3], b[4], b[5]),
            u16_at(6)
        ),
        0x02 => write!(t, "{name}:{}:{}", u32_at(2), u16_at(6)),
        _ => return None,
    };
    Some(t)
}

/// A Junos community expression as a `regex` pattern: a lone `*` (at the start, after `^`
/// or after `:`) is the Junos wildcard `.*`.
fn junos_to_regex(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len() + 4);
    let mut prev: Option<char> = None;
    for c in expr.chars() {
        if c == '*' && matches!(prev, None | Some(':') | Some('^')) {
            out.push_str(".*");
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

fn is_pattern(m: &str) -> bool {
    m.chars().any(|c| ".*+?^$[](){}|\\".contains(c))
}

/// `target:X:Y` or `origin:X:Y` as the 8 bytes; `Ok(None)` when Y does not fit the type.
fn extended(kind: u8, rest: &str) -> Result<Option<ExtCommunity>, String> {
    let (admin, value) = rest
        .rsplit_once(':')
        .ok_or_else(|| "expecting TYPE:ADMINISTRATOR:VALUE".to_string())?;
    let value: u32 = value
        .parse()
        .map_err(|_| format!("invalid value {value}"))?;
    let mut b = [0u8; 8];
    b[1] = kind;
    if let Ok(ip) = admin.parse::<Ipv4Addr>() {
        let Ok(v) = u16::try_from(value) else {
            return Ok(None);
        };
        b[0] = 0x01;
        b[2..6].copy_from_slice(&ip.octets());
        b[6..8].copy_from_slice(&v.to_be_bytes());
    } else {
        let asn: u32 = admin
            .parse()
            .map_err(|_| format!("invalid administrator {admin}"))?;
        if let Ok(a) = u16::try_from(asn) {
            b[2..4].copy_from_slice(&a.to_be_bytes());
            b[4..8].copy_from_slice(&value.to_be_bytes());
        } else {
            let Ok(v) = u16::try_from(value) else {
                return Ok(None);
            };
            b[0] = 0x02;
            b[2..6].copy_from_slice(&asn.to_be_bytes());
            b[6..8].copy_from_slice(&v.to_be_bytes());
        }
    }
    Ok(Some(ExtCommunity(b)))
}

/// A member as written: a literal community if it reads as one (as the grammar decides:
/// `target:192.0.2.1:7` is literal although it has dots), else a regular expression.
fn member(m: &str) -> Result<Member, String> {
    match literal(m) {
        Ok(member) => Ok(member),
        Err(_) if is_pattern(m) => {
            let body = m.strip_prefix('^').unwrap_or(m);
            let kind = if body.starts_with("target:") || body.starts_with("origin:") {
                Kind::Ext
            } else if body.starts_with("large:") {
                Kind::Large
            } else {
                Kind::Standard
            };
            let re = Regex::new(&junos_to_regex(m)).map_err(|e| e.to_string())?;
            Ok(Member::Pattern(kind, re))
        }
        Err(e) => Err(e),
    }
}

fn literal(m: &str) -> Result<Member, String> {
    let well_known = match m {
        "no-export" => Some(Community::NO_EXPORT),
        "no-advertise" => Some(Community::NO_ADVERTISE),
        "no-export-subconfed" => Some(Community::NO_EXPORT_SUBCONFED),
        "llgr-stale" => Some(Community(0xffff_0006)),
        _ => None,
    };
    if let Some(c) = well_known {
        return Ok(Member::Standard(c));
    }
    if let Some(rest) = m.strip_prefix("target:") {
        return Ok(extended(0x02, rest)?.map_or(Member::Never, Member::Ext));
    }
    if let Some(rest) = m.strip_prefix("origin:") {
        return Ok(extended(0x03, rest)?.map_or(Member::Never, Member::Ext));
    }
    if let Some(rest) = m.strip_prefix("large:") {
        let parts: Vec<&str> = rest.split(':').collect();
        let nums: Option<Vec<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
        return match nums.as_deref() {
            Some(&[global, local1, local2]) => Ok(Member::Large(LargeCommunity {
                global,
                local1,
                local2,
            })),
            _ => Err("expecting large:GLOBAL:LOCAL1:LOCAL2".into()),
        };
    }
    let (a, b) = m
        .split_once(':')
        .ok_or_else(|| "expecting N:N, target:X:Y, origin:X:Y or large:A:B:C".to_string())?;
    match (a.parse::<u16>(), b.parse::<u16>()) {
        (Ok(a), Ok(b)) => Ok(Member::Standard(Community::new(a, b))),
        _ => Err("expecting N:N with numbers 0..65535".into()),
    }
}

impl Member {
    /// Whether the member matches this one standard community.
    fn hits_standard(&self, c: Community) -> bool {
        match self {
            Member::Standard(m) => *m == c,
            Member::Pattern(Kind::Standard, re) => re.is_match(standard_text(c).bytes()),
            _ => false,
        }
    }

    fn hits_ext(&self, c: &ExtCommunity) -> bool {
        match self {
            Member::Ext(m) => m == c,
            Member::Pattern(Kind::Ext, re) => ext_text(c).is_some_and(|t| re.is_match(t.bytes())),
            _ => false,
        }
    }

    fn hits_large(&self, c: &LargeCommunity) -> bool {
        match self {
            Member::Large(m) => m == c,
            Member::Pattern(Kind::Large, re) => re.is_match(large_text(c).bytes()),
            _ => false,
        }
    }

    /// Whether some community of the route matches the member.
    fn found_in(&self, attrs: &Attrs) -> bool {
        match self {
            Member::Standard(c) => attrs.communities.contains(c),
            Member::Ext(c) => attrs.ext_communities.contains(c),
            Member::Large(c) => attrs.large_communities.contains(c),
            Member::Pattern(Kind::Standard, _) => {
                attrs.communities.iter().any(|c| self.hits_standard(*c))
            }
            Member::Pattern(Kind::Ext, _) => attrs.ext_communities.iter().any(|c| self.hits_ext(c)),
            Member::Pattern(Kind::Large, _) => {
                attrs.large_communities.iter().any(|c| self.hits_large(c))
            }
            Member::Never => false,
        }
    }
}

impl CommunityDef {
    /// `Err((member, reason))` for a member that is neither a community nor an expression.
    pub(crate) fn new(members: &[String], invert: bool) -> Result<CommunityDef, (String, String)> {
        let members = members
            .iter()
            .map(|m| member(m).map_err(|e| (m.clone(), e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CommunityDef { members, invert })
    }

    pub(crate) fn has_pattern(&self) -> bool {
        self.members
            .iter()
            .any(|m| matches!(m, Member::Pattern(..)))
    }

    /// `from community NAME`.
    pub(crate) fn matches(&self, attrs: &Attrs) -> bool {
        self.members.iter().all(|m| m.found_in(attrs)) != self.invert
    }

    /// Whether `add` would change the route.
    pub(crate) fn add_changes(&self, attrs: &Attrs) -> bool {
        self.members.iter().any(|m| match m {
            Member::Standard(_) | Member::Ext(_) | Member::Large(_) => !m.found_in(attrs),
            Member::Pattern(..) | Member::Never => false,
        })
    }

    pub(crate) fn add(&self, attrs: &mut Attrs) {
        for m in &self.members {
            match m {
                Member::Standard(c) if !attrs.communities.contains(c) => attrs.communities.push(*c),
                Member::Ext(c) if !attrs.ext_communities.contains(c) => {
                    attrs.ext_communities.push(*c)
                }
                Member::Large(c) if !attrs.large_communities.contains(c) => {
                    attrs.large_communities.push(*c)
                }
                _ => {}
            }
        }
    }

    /// What `set` leaves: the literal members, without duplicates, in configured order.
    fn set_lists(&self) -> (Vec<Community>, Vec<ExtCommunity>, Vec<LargeCommunity>) {
        let mut out = (Vec::new(), Vec::new(), Vec::new());
        for m in &self.members {
            match m {
                Member::Standard(c) if !out.0.contains(c) => out.0.push(*c),
                Member::Ext(c) if !out.1.contains(c) => out.1.push(*c),
                Member::Large(c) if !out.2.contains(c) => out.2.push(*c),
                _ => {}
            }
        }
        out
    }

    pub(crate) fn set_changes(&self, attrs: &Attrs) -> bool {
        let (s, e, l) = self.set_lists();
        attrs.communities != s || attrs.ext_communities != e || attrs.large_communities != l
    }

    pub(crate) fn set(&self, attrs: &mut Attrs) {
        let (s, e, l) = self.set_lists();
        attrs.communities = s;
        attrs.ext_communities = e;
        attrs.large_communities = l;
    }

    pub(crate) fn delete_changes(&self, attrs: &Attrs) -> bool {
        self.members.iter().any(|m| m.found_in(attrs))
    }

    pub(crate) fn delete(&self, attrs: &mut Attrs) {
        let members = &self.members;
        attrs
            .communities
            .retain(|c| !members.iter().any(|m| m.hits_standard(*c)));
        attrs
            .ext_communities
            .retain(|c| !members.iter().any(|m| m.hits_ext(c)));
        attrs
            .large_communities
            .retain(|c| !members.iter().any(|m| m.hits_large(c)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(members: &[&str]) -> CommunityDef {
        let members: Vec<String> = members.iter().map(|s| s.to_string()).collect();
        CommunityDef::new(&members, false).unwrap()
    }

    fn with(std: &[(u16, u16)]) -> Attrs {
        Attrs {
            communities: std.iter().map(|&(a, b)| Community::new(a, b)).collect(),
            ..Attrs::default()
        }
    }

    #[test]
    fn wildcard_star() {
        assert_eq!(junos_to_regex("*:*"), ".*:.*");
        assert_eq!(junos_to_regex("^65000:*$"), "^65000:.*$");
        assert_eq!(junos_to_regex("65000:1*"), "65000:1*");
    }

    #[test]
    fn regex_is_a_search() {
        // Juniper's example: 100:1.. matches 1100:100, 100:100 does not.
        assert!(def(&["100:1.."]).matches(&with(&[(1100, 100)])));
        assert!(!def(&["100:100"]).matches(&with(&[(1100, 100)])));
        assert!(!def(&["^100:1..$"]).matches(&with(&[(1100, 100)])));
    }

    #[test]
    fn extended_and_large() {
        let rt = ExtCommunity::route_target(65000, 100);
        assert!(matches!(member("target:65000:100"), Ok(Member::Ext(c)) if c == rt));
        assert_eq!(ext_text(&rt).unwrap().bytes(), b"target:65000:100");
        let four = member("target:4200000000:7").unwrap();
        let Member::Ext(c) = four else { panic!() };
        assert_eq!(ext_text(&c).unwrap().bytes(), b"target:4200000000:7");
        let ip = member("origin:192.0.2.1:7").unwrap();
        let Member::Ext(c) = ip else { panic!() };
        assert_eq!(ext_text(&c).unwrap().bytes(), b"origin:192.0.2.1:7");
        assert!(matches!(
            member("target:192.0.2.1:70000"),
            Ok(Member::Never)
        ));
        let attrs = Attrs {
            ext_communities: vec![rt],
            large_communities: vec![LargeCommunity {
                global: 4_200_000_000,
                local1: 1,
                local2: 2,
            }],
            ..Attrs::default()
        };
        assert!(def(&["^target:65000:.*$"]).matches(&attrs));
        assert!(def(&["large:4200000000:1:2"]).matches(&attrs));
        assert!(def(&["^large:4200000000:.*"]).matches(&attrs));
        assert!(!def(&["*:*"]).matches(&attrs));
    }

    #[test]
    fn well_known_as_numbers() {
        let attrs = Attrs {
            communities: vec![Community::NO_EXPORT],
            ..Attrs::default()
        };
        assert!(def(&["no-export"]).matches(&attrs));
        assert!(def(&["^65535:65281$"]).matches(&attrs));
    }
}
