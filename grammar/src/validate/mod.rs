//! Commit checks, reported in the Junos layout.
//!
//! ```text
//!  validate(root) ──► for each scope (root, every logical system):
//!                       refs::check      generic walk of the tree: @ref / @unitref / @mandatory
//!                       routing::check   rib names, the family of static routes and next hops
//!                       typed::scope ──► semantic::check   routing instances, bridge domains,
//!                                                          BGP, interface addresses
//!                                    └─► policy::check     route-filter lengths
//!                     global::check      index built once: logical interfaces and VLANs
//!                                        claimed across all logical systems
//!                     ports::check       each logical system uses only ports the operator
//!                                        configured (at the root or with @operator statements)
//!                     ports::check_root  Junos port names have a linux-name, devices unique
//!  validate_scope(root, ls) ──► the same for one scope; global::check only reports that scope;
//!                               ports::check runs for that logical system — and for the root
//!                               scope, for every logical system (a port deleted at the root
//!                               is taken from the tenants that relied on it)
//! ```
//! Both run on the configuration with groups applied ([`crate::groups::expand`]): an error in
//! an inherited statement is reported where it is inherited (Junos does the same); references
//! to groups are checked on the tree as written ([`crate::groups::check`]).
//! Inactive statements are ignored everywhere. Every error found is reported (sorted by path,
//! statement and message), so a full `validate` reports exactly the union of what
//! `validate_scope` reports for each scope.

mod global;
mod policy;
mod ports;
mod refs;
mod routing;
mod semantic;

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::schema::Schema;
use crate::tree::Node;
use crate::types::quote;

/// One failed check: where (`[edit <path>]`), which statement, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CheckError {
    /// Edit-path words of the statement's parent (keys quoted as in `[edit ...]`).
    pub path: Vec<String>,
    /// The statement, e.g. `neighbor 10.0.0.1`.
    pub statement: String,
    /// One or more lines.
    pub message: String,
    /// What a tenant is told instead, when `message` speaks of other logical systems.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_message: Option<String>,
}

/// All failed checks of one commit, in a stable order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CheckErrors(pub Vec<CheckError>);

impl CheckErrors {
    /// The same errors with `prefix` (e.g. `["logical-systems", "l2"]`) stripped from every
    /// path that starts with it: what a tenant sees from inside its logical system.
    pub fn relative_to(&self, prefix: &[String]) -> CheckErrors {
        CheckErrors(
            self.0
                .iter()
                .map(|e| {
                    let mut e = e.clone();
                    if e.path.starts_with(prefix) {
                        e.path.drain(..prefix.len());
                    }
                    e
                })
                .collect(),
        )
    }

