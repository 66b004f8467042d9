//! Login users and classes, from the active `system login` statements only: the input of the
//! daemon's authorization gate. Cheap (walks `system login` alone), so the daemon computes it
//! for every running configuration.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::tree::Node;

/// `system login user NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LoginUser {
    pub class: String,
}

/// `system login class NAME` (or one of Junos's predefined classes).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LoginClass {
    pub logical_system: Option<String>,
    pub permissions: BTreeSet<String>,
    /// `lsys-limits`: bounds the operator sets on one user of the class (`None`: lsysd's
    /// defaults).
    #[serde(default)]
    pub limits: ClassLimits,
    /// `idle-timeout N`: minutes a session may stay idle.
    #[serde(default)]
    pub idle_timeout: Option<u32>,
    /// `allow-commands "RE"`, `deny-commands "RE"`, `allow-configuration "RE"`,
    /// `deny-configuration "RE"`: lsysd's gate applies deny-commands (with allow-commands
    /// as its exception); the configuration expressions are stored only (lsys.conf(5)).
    #[serde(default)]
    pub command_filters: CommandFilters,
}

/// The regular expressions of a login class that widen or narrow what its permission flags
/// allow (Junos matches them against the command line and the configuration path).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CommandFilters {
    pub allow_commands: Option<String>,
    pub deny_commands: Option<String>,
    pub allow_configuration: Option<String>,
    pub deny_configuration: Option<String>,
}

/// `system login class NAME lsys-limits { ... }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClassLimits {
    /// The largest text one `load` may send, in bytes.
    pub load_size: Option<u32>,
    /// Sessions one user may have open at once.
    pub sessions: Option<u32>,
    /// The largest `count` one `ping` may ask for.
    pub ping_count: Option<u32>,
}

/// Every active user and class.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Logins {
    pub users: BTreeMap<String, LoginUser>,
    pub classes: BTreeMap<String, LoginClass>,
}

/// Junos's predefined classes, used when a user names a class that is not configured (an
/// active configured class of the same name wins).
pub fn predefined_class(name: &str) -> Option<&'static LoginClass> {
    static CLASSES: OnceLock<BTreeMap<&'static str, LoginClass>> = OnceLock::new();
    CLASSES
        .get_or_init(|| {
            let class = |flags: &[&str]| LoginClass {
                permissions: flags.iter().map(|f| f.to_string()).collect(),
                ..LoginClass::default()
            };
            BTreeMap::from([
                ("super-user", class(&["all"])),
                (
                    "operator",
                    class(&["clear", "network", "reset", "trace", "view"]),
                ),
                ("read-only", class(&["view"])),
                ("unauthorized", class(&[])),
            ])
        })
        .get(name)
}

impl Logins {
    /// The class of `user`: (class name, class), configured or predefined; `None` when the user
    /// is not configured (or inactive) or its class is neither configured (active) nor
    /// predefined.
    pub fn resolve(&self, user: &str) -> Option<(&str, &LoginClass)> {
        let u = self.users.get(user)?;
        let class = self
            .classes
            .get(&u.class)
            .or_else(|| predefined_class(&u.class))?;
        Some((u.class.as_str(), class))
    }
}

