//! Scopes and the byte layout of every key (see the crate doc for the table).
//!
//! Components are separated by a NUL byte; logical-system names may not contain NUL, so a
//! prefix of one scope never matches another. Sequence numbers and session ids are big-endian
//! so that byte order is numeric order.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Whose configuration: the operator's (`Root`) or one logical system's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// The operator's configuration (everything outside `logical-systems`).
    Root,
    /// The configuration of one logical system, by name.
    LogicalSystem(String),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Root => f.write_str("root"),
            Scope::LogicalSystem(n) => write!(f, "logical-system {n}"),
        }
    }
}

impl Scope {
    /// The stable key encoding: `R` for root, `L<name>` for a logical system.
    pub fn key(&self) -> Result<Vec<u8>> {
        match self {
            Scope::Root => Ok(b"R".to_vec()),
            Scope::LogicalSystem(n) => {
                if n.is_empty() {
                    return Err(Error::InvalidScope {
                        name: n.clone(),
                        reason: "empty logical-system name",
                    });
                }
                if n.contains('\0') {
                    return Err(Error::InvalidScope {
                        name: n.clone(),
                        reason: "NUL byte in logical-system name",
                    });
                }
                let mut k = Vec::with_capacity(n.len() + 1);
                k.push(b'L');
                k.extend_from_slice(n.as_bytes());
                Ok(k)
            }
        }
    }

    /// Inverse of [`Scope::key`].
    pub fn from_key(key: &[u8]) -> Option<Scope> {
        match key.split_first()? {
            (b'R', []) => Some(Scope::Root),
            (b'L', name) if !name.is_empty() && !name.contains(&0) => {
                String::from_utf8(name.to_vec())
                    .ok()
                    .map(Scope::LogicalSystem)
            }
            _ => None,
        }
    }
}

pub(crate) const FORMAT: &[u8] = b"meta\0format";
pub(crate) const SEQ: &[u8] = b"meta\0seq";
pub(crate) const TABLE_STATE: &[u8] = b"tbl\0state";
pub(crate) const TABLE_OWNER_PREFIX: &[u8] = b"tbl\0own\0";
pub(crate) const HEAD_PREFIX: &[u8] = b"head\0";
pub(crate) const LOCK_PREFIX: &[u8] = b"lock\0";

fn join(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(&0u8)
}

pub(crate) fn head(scope: &Scope) -> Result<Vec<u8>> {
    Ok(join(&[b"head", &scope.key()?]))
}

pub(crate) fn born(scope: &Scope) -> Result<Vec<u8>> {
    Ok(join(&[b"born", &scope.key()?]))
}

pub(crate) fn hist_prefix(scope: &Scope) -> Result<Vec<u8>> {
    let mut k = join(&[b"hist", &scope.key()?]);
    k.push(0);
    Ok(k)
}

pub(crate) fn hist(scope: &Scope, seq: u64) -> Result<Vec<u8>> {
    let mut k = hist_prefix(scope)?;
    k.extend_from_slice(&seq.to_be_bytes());
    Ok(k)
}

pub(crate) fn shared_candidate(scope: &Scope) -> Result<Vec<u8>> {
    Ok(join(&[b"cand", &scope.key()?]))
}

pub(crate) fn private_prefix(session: u64) -> Vec<u8> {
    let mut k = join(&[b"priv", &session.to_be_bytes()]);
    k.push(0);
    k
}

pub(crate) fn private_candidate(scope: &Scope, session: u64) -> Result<Vec<u8>> {
    let mut k = private_prefix(session);
    k.extend_from_slice(&scope.key()?);
    Ok(k)
}

pub(crate) fn lock(scope: &Scope) -> Result<Vec<u8>> {
    Ok(join(&[b"lock", &scope.key()?]))
}

pub(crate) fn confirm(scope: &Scope) -> Result<Vec<u8>> {
    Ok(join(&[b"cnfm", &scope.key()?]))
}

pub(crate) fn table_owner(owner: &str) -> Vec<u8> {
    join(&[b"tbl\0own", owner.as_bytes()])
}

/// A key in human-readable form for error messages (NUL shown as `/`, binary as escapes).
pub(crate) fn show(key: &[u8]) -> String {
    key.iter()
        .map(|&b| match b {
            0 => "/".to_string(),
            0x20..=0x7e => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_key_round_trip() {
        for s in [Scope::Root, Scope::LogicalSystem("ls-a_1".into())] {
            assert_eq!(Scope::from_key(&s.key().unwrap()), Some(s));
        }
        assert!(Scope::LogicalSystem(String::new()).key().is_err());
        assert!(Scope::LogicalSystem("a\0b".into()).key().is_err());
        assert_eq!(Scope::from_key(b"X"), None);
    }

    #[test]
    fn prefixes_do_not_overlap() {
        let a = Scope::LogicalSystem("a".into());
        let ab = Scope::LogicalSystem("ab".into());
        assert!(!hist(&ab, 1).unwrap().starts_with(&hist_prefix(&a).unwrap()));
        assert!(hist(&a, 1).unwrap() < hist(&a, 256).unwrap());
        assert_eq!(show(&head(&a).unwrap()), "head/La");
        assert_eq!(show(&born(&a).unwrap()), "born/La");
        assert_eq!(table_owner("x"), b"tbl\0own\0x".to_vec());
        assert!(table_owner("x").starts_with(TABLE_OWNER_PREFIX));
    }
}