    /// What a tenant of the logical system at `prefix` sees: paths relative to it, and
    /// messages that do not tell it about other logical systems.
    pub fn for_tenant(&self, prefix: &[String]) -> CheckErrors {
        let mut out = self.relative_to(prefix);
        for e in &mut out.0 {
            if let Some(m) = e.tenant_message.take() {
                e.message = m;
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            writeln!(f, "[edit]")?;
        } else {
            writeln!(f, "[edit {}]", self.path.join(" "))?;
        }
        write!(f, "  '{}'", self.statement)?;
        for line in self.message.lines() {
            write!(f, "\n    {line}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CheckErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "{e}")?;
        }
        write!(f, "error: configuration check-out failed")
    }
}

impl std::error::Error for CheckErrors {}

/// Checks the whole configuration.
pub fn validate(raw: &Node) -> Result<(), CheckErrors> {
    let mut errs = Vec::new();
    crate::groups::check(raw, None, &mut errs);
    let root = &*crate::groups::expand(raw);
    check_scope(root, &[], true, &mut errs);
    ports::check_root(root, &mut errs);
    for (name, ls) in logical_systems(root) {
        check_scope(ls, &ls_prefix(name), false, &mut errs);
        ports::check(root, name, as_written(raw, name, ls), &mut errs);
    }
    global::check(root, None, &mut errs);
    finish(errs)
}

/// Logical system `name` as written (`expanded` is its expansion): the ports check asks which
/// operator-only statements the operator wrote there, not which ones a group gave it (a
/// wildcard group would otherwise mark every interface a tenant names).
fn as_written<'a>(raw: &'a Node, name: &str, expanded: &'a Node) -> &'a Node {
    raw.at(&crate::view::ls_path(name)).unwrap_or(expanded)
}

/// Checks the root's own statements (`None`) or one logical system, plus the global
/// cross-logical-system uniqueness checks as far as they concern that scope. For incremental
/// commits where every other scope is known to be valid. A logical system that is not
/// configured (or inactive) has nothing to check.
pub fn validate_scope(raw: &Node, logical_system: Option<&str>) -> Result<(), CheckErrors> {
    let mut errs = Vec::new();
    crate::groups::check(raw, logical_system, &mut errs);
    let root = &*crate::groups::expand(raw);
    match logical_system {
        None => {
            check_scope(root, &[], true, &mut errs);
            ports::check_root(root, &mut errs);
            for (name, ls) in logical_systems(root) {
                ports::check(root, name, as_written(raw, name, ls), &mut errs);
            }
        }
        Some(name) => {
            if let Some((_, ls)) = logical_systems(root).find(|(n, _)| *n == name) {
                check_scope(ls, &ls_prefix(name), false, &mut errs);
                ports::check(root, name, as_written(raw, name, ls), &mut errs);
            }
        }
    }
    global::check(root, Some(logical_system), &mut errs);
    finish(errs)
}

fn finish(mut errs: Vec<CheckError>) -> Result<(), CheckErrors> {
    if errs.is_empty() {
        return Ok(());
    }
    errs.sort_by(|a, b| {
        let path = a.path.iter().map(String::as_str);
        path.cmp_by_natural(b.path.iter().map(String::as_str))
            .then_with(|| natural(&a.statement, &b.statement))
            .then_with(|| a.message.cmp(&b.message))
    });
    errs.dedup();
    Err(CheckErrors(errs))
}

/// Compares words with digit runs taken as numbers (`unit 4` before `unit 33`).
fn natural(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let run = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
                let (i, j) = (run(x), run(y));
                let (m, n) = (trim_zeros(&x[..i]), trim_zeros(&y[..j]));
                let o = m.len().cmp(&n.len()).then_with(|| m.cmp(n));
                if o != Ordering::Equal {
                    return o;
                }
                x = &x[i..];
                y = &y[j..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let z = s.iter().take_while(|&&c| c == b'0').count();
    &s[z..]
}

/// Natural order of edit paths, word by word.
trait NaturalPath<'a>: Iterator<Item = &'a str> + Sized {
    fn cmp_by_natural(mut self, mut other: impl Iterator<Item = &'a str>) -> Ordering {
        loop {
            match (self.next(), other.next()) {
                (None, None) => return Ordering::Equal,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (Some(a), Some(b)) => match natural(a, b) {
                    Ordering::Equal => {}
                    o => return o,
                },
            }
        }
    }
}

impl<'a, I: Iterator<Item = &'a str>> NaturalPath<'a> for I {}

/// Active logical systems with their names, in configuration order.
fn logical_systems(root: &Node) -> impl Iterator<Item = (&str, &Node)> {
    root.get("logical-systems")
        .filter(|n| !n.inactive)
        .into_iter()
        .flat_map(|n| n.children.iter())
        .filter(|n| !n.inactive)
        .map(|n| (n.key.as_deref().unwrap_or_default(), n))
}

fn ls_prefix(name: &str) -> Vec<String> {
    vec!["logical-systems".to_string(), quote(name)]
}

/// The checks confined to one scope (`node` is the root or a logical-system entry).
fn check_scope(node: &Node, prefix: &[String], is_root: bool, errs: &mut Vec<CheckError>) {
    let skip = is_root
        .then(|| Schema::get().child_by_word(node.schema, "logical-systems"))
        .flatten();
    refs::check(node, prefix, skip, errs);
    routing::check(node, prefix, errs);
    match crate::typed::scope(node) {
        Ok(scope) => {
            semantic::check(&scope, prefix, errs);
            policy::check(&scope.policy_options, prefix, errs);
        }
        Err(e) => {
            let mut path = prefix.to_vec();
            path.extend(e.path);
            errs.push(CheckError {
                path,
                statement: e.statement,
                message: e.message,
                tenant_message: None,
            });
        }
    }
}

/// Builds an error; `path` words are joined with the scope prefix by the caller.
fn error(
    path: Vec<String>,
    statement: impl Into<String>,
    message: impl Into<String>,
) -> CheckError {
    CheckError {
        path,
        statement: statement.into(),
        message: message.into(),
        tenant_message: None,
    }
}

/// `prefix` followed by `words`.
fn at(prefix: &[String], words: &[&str]) -> Vec<String> {
    let mut p = prefix.to_vec();
    p.extend(words.iter().map(|w| w.to_string()));
    p
}
