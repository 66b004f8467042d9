//! Value types of leaves, leaf-lists and list keys, with parsing into a canonical text form.
//!
//! Every value in the tree is stored as its canonical text: parsing is where validation happens,
//! so a tree built through this crate never holds a value its type would refuse.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::secret;

/// A value type named in the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueType {
    /// Free text (descriptions, keys); quoted when printed if needed.
    Text,
    /// A configuration name: no blanks, no `;{}[]"#()`.
    Name,
    /// Policy names (as `Name`, at most 255 characters).
    PolicyName,
    /// A Unix user name.
    Username,
    /// A host name.
    Hostname,
    /// A logical-system name (at most 63 characters).
    LsName,
    /// A routing-instance name: at most 128 characters, not `default`, none of `!@#$%^&*,+<>:;`.
    InstanceName,
    /// An interface name: a Linux network device name (at most 15 characters, no `.`, `/`,
    /// `:`) or a Junos port name (`ge-0/0/1`, `xe-1/0/0:2`) that `linux-name` maps to one.
    Ifname,
    /// A Linux network device name only (`linux-name eth1`).
    LinuxIfname,
    /// An interface unit `NAME.UNIT`; `NAME` alone is unit 0 (`NAME.0`), as in Junos.
    UnitName,
    /// A next hop that is an address or an interface unit (`10.0.0.1`, `irb.100`; `NAME`
    /// alone is `NAME.0`): Junos's `ipaddr-or-interface`.
    IpOrUnit,
    Ipv4,
    Ip,
    /// An IPv4 interface address `A/P` (host bits kept).
    Ipv4IfAddr,
    /// An IPv6 interface address `A/P` (host bits kept).
    Ipv6IfAddr,
    /// An IPv4 or IPv6 prefix (host bits cleared).
    IpPrefix,
    Asn,
    U32 {
        min: u32,
        max: u32,
    },
    /// A decimal number of seconds with at most three decimals (`interval 0.1`), bounds in
    /// milliseconds; canonical text drops leading and trailing zeros (`01.50` is `1.5`).
    Seconds {
        min_ms: u64,
        max_ms: u64,
    },
    Preference,
    HoldTime,
    Vlan,
    Enum(Vec<String>),
    /// Route distinguisher `ASN:N` or `A.B.C.D:N`.
    Rd,
    /// `target:X:Y`.
    VrfTarget,
    /// A BGP community `N:N`, `target:X:Y`, `origin:X:Y`, `large:A:B:C` or a well-known name.
    Community,
    /// A member of a `policy-options community`: a [`ValueType::Community`], or a regular
    /// expression matching communities (`^65000:.*$`, `*:*`, `65000:1..`), kept as written.
    CommunityMember,
    /// `/N`.
    PrefixLength,
    /// `/A-/B`.
    PrefixLengthRange,
    /// AS numbers separated by blanks.
    AsPath,
    /// `self`, `peer-address`, `discard`, `reject` or an address.
    NextHop,
    /// A VLAN identifier or one of the listed words (`vlan-or(none|all)`).
    VlanOr(Vec<String>),
    /// A VLAN identifier `N` or a range `A-B` (1..4094).
    VlanRange,
    /// A regular expression (`allow-commands`), checked when read.
    Regex,
    /// A one-way password hash in crypt(3) form (`$6$salt$hash`), stored as given: it is not
    /// reversible, so it is never re-encoded (see `@secret`).
    PasswordHash,
}