/// The users and classes of the active `system login` statements of `root` (configuration
/// groups applied).
pub fn logins(root: &Node) -> Logins {
    let root = &*crate::groups::expand_only(root, &["system"]);
    let mut out = Logins::default();
    let Some(login) = root
        .get("system")
        .filter(|s| !s.inactive)
        .and_then(|s| s.get("login"))
        .filter(|l| !l.inactive)
    else {
        return out;
    };
    for c in login.list("class").filter(|c| !c.inactive) {
        let name = c.key.clone().unwrap_or_default();
        let active = |word: &str| c.get(word).filter(|n| !n.inactive);
        let value = |word: &str| active(word).and(c.leaf(word)).map(str::to_string);
        out.classes.insert(
            name,
            LoginClass {
                logical_system: active("logical-system")
                    .and(c.leaf("logical-system"))
                    .map(str::to_string),
                permissions: active("permissions")
                    .map(|_| c.leaf_list("permissions").iter().cloned().collect())
                    .unwrap_or_default(),
                limits: active("lsys-limits")
                    .map(|l| {
                        let l = l.active();
                        let num = |w: &str| l.leaf(w).and_then(|v| v.parse().ok());
                        ClassLimits {
                            load_size: num("load-size"),
                            sessions: num("sessions"),
                            ping_count: num("ping-count"),
                        }
                    })
                    .unwrap_or_default(),
                idle_timeout: value("idle-timeout").and_then(|v| v.parse().ok()),
                command_filters: CommandFilters {
                    allow_commands: value("allow-commands"),
                    deny_commands: value("deny-commands"),
                    allow_configuration: value("allow-configuration"),
                    deny_configuration: value("deny-configuration"),
                },
            },
        );
    }
    for u in login.list("user").filter(|u| !u.inactive) {
        let Some(class) = u.get("class").filter(|n| !n.inactive).and(u.leaf("class")) else {
            continue;
        };
        out.users.insert(
            u.key.clone().unwrap_or_default(),
            LoginUser {
                class: class.to_string(),
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ROOT;
    use crate::text::curly;

    #[test]
    fn only_active_statements_count() {
        let root = curly::read(
            "system { login {
                class t { logical-system l2; permissions all; }
                inactive: class gone { permissions all; }
                user a { class t; }
                inactive: user b { class t; }
                user c { class gone; }
                user d { class read-only; }
            } }",
            ROOT,
        )
        .unwrap();
        let l = logins(&root);
        let (name, class) = l.resolve("a").unwrap();
        assert_eq!(name, "t");
        assert_eq!(class.logical_system.as_deref(), Some("l2"));
        assert!(l.resolve("b").is_none());
        assert!(
            l.resolve("c").is_none(),
            "a deactivated class gives nothing"
        );
        let (_, ro) = l.resolve("d").unwrap();
        assert_eq!(ro.permissions, ["view".to_string()].into());
    }

    #[test]
    fn predefined_classes_apply_when_not_configured() {
        let root = curly::read(
            "system { login {
                class operator { permissions [ view configure ]; }
                user su { class super-user; }
                user op { class operator; }
                user ro { class read-only; }
                user no { class unauthorized; }
                user x { class nowhere; }
            } }",
            ROOT,
        )
        .unwrap();
        let l = logins(&root);
        let flags = |u: &str| {
            let (_, c) = l.resolve(u).unwrap();
            c.permissions.iter().cloned().collect::<Vec<_>>().join(" ")
        };
        assert_eq!(flags("su"), "all");
        assert_eq!(flags("op"), "configure view", "a configured class wins");
        assert_eq!(flags("ro"), "view");
        assert_eq!(flags("no"), "");
        assert!(l.resolve("x").is_none(), "an unknown class gives nothing");
        assert!(l.resolve("nobody").is_none());
        assert_eq!(
            predefined_class("operator").unwrap().permissions,
            ["clear", "network", "reset", "trace", "view"]
                .map(String::from)
                .into()
        );
        assert!(predefined_class("super-user")
            .unwrap()
            .logical_system
            .is_none());
    }

    #[test]
    fn inactive_parts_of_classes_and_users_do_not_count() {
        let root = curly::read(
            "system { login {
                class t { inactive: logical-system l2; inactive: permissions all; }
                user a { inactive: class t; }
                user b { class t; }
            } }",
            ROOT,
        )
        .unwrap();
        let l = logins(&root);
        assert!(!l.users.contains_key("a"), "no active class: cannot log in");
        let (_, t) = l.resolve("b").unwrap();
        assert_eq!(t, &LoginClass::default());
        for text in [
            "inactive: system { login { user a { class super-user; } } }",
            "system { inactive: login { user a { class super-user; } } }",
        ] {
            let l = logins(&curly::read(text, ROOT).unwrap());
            assert_eq!(l, Logins::default(), "{text}");
        }
    }

    #[test]
    fn every_junos_permission_flag_is_accepted() {
        const FLAGS: &str = "all admin admin-control clear configure control field firewall \
            firewall-control interface interface-control maintenance network reset rollback \
            routing routing-control secret secret-control security security-control shell snmp \
            snmp-control system system-control trace trace-control view view-configuration";
        let text = format!("system {{ login {{ class c {{ permissions [ {FLAGS} ]; }} }} }}");
        let l = logins(&curly::read(&text, ROOT).unwrap());
        let want: BTreeSet<String> = FLAGS.split_whitespace().map(String::from).collect();
        assert_eq!(want.len(), 30);
        assert_eq!(l.classes["c"].permissions, want);
        assert!(curly::read("system { login { class c { permissions bogus; } } }", ROOT).is_err());
    }

    #[test]
    fn class_limits_come_from_active_statements() {
        let root = curly::read(
            "system { login {
                class t { permissions all; lsys-limits { load-size 4096; inactive: sessions 2; ping-count 50; } }
                user a { class t; }
            } }",
            ROOT,
        )
        .unwrap();
        let l = logins(&root);
        let (_, c) = l.resolve("a").unwrap();
        assert_eq!(c.limits.load_size, Some(4096));
        assert_eq!(c.limits.ping_count, Some(50));
        assert_eq!(c.limits.sessions, None);
    }
}
