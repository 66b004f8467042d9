//! The one authorization gate: who a connection is, and what it may do.
//!
//! ```text
//!  SO_PEERCRED uid ─► Unix user name ─► active `system login user U class C` (Running::logins)
//!                                        ─► class: logical system + permission flags
//!                                        = Principal  (uid 0: the operator, every permission)
//! ```
//! A [`Principal`] is resolved from the running snapshot for every request: a user deleted,
//! deactivated or moved to another class by a commit is refused on their next request (the
//! server closes such a session), never served with the rights they had.
//!
//! Every question "may this user do this" is a method here, asked by the command handlers
//! (operational commands, configuration mode), the commit pipeline (which hierarchies a commit
//! changes) and completion (which commands are offered). What a principal may *see* is its view:
//! a tenant's view is its logical system, and paths, completions, histories and show filters
//! are computed inside that view, so names outside it do not exist for the tenant.
//!
//! Junos semantics: permission flags come from the class (`permissions [ view configure ]`);
//! `all` grants everything; a class without `logical-system` is master-level, still bounded by
//! its flags. Changing a hierarchy needs its control flag (`interfaces` → `interface-control`,
//! routing hierarchies → `routing-control`, `system login` → `admin-control`, the rest of
//! `system` → `system-control`), entering configuration mode needs `configure`.

use std::collections::BTreeSet;

use lsys_grammar::typed::{ClassLimits, CommandFilters};
use lsys_grammar::view::View;

use crate::running::Running;

/// Why a connection is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("uid {0} has no user name")]
    NoName(u32),
    #[error("user '{0}' is not configured on this router (no 'system login user {0}')")]
    NotConfigured(String),
    #[error("user '{user}': login class '{class}' is not configured")]
    NoClass { user: String, class: String },
}

/// A request the gate turned down (shown as `error: permission denied: ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("permission denied: {what} needs the '{flag}' permission")]
pub struct Denied {
    pub what: String,
    pub flag: &'static str,
}

/// An authenticated user with its rights, as of one running snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub uid: u32,
    pub user: String,
    pub class: Option<String>,
    /// Where the class confines the user (`None`: master level).
    pub logical_system: Option<String>,
    permissions: BTreeSet<String>,
    /// The operator's bounds for the class (`lsys-limits`); `None`s take lsysd's defaults.
    pub limits: ClassLimits,
    /// The class's `deny-commands` / `allow-commands` expressions.
    pub commands: CommandFilters,
}

impl Principal {
    /// Resolves `user` (the name of `uid`) against the running configuration.
    pub fn resolve(running: &Running, uid: u32, user: &str) -> Result<Principal, Refused> {
        if uid == 0 {
            return Ok(Principal {
                uid,
                user: user.to_string(),
                class: None,
                logical_system: None,
                permissions: ["all".to_string()].into(),
                limits: ClassLimits::default(),
                commands: CommandFilters::default(),
            });
        }
        let Some(u) = running.logins.users.get(user) else {
            return Err(Refused::NotConfigured(user.to_string()));
        };
        let Some((class, c)) = running.logins.resolve(user) else {
            return Err(Refused::NoClass {
                user: user.to_string(),
                class: u.class.clone(),
            });
        };
        Ok(Principal {
            uid,
            user: user.to_string(),
            class: Some(class.to_string()),
            logical_system: c.logical_system.clone(),
            permissions: c.permissions.clone(),
            limits: c.limits,
            commands: c.command_filters.clone(),
        })
    }

    /// Looks up the user name of `uid` in the system's user database.
    pub fn user_name(uid: u32) -> Result<String, Refused> {
        nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten()
            .map(|u| u.name)
            .ok_or(Refused::NoName(uid))
    }

    /// Whether the class's `deny-commands` refuses an operational command. Junos semantics: the
    /// expression is matched against the command (keywords in full, as `show route
    /// forwarding-table`); a command `allow-commands` also matches stays allowed (allow takes
    /// precedence). `allow-commands` does not widen what the permission flags grant. The
    /// expressions were checked when the configuration was committed; one that does not
    /// compile denies nothing.
    pub fn command_denied(&self, command: &str) -> bool {
        let matches = |re: &Option<String>| {
            re.as_deref()
                .and_then(|r| regex::Regex::new(r).ok())
                .is_some_and(|r| r.is_match(command))
        };
        matches(&self.commands.deny_commands) && !matches(&self.commands.allow_commands)
    }

    /// The operator: master level (a class without a logical system, or root).
    pub fn is_master(&self) -> bool {
        self.logical_system.is_none()
    }

    /// The largest text one `load` may send, in bytes.
    pub fn load_size(&self, default: usize) -> usize {
        self.limits.load_size.map_or(default, |n| n as usize)
    }

    /// Sessions one user of this class may have open at once.
    pub fn sessions(&self, default: usize) -> usize {
        self.limits.sessions.map_or(default, |n| n as usize)
    }

    /// The view a new session of this principal starts in.
    pub fn home_view(&self) -> View {
        match &self.logical_system {
            Some(ls) => View::tenant(ls.clone()),
            None => View::operator(),
        }
    }

    /// True when the class grants `flag` (directly, through `all`, or through its control
    /// flag: `interface-control` includes `interface`).
    pub fn has(&self, flag: &str) -> bool {
        self.permissions.contains("all")
            || self.permissions.contains(flag)
            || self.permissions.contains(&format!("{flag}-control"))
    }

    fn need(&self, flag: &'static str, what: impl Into<String>) -> Result<(), Denied> {
        if self.has(flag) {
            Ok(())
        } else {
            Err(Denied {
                what: what.into(),
                flag,
            })
        }
    }