impl ValueType {
    /// Reads a type as written in the schema (`u32(1..255)`, `enum(a|b)`).
    pub fn from_schema(name: &str, arg: Option<&str>) -> Result<ValueType, String> {
        Ok(match (name, arg) {
            ("text", None) => ValueType::Text,
            ("name", None) => ValueType::Name,
            ("policy-name", None) => ValueType::PolicyName,
            ("username", None) => ValueType::Username,
            ("hostname", None) => ValueType::Hostname,
            ("ls-name", None) => ValueType::LsName,
            ("instance-name", None) => ValueType::InstanceName,
            ("ifname", None) => ValueType::Ifname,
            ("linux-ifname", None) => ValueType::LinuxIfname,
            ("unit-name", None) => ValueType::UnitName,
            ("ipv4", None) => ValueType::Ipv4,
            ("ip", None) => ValueType::Ip,
            ("ipv4-ifaddr", None) => ValueType::Ipv4IfAddr,
            ("ipv6-ifaddr", None) => ValueType::Ipv6IfAddr,
            ("ip-prefix", None) => ValueType::IpPrefix,
            ("asn", None) => ValueType::Asn,
            ("preference", None) => ValueType::Preference,
            ("hold-time", None) => ValueType::HoldTime,
            ("vlan", None) => ValueType::Vlan,
            ("rd", None) => ValueType::Rd,
            ("vrf-target", None) => ValueType::VrfTarget,
            ("community", None) => ValueType::Community,
            ("prefix-length", None) => ValueType::PrefixLength,
            ("prefix-length-range", None) => ValueType::PrefixLengthRange,
            ("as-path", None) => ValueType::AsPath,
            ("next-hop", None) => ValueType::NextHop,
            ("ip-or-unit", None) => ValueType::IpOrUnit,
            ("community-member", None) => ValueType::CommunityMember,
            ("vlan-range", None) => ValueType::VlanRange,
            ("regex", None) => ValueType::Regex,
            ("password-hash", None) => ValueType::PasswordHash,
            ("vlan-or", Some(list)) => {
                ValueType::VlanOr(list.split('|').map(|s| s.trim().to_string()).collect())
            }
            ("u32", Some(range)) => {
                let (a, b) = range
                    .split_once("..")
                    .ok_or_else(|| format!("bad range {range}"))?;
                let min = a.trim().parse().map_err(|_| format!("bad range {range}"))?;
                let max = b.trim().parse().map_err(|_| format!("bad range {range}"))?;
                ValueType::U32 { min, max }
            }
            ("seconds", Some(range)) => {
                let (a, b) = range
                    .split_once("..")
                    .ok_or_else(|| format!("bad range {range}"))?;
                let min_ms = millis(a.trim()).map_err(|_| format!("bad range {range}"))?;
                let max_ms = millis(b.trim()).map_err(|_| format!("bad range {range}"))?;
                if min_ms > max_ms {
                    return Err(format!("bad range {range}"));
                }
                ValueType::Seconds { min_ms, max_ms }
            }
            ("enum", Some(list)) => {
                ValueType::Enum(list.split('|').map(|s| s.trim().to_string()).collect())
            }
            _ => return Err(format!("unknown type {name}")),
        })
    }