    /// Operational `show` commands.
    pub fn may_view(&self) -> Result<(), Denied> {
        self.need("view", "show")
    }

    /// `show configuration` (and `show` in configuration mode).
    pub fn may_view_configuration(&self) -> Result<(), Denied> {
        if self.has("configure") {
            return Ok(());
        }
        self.need("view-configuration", "viewing the configuration")
    }

    /// `configure`: entering configuration mode.
    pub fn may_configure(&self) -> Result<(), Denied> {
        self.need("configure", "configuration mode")
    }

    /// `ping`, `traceroute`.
    pub fn may_use_network(&self) -> Result<(), Denied> {
        self.need("network", "this command")
    }

    /// `clear bgp neighbor` (Junos's `clear` flag).
    pub fn may_clear(&self) -> Result<(), Denied> {
        self.need("clear", "this command")
    }

    /// `set cli logical-system`: the operator entering a logical system.
    pub fn may_enter_logical_systems(&self) -> Result<(), Denied> {
        if !self.is_master() {
            return Err(Denied {
                what: "entering a logical system".into(),
                flag: "all",
            });
        }
        self.need("all", "entering a logical system")
    }

    /// Changing the statements under `words` (an absolute path; `logical-systems NAME` is
    /// skipped, so a hierarchy needs the same flag at the root and in a logical system).
    pub fn may_change(&self, words: &[String]) -> Result<(), Denied> {
        let rest = match words.first().map(String::as_str) {
            Some("logical-systems") => words.get(2..).unwrap_or(&[]),
            _ => words,
        };
        let flag = control_flag(rest);
        let what = match rest.first() {
            Some(w) => format!("changing [edit {w}]"),
            None => "changing the configuration".into(),
        };
        self.need("configure", what.clone())?;
        self.need(flag, what)
    }

    /// Whether the command (its canonical name from the command schema) is offered in
    /// completion: commands a principal may not run are not listed.
    pub fn offers(&self, command: &str) -> bool {
        match command.split(' ').next().unwrap_or("") {
            "configure" => self.may_configure().is_ok(),
            "ping" | "traceroute" => self.may_use_network().is_ok(),
            "clear" => self.has("clear") || command == "clear cli",
            "show" => self.may_view().is_ok() || self.may_view_configuration().is_ok(),
            _ => true,
        }
    }
}

/// The permission flag that guards changes to a hierarchy.
fn control_flag(words: &[String]) -> &'static str {
    match words.first().map(String::as_str) {
        Some("interfaces" | "bridge-domains") => "interface-control",
        Some("routing-options" | "protocols" | "policy-options" | "routing-instances") => {
            "routing-control"
        }
        Some("system") if words.get(1).map(String::as_str) == Some("login") => "admin-control",
        Some("system") => "system-control",
        Some("firewall") => "firewall-control",
        _ => "configure",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use lsys_grammar::schema::ROOT;
    use lsys_grammar::text::curly;

    use super::*;

    fn running(text: &str) -> Running {
        Running::new(Arc::new(curly::read(text, ROOT).unwrap()), 1, None)
    }

    const CONF: &str = "system { login {
        class ro { permissions view; }
        class ops { permissions [ configure routing-control view ]; }
        class t { logical-system l2; permissions all; }
        user viewer { class ro; }
        user ops { class ops; }
        user tenant { class t; }
        inactive: user ghost { class t; }
    } }
    logical-systems { l2 { } }";

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn a_view_only_class_cannot_configure() {
        let r = running(CONF);
        let p = Principal::resolve(&r, 1000, "viewer").unwrap();
        assert!(p.may_view().is_ok());
        assert!(p.may_configure().is_err());
        assert!(!p.offers("configure"));
        assert!(p.may_change(&words("routing-options static")).is_err());
    }

    #[test]
    fn control_flags_guard_hierarchies() {
        let r = running(CONF);
        let p = Principal::resolve(&r, 1001, "ops").unwrap();
        assert!(p.is_master());
        assert!(p.may_configure().is_ok());
        assert!(p.may_change(&words("routing-options static")).is_ok());
        assert!(p
            .may_change(&words("logical-systems l2 protocols bgp"))
            .is_ok());
        let e = p.may_change(&words("interfaces eth1")).unwrap_err();
        assert_eq!(e.flag, "interface-control");
        assert!(p.may_change(&words("system login user x")).is_err());
        assert!(p.may_enter_logical_systems().is_err());
    }

    #[test]
    fn identity_comes_from_active_statements() {
        let r = running(CONF);
        let t = Principal::resolve(&r, 1002, "tenant").unwrap();
        assert_eq!(t.logical_system.as_deref(), Some("l2"));
        assert!(t.may_enter_logical_systems().is_err());
        assert_eq!(
            Principal::resolve(&r, 1003, "ghost"),
            Err(Refused::NotConfigured("ghost".into()))
        );
        assert!(Principal::resolve(&r, 0, "root").unwrap().has("anything"));
    }

    #[test]
    fn deny_commands_narrow_and_allow_commands_win() {
        let r = running(
            "system { login {
                class t { logical-system l2; permissions all;
                          deny-commands \"^(ping|traceroute|show route)\";
                          allow-commands \"^show route summary$\"; }
                user tenant { class t; }
            } }
            logical-systems { l2 { } }",
        );
        let p = Principal::resolve(&r, 2001, "tenant").unwrap();
        assert!(p.command_denied("ping"));
        assert!(p.command_denied("show route forwarding-table"));
        assert!(!p.command_denied("show route summary"));
        assert!(!p.command_denied("show interfaces"));
        let root = Principal::resolve(&r, 0, "root").unwrap();
        assert!(!root.command_denied("ping"));
    }
}