    /// The placeholder shown in help listings (`<name>`, `<address>`).
    pub fn placeholder(&self) -> &'static str {
        match self {
            ValueType::Text => "<text>",
            ValueType::Name | ValueType::PolicyName | ValueType::LsName => "<name>",
            ValueType::Username => "<username>",
            ValueType::Hostname => "<hostname>",
            ValueType::InstanceName => "<instance-name>",
            ValueType::Ifname => "<interface-name>",
            ValueType::LinuxIfname => "<device>",
            ValueType::UnitName => "<interface>",
            ValueType::IpOrUnit => "<next-hop>",
            ValueType::Ipv4 | ValueType::Ip => "<address>",
            ValueType::Ipv4IfAddr | ValueType::Ipv6IfAddr => "<address>",
            ValueType::IpPrefix => "<prefix>",
            ValueType::Asn => "<as-number>",
            ValueType::U32 { .. } | ValueType::Preference | ValueType::HoldTime => "<number>",
            ValueType::Seconds { .. } => "<seconds>",
            ValueType::Vlan => "<vlan-id>",
            ValueType::Enum(_) => "<type>",
            ValueType::Rd => "<route-distinguisher>",
            ValueType::VrfTarget => "<target>",
            ValueType::Community | ValueType::CommunityMember => "<community>",
            ValueType::PrefixLength => "</prefix-length>",
            ValueType::PrefixLengthRange => "</lower-length-/upper-length>",
            ValueType::AsPath => "<as-path>",
            ValueType::NextHop => "<next-hop>",
            ValueType::VlanOr(_) | ValueType::VlanRange => "<vlan-id>",
            ValueType::Regex => "<regular-expression>",
            ValueType::PasswordHash => "<password>",
        }
    }

    /// Parses `raw` into canonical text, or says what is wrong in the words Junos would use.
    pub fn parse(&self, raw: &str) -> Result<String, String> {
        match self {
            ValueType::Text => {
                if raw.len() > 900 {
                    return Err("text is longer than 900 characters".into());
                }
                if raw.chars().any(|c| c.is_control() && c != '\t') {
                    return Err("text contains control characters".into());
                }
                Ok(raw.to_string())
            }
            ValueType::Name | ValueType::PolicyName => name(raw, 255),
            ValueType::LsName => name(raw, 63),
            ValueType::Username => {
                let ok = !raw.is_empty()
                    && raw.len() <= 32
                    && raw
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                    && raw.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'
                    });
                ok.then(|| raw.to_string())
                    .ok_or_else(|| format!("invalid user name: {raw}"))
            }
            ValueType::Hostname => {
                let ok = !raw.is_empty()
                    && raw.len() <= 255
                    && raw
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
                ok.then(|| raw.to_string())
                    .ok_or_else(|| format!("invalid host name: {raw}"))
            }
            ValueType::InstanceName => instance_name(raw),
            ValueType::Ifname => ifname(raw),
            ValueType::LinuxIfname => linux_ifname(raw),
            ValueType::UnitName => unit_name(raw),
            ValueType::IpOrUnit => match raw.parse::<IpAddr>() {
                Ok(a) => Ok(a.to_string()),
                Err(_) => unit_name(raw).map_err(|_| {
                    format!("invalid next hop: {raw} (expecting an address or an interface unit)")
                }),
            },
            ValueType::Ipv4 => raw
                .parse::<Ipv4Addr>()
                .map(|a| a.to_string())
                .map_err(|_| format!("invalid ip address: {raw}")),
            ValueType::Ip => raw
                .parse::<IpAddr>()
                .map(|a| a.to_string())
                .map_err(|_| format!("invalid ip address: {raw}")),
            ValueType::Ipv4IfAddr => raw
                .parse::<Ipv4Net>()
                .map(|n| n.to_string())
                .map_err(|_| format!("invalid ip address or prefix: {raw}")),
            ValueType::Ipv6IfAddr => raw
                .parse::<Ipv6Net>()
                .map(|n| n.to_string())
                .map_err(|_| format!("invalid ipv6 address or prefix: {raw}")),
            ValueType::IpPrefix => raw
                .parse::<IpNet>()
                .or_else(|_| raw.parse::<IpAddr>().map(IpNet::from))
                .map(|n| n.trunc().to_string())
                .map_err(|_| format!("invalid prefix: {raw}")),
            ValueType::Asn => number(raw, 1, u32::MAX)
                .map_err(|_| format!("invalid autonomous system number: {raw} (1..4294967295)")),
            ValueType::U32 { min, max } => number(raw, *min, *max),
            ValueType::Seconds { min_ms, max_ms } => {
                let ms = millis(raw)?;
                if ms < *min_ms || ms > *max_ms {
                    return Err(format!(
                        "value {raw} is not within range ({}..{})",
                        seconds_text(*min_ms),
                        seconds_text(*max_ms)
                    ));
                }
                Ok(seconds_text(ms))
            }
            ValueType::Preference => number(raw, 0, u32::MAX),
            ValueType::HoldTime => {
                let n = number(raw, 0, 65535)?;
                if n == "1" || n == "2" {
                    return Err(format!("hold-time {raw} is invalid: use 0 or 3..65535"));
                }
                Ok(n)
            }
            ValueType::Vlan => number(raw, 1, 4094),
            ValueType::Enum(options) => {
                if options.iter().any(|o| o == raw) {
                    Ok(raw.to_string())
                } else {
                    Err(format!(
                        "invalid value: {raw} (expecting one of: {})",
                        options.join(", ")
                    ))
                }
            }
            ValueType::Rd => {
                let (admin, local) = raw
                    .rsplit_once(':')
                    .ok_or_else(|| format!("invalid route distinguisher: {raw}"))?;
                let admin_ok =
                    admin.parse::<Ipv4Addr>().is_ok() || number(admin, 0, u32::MAX).is_ok();
                let local_ok = number(local, 0, u32::MAX).is_ok();
                (admin_ok && local_ok)
                    .then(|| raw.to_string())
                    .ok_or_else(|| format!("invalid route distinguisher: {raw}"))
            }
            ValueType::VrfTarget => target(raw).ok_or_else(|| format!("invalid target: {raw}")),
            ValueType::Community => community(raw),
            ValueType::CommunityMember => community_member(raw),
            ValueType::PrefixLength => raw
                .strip_prefix('/')
                .and_then(|n| number(n, 0, 128).ok())
                .map(|n| format!("/{n}"))
                .ok_or_else(|| format!("invalid prefix length: {raw} (expecting /N)")),
            ValueType::PrefixLengthRange => {
                let bad = || format!("invalid prefix length range: {raw} (expecting /A-/B)");
                let (a, b) = raw.split_once('-').ok_or_else(bad)?;
                let a: u32 = a
                    .strip_prefix('/')
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(bad)?;
                let b: u32 = b
                    .strip_prefix('/')
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(bad)?;
                if a > b || b > 128 {
                    return Err(bad());
                }
                Ok(format!("/{a}-/{b}"))
            }
            ValueType::AsPath => {
                let parts: Vec<_> = raw.split_whitespace().collect();
                if parts.is_empty() {
                    return Err("empty AS path".into());
                }
                let mut out = Vec::with_capacity(parts.len());
                for p in parts {
                    out.push(ValueType::Asn.parse(p)?);
                }
                Ok(out.join(" "))
            }
            ValueType::NextHop => {
                if NEXT_HOP_WORDS.contains(&raw) {
                    Ok(raw.to_string())
                } else {
                    ValueType::Ip.parse(raw)
                }
            }
            ValueType::VlanOr(words) => {
                if words.iter().any(|w| w == raw) {
                    Ok(raw.to_string())
                } else {
                    number(raw, 1, 4094).map_err(|_| {
                        format!(
                            "invalid vlan-id: {raw} (expecting 1..4094 or one of: {})",
                            words.join(", ")
                        )
                    })
                }
            }
            ValueType::VlanRange => {
                let bad = || format!("invalid VLAN range: {raw} (expecting N or A-B, 1..4094)");
                match raw.split_once('-') {
                    None => number(raw, 1, 4094).map_err(|_| bad()),
                    Some((a, b)) => {
                        let a = number(a, 1, 4094).map_err(|_| bad())?;
                        let b = number(b, 1, 4094).map_err(|_| bad())?;
                        let (x, y): (u32, u32) = (a.parse().unwrap_or(0), b.parse().unwrap_or(0));
                        match x.cmp(&y) {
                            std::cmp::Ordering::Less => Ok(format!("{a}-{b}")),
                            std::cmp::Ordering::Equal => Ok(a),
                            std::cmp::Ordering::Greater => Err(bad()),
                        }
                    }
                }
            }
            ValueType::Regex => {
                ValueType::Text.parse(raw)?;
                regex::Regex::new(raw)
                    .map(|_| raw.to_string())
                    .map_err(|_| format!("invalid regular expression: {raw}"))
            }
            ValueType::PasswordHash => password_hash(raw),
        }
    }

    /// Whether every value is a single word (no blanks), as a part of a list key must be.
    pub fn is_word(&self) -> bool {
        !matches!(self, ValueType::Text | ValueType::AsPath | ValueType::Regex)
    }

    /// Fixed values a user can complete to (enum members, `self`).
    pub fn choices(&self) -> Vec<&str> {
        match self {
            ValueType::Enum(options) => options.iter().map(String::as_str).collect(),
            ValueType::NextHop => NEXT_HOP_WORDS.to_vec(),
            ValueType::VlanOr(words) => words.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

/// The words a policy `then next-hop` takes besides an address.
const NEXT_HOP_WORDS: [&str; 4] = ["self", "peer-address", "discard", "reject"];

/// Parses a secret: `$9$` text is kept when it decodes, clear text is encoded.
pub fn parse_secret(raw: &str) -> Result<String, String> {
    if raw.starts_with("$9$") {
        secret::decode(raw).map_err(|e| format!("invalid encrypted secret: {e}"))?;
        Ok(raw.to_string())
    } else {
        if raw.is_empty() {
            return Err("empty secret".into());
        }
        if raw.len() > 80 {
            return Err("authentication key is longer than 80 characters".into());
        }
        // `$9$` only carries characters below U+0800 reliably, and a key is typed by people
        // on both ends of a session: printable ASCII, as Junos keys are in practice.
        if !raw.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
            return Err("authentication key must be printable ASCII".into());
        }
        let encoded = secret::encode(raw);
        if secret::decode(&encoded).as_deref() != Ok(raw) {
            return Err("authentication key cannot be stored".into());
        }
        Ok(encoded)
    }
}

fn number(raw: &str, min: u32, max: u32) -> Result<String, String> {
    let n: u64 = raw.parse().map_err(|_| format!("number expected: {raw}"))?;
    if n < min as u64 || n > max as u64 {
        return Err(format!("value {raw} is not within range ({min}..{max})"));
    }
    Ok(n.to_string())
}

/// Milliseconds in a decimal number of seconds: digits, then optionally `.` and one to three
/// digits (no sign, no exponent).
fn millis(raw: &str) -> Result<u64, String> {
    let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (raw.contains('.') && frac.is_empty()) {
        return Err(format!("number expected: {raw}"));
    }
    if frac.len() > 3 {
        return Err(format!("value {raw} has more than 3 decimal places"));
    }
    let int = int.trim_start_matches('0');
    let whole: u64 = if int.is_empty() {
        0
    } else if int.len() > 12 {
        return Err(format!("value {raw} is too large"));
    } else {
        int.parse().map_err(|_| format!("number expected: {raw}"))?
    };
    let frac: u64 = format!("{frac:0<3}")
        .parse()
        .map_err(|_| format!("number expected: {raw}"))?;
    Ok(whole * 1000 + frac)
}

/// Canonical text of a number of milliseconds as seconds (`1500` is `1.5`, `2000` is `2`).
pub(crate) fn seconds_text(ms: u64) -> String {
    let (s, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        s.to_string()
    } else {
        let f = format!("{frac:03}");
        format!("{s}.{}", f.trim_end_matches('0'))
    }
}

/// The duration a [`ValueType::Seconds`] value (canonical or as typed) stands for.
pub fn duration(value: &str) -> Option<Duration> {
    millis(value).ok().map(Duration::from_millis)
}

fn name(raw: &str, max: usize) -> Result<String, String> {
    if raw.is_empty() {
        return Err("empty name".into());
    }
    if raw.len() > max {
        return Err(format!("name is longer than {max} characters: {raw}"));
    }
    if raw
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || ";{}[]\"#()".contains(c))
    {
        return Err(format!("invalid name: {raw}"));
    }
    Ok(raw.to_string())
}

fn instance_name(raw: &str) -> Result<String, String> {
    if raw.len() > 128 {
        return Err(format!(
            "routing instance name is longer than 128 characters: {raw}"
        ));
    }
    if raw == "default" {
        return Err("routing instance name 'default' is reserved".into());
    }
    if let Some(c) = raw.chars().find(|c| "!@#$%^&*,+<>:;".contains(*c)) {
        return Err(format!(
            "routing instance name must not contain '{c}': {raw}"
        ));
    }
    name(raw, 128)
}

fn ifname(raw: &str) -> Result<String, String> {
    if is_junos_port(raw) {
        return Ok(raw.to_string());
    }
    linux_ifname(raw).map_err(|_| {
        format!(
            "invalid interface name: {raw} (a Linux device name of at most 15 letters, digits, \
             '-' or '_', or a Junos port name such as ge-0/0/1)"
        )
    })
}

/// A Linux network device name as lsys accepts it (a subset of what the kernel allows).
fn linux_ifname(raw: &str) -> Result<String, String> {
    let ok = !raw.is_empty()
        && raw.len() <= 15
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then(|| raw.to_string()).ok_or_else(|| {
        format!("invalid device name: {raw} (at most 15 letters, digits, '-' or '_')")
    })
}

/// Whether `name` is a Junos port name: a type of two to four lower-case letters, then
/// FPC/PIC/port numbers and an optional `:channel` (`ge-0/0/1`, `xe-1/2/3:1`, `et-0/0/48:3`).
/// Such a name cannot be a Linux device (it has a `/`): `linux-name` says which device it is.
pub fn is_junos_port(name: &str) -> bool {
    let Some((kind, rest)) = name.split_once('-') else {
        return false;
    };
    let rest = match rest.split_once(':') {
        Some((port, channel))
            if !channel.is_empty() && channel.bytes().all(|b| b.is_ascii_digit()) =>
        {
            port
        }
        Some(_) => return false,
        None => rest,
    };
    let numbers: Vec<&str> = rest.split('/').collect();
    (2..=4).contains(&kind.len())
        && kind.bytes().all(|b| b.is_ascii_lowercase())
        && numbers.len() == 3
        && numbers
            .iter()
            .all(|n| (1..=3).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `NAME.UNIT`, or `NAME` alone for unit 0.
fn unit_name(raw: &str) -> Result<String, String> {
    let (dev, unit) = raw.rsplit_once('.').unwrap_or((raw, "0"));
    let dev = ifname(dev)?;
    let unit = number(unit, 0, 16385)?;
    Ok(format!("{dev}.{unit}"))
}

/// A crypt(3) hash: `$id$...` (MD5 `$1$`, bcrypt `$2b$`, SHA-256 `$5$`, SHA-512 `$6$`,
/// yescrypt `$y$`, ...) or a traditional 13-character DES hash; 1..128 characters as Junos
/// allows. Clear text is refused rather than stored as if it were a hash.
fn password_hash(raw: &str) -> Result<String, String> {
    let crypt_char = |c: char| c.is_ascii_alphanumeric() || "./$=,-".contains(c);
    let modular = raw.starts_with('$')
        && raw[1..].contains('$')
        && raw[1..].split('$').next().is_some_and(|id| {
            !id.is_empty() && id.len() <= 8 && id.chars().all(|c| c.is_ascii_alphanumeric())
        });
    let des = raw.len() == 13
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '/');
    if raw.len() <= 128 && raw.chars().all(crypt_char) && (modular || des) {
        Ok(raw.to_string())
    } else {
        Err(format!(
            "invalid encrypted password: {raw} (expecting a crypt(3) hash such as $6$salt$hash)"
        ))
    }
}

fn target(raw: &str) -> Option<String> {
    extended("target:", raw)
}

/// An extended community `TYPE:X:Y` (`target:`, `origin:`), X an AS number or IPv4 address,
/// with the sizes RFC 4360/5668 give the three encodings: a 2-byte AS with a 4-byte value, an
/// IPv4 address or a 4-byte AS with a 2-byte value (`target:192.0.2.1:70000` does not fit).
fn extended(kind: &str, raw: &str) -> Option<String> {
    let rest = raw.strip_prefix(kind)?;
    let (admin, local) = rest.rsplit_once(':')?;
    let local_max = if admin.parse::<Ipv4Addr>().is_ok() {
        u32::from(u16::MAX)
    } else {
        match number(admin, 0, u32::MAX).ok()?.parse::<u32>().ok()? {
            0..=65535 => u32::MAX,
            _ => u32::from(u16::MAX),
        }
    };
    number(local, 0, local_max).is_ok().then(|| raw.to_string())
}

/// Whether a community member is a regular expression (or wildcard) rather than one
/// community: it is not a community as written (`target:192.0.2.1:7` has dots but is one).
pub fn is_community_pattern(member: &str) -> bool {
    community(member).is_err()
}

fn community(raw: &str) -> Result<String, String> {
    const WELL_KNOWN: [&str; 4] = [
        "no-export",
        "no-advertise",
        "no-export-subconfed",
        "llgr-stale",
    ];
    if WELL_KNOWN.contains(&raw) {
        return Ok(raw.to_string());
    }
    if let Some(t) = target(raw).or_else(|| extended("origin:", raw)) {
        return Ok(t);
    }
    let bad = || {
        format!(
            "invalid community: {raw} (expecting N:N, target:X:Y, origin:X:Y, large:A:B:C or a \
             well-known name)"
        )
    };
    if let Some(rest) = raw.strip_prefix("large:") {
        let parts: Vec<&str> = rest.split(':').collect();
        if parts.len() != 3 {
            return Err(bad());
        }
        let parts: Result<Vec<String>, String> =
            parts.iter().map(|p| number(p, 0, u32::MAX)).collect();
        return parts
            .map(|p| format!("large:{}", p.join(":")))
            .map_err(|_| bad());
    }
    let (a, b) = raw.split_once(':').ok_or_else(bad)?;
    let a = number(a, 0, 65535).map_err(|_| bad())?;
    let b = number(b, 0, 65535).map_err(|_| bad())?;
    Ok(format!("{a}:{b}"))
}

/// A community member: a community, or a regular expression over communities (any value with
/// one of `.*+?^$[](){}|\`), kept as written.
fn community_member(raw: &str) -> Result<String, String> {
    if let Ok(c) = community(raw) {
        return Ok(c);
    }
    let pattern = raw.chars().any(|c| ".*+?^$[](){}|\\".contains(c));
    let clean = !raw.is_empty()
        && raw.len() <= 255
        && !raw.chars().any(|c| c.is_whitespace() || c.is_control());
    if pattern && clean {
        Ok(raw.to_string())
    } else {
        community(raw)
    }
}

/// True when `s` can be printed without quotes in configuration text (a word that would read
/// as a tag like `inactive:` or open a comment like `/*x` needs quotes).
pub fn is_bare_word(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with("/*")
        && !matches!(s, "inactive:" | "protect:" | "replace:" | "delete:")
        && !s
            .chars()
            .any(|c| c.is_whitespace() || ";{}[]\"#()'\\".contains(c))
}

/// Quotes a word for configuration text when it needs it.
pub fn quote(s: &str) -> String {
    if is_bare_word(s) {
        s.to_string()
    } else {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(
            ValueType::IpPrefix.parse("10.1.2.3/8").unwrap(),
            "10.0.0.0/8"
        );
        assert_eq!(
            ValueType::IpPrefix.parse("10.1.2.3").unwrap(),
            "10.1.2.3/32"
        );
        assert_eq!(
            ValueType::Ipv4IfAddr.parse("10.0.0.13/30").unwrap(),
            "10.0.0.13/30"
        );
        assert_eq!(ValueType::UnitName.parse("irb.4").unwrap(), "irb.4");
        assert_eq!(ValueType::Vlan.parse("0004").unwrap(), "4");
        assert_eq!(
            ValueType::AsPath.parse("65000  65000").unwrap(),
            "65000 65000"
        );
        assert_eq!(ValueType::PrefixLength.parse("/24").unwrap(), "/24");
        let secs = ValueType::from_schema("seconds", Some("0.1..10000")).unwrap();
        for (raw, canonical) in [
            ("0.1", "0.1"),
            ("00.100", "0.1"),
            ("1.50", "1.5"),
            ("2.0", "2"),
            ("10000", "10000"),
            ("0.125", "0.125"),
        ] {
            assert_eq!(secs.parse(raw).unwrap(), canonical, "{raw}");
        }
        assert_eq!(duration("0.25"), Some(Duration::from_millis(250)));
        assert_eq!(duration("3"), Some(Duration::from_secs(3)));
    }

    #[test]
    fn decimal_seconds_say_why_not() {
        let secs = ValueType::from_schema("seconds", Some("0.1..10000")).unwrap();
        assert_eq!(
            secs.parse("0.05").unwrap_err(),
            "value 0.05 is not within range (0.1..10000)"
        );
        assert_eq!(
            secs.parse("10000.5").unwrap_err(),
            "value 10000.5 is not within range (0.1..10000)"
        );
        assert_eq!(
            secs.parse("0.1234").unwrap_err(),
            "value 0.1234 has more than 3 decimal places"
        );
        for bad in [
            "",
            ".5",
            "1.",
            "-1",
            "1e3",
            "0x10",
            "1.2.3",
            " 1",
            "99999999999999",
        ] {
            assert!(secs.parse(bad).is_err(), "{bad:?}");
        }
        assert!(ValueType::from_schema("seconds", Some("5..1")).is_err());
        assert!(ValueType::from_schema("seconds", None).is_err());
        assert_eq!(secs.placeholder(), "<seconds>");
        assert!(secs.choices().is_empty());
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(
            ValueType::Vlan.parse("5000").unwrap_err(),
            "value 5000 is not within range (1..4094)"
        );
        assert!(ValueType::Asn.parse("0").is_err());
        assert!(ValueType::InstanceName.parse("default").is_err());
        assert!(ValueType::InstanceName.parse("a:b").is_err());
        assert!(ValueType::InstanceName.parse(&"x".repeat(129)).is_err());
        assert!(ValueType::Ifname.parse("averyveryverylongname").is_err());
        assert!(ValueType::LinuxIfname.parse("ge-0/0/1").is_err());
        // Junos takes underscores in host names (lab routers are often `vmx_1`).
        assert!(ValueType::Hostname.parse("mx_lab-01.fra").is_ok());
        assert!(ValueType::Hostname.parse("mx lab").is_err());
        for (name, port) in [
            ("ge-0/0/0", true),
            ("xe-1/2/3:1", true),
            ("et-0/0/10", true),
            ("eth1", false),
            ("ge-0/0", false),
            ("ge-0/0/0:", false),
            ("10.0.0.0/8", false),
        ] {
            assert_eq!(is_junos_port(name), port, "{name}");
            assert_eq!(
                ValueType::Ifname.parse(name).is_ok(),
                port || name == "eth1",
                "{name}"
            );
        }
        assert!(ValueType::HoldTime.parse("2").is_err());
        assert!(ValueType::Community.parse("70000:1").is_err());
        assert!(ValueType::Rd.parse("65000").is_err());
        // Extended communities hold what their encoding can carry.
        assert!(ValueType::Community.parse("target:192.0.2.1:7").is_ok());
        assert!(ValueType::Community
            .parse("target:192.0.2.1:70000")
            .is_err());
        assert!(ValueType::Community
            .parse("target:65000:4000000000")
            .is_ok());
        assert!(ValueType::Community
            .parse("target:4200000000:70000")
            .is_err());
        assert!(!is_community_pattern("target:192.0.2.1:7"));
        assert!(is_community_pattern("^65000:.*$") && is_community_pattern("*:*"));
    }

    #[test]
    fn secrets_are_printable_ascii_and_round_trip() {
        for key in ["abcdefgh", "with space", "~!@#$%^&*()_+{}|:<>?"] {
            let enc = parse_secret(key).unwrap();
            assert_eq!(secret::decode(&enc).unwrap(), key);
        }
        for bad in ["€uro", "\u{800}", "tab\there", "new\nline", ""] {
            assert!(parse_secret(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("abc"), "abc");
        assert_eq!(quote("a b"), "\"a b\"");
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("inactive:"), "\"inactive:\"");
        assert_eq!(quote("/*x"), "\"/*x\"");
    }
}
