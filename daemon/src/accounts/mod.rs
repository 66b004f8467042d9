//! `system login` as Unix accounts (`lsysd --manage-accounts`): the plan, pure.
//!
//! ```text
//!  configured users (root `system login user`) ─┐
//!                                               ├─► plan ─► steps: create…, modify…, delete… (last)
//!  observed accounts (passwd, shadow, key files) ┘        └─► refusals (a foreign name, a bad uid)
//! ```
//! An account is lsys's when its GECOS field is [`MARKER`] (`lsys-managed`, optionally followed
//! by `,something`); every other account — root, daemon, a user someone made with useradd —
//! is foreign: never changed, never deleted, and a configured user of that name is refused.
//! A managed account has the primary group [`GROUP`], the home [`HOME`] (`/nonexistent`: an
//! lsys user owns no files, and the state directory, 0700, could not hold homes it may enter),
//! the login shell lsysd was given, the configured `encrypted-password` in shadow (`*`, no password
//! but not locked, without one), and its `ssh-rsa`/`ssh-ecdsa`/`ssh-ed25519` keys in `KEYS_DIR/USER`, a file
//! sshd reads through `AuthorizedKeysFile` (see [`unix`]).
//!
//! The Unix side sits behind [`System`] (injected at construction; [`unix::Unix`] runs the
//! `passwd` package's tools), so the subsystem (`crate::actors::accounts`) is tested with a
//! fake one and this module with plain values.

pub mod unix;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use lsys_grammar::typed::User;

/// The GECOS field of every account lsys manages.
pub const MARKER: &str = "lsys-managed";
/// The primary group of every account lsys manages (a system group, created when missing).
pub const GROUP: &str = "lsys-users";
/// The home directory of every account lsys manages.
pub const HOME: &str = "/nonexistent";
/// The shadow password field of an account without `encrypted-password`: no password can
/// match, but the account is not locked (`!` would be: sshd without PAM then refuses even a
/// valid key), so a key-only user logs in over ssh.
pub const LOCKED: &str = "*";

/// Where managed accounts point (lsysd's `--login-shell` and `--keys-dir`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub shell: String,
    pub keys_dir: std::path::PathBuf,
}

/// A Unix account's attributes, as lsys wants them or as found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Account {
    /// `None` (wanted only): whatever uid useradd picks, or the one it has.
    pub uid: Option<u32>,
    /// `None` (wanted only): the [`GROUP`] group.
    pub gid: Option<u32>,
    pub gecos: String,
    pub home: String,
    pub shell: String,
    /// The shadow password field: a crypt(3) hash or [`LOCKED`].
    pub password: String,
    /// The authorized keys file's lines; `None`: no file.
    pub keys: Option<Vec<String>>,
}

/// An account in the system's user database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub account: Account,
    /// Its GECOS field carries [`MARKER`]: lsys made it and may change or delete it.
    pub managed: bool,
}

/// What the system holds: every local account (and any other the name service knows by a
/// configured name or uid), and the gid of [`GROUP`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub accounts: BTreeMap<String, Found>,
    pub group: Option<u32>,
}

/// The system's user database and key files (injected: [`unix::Unix`] is the real one).
/// Every change is all or nothing: a step that fails leaves that account as it was.
pub trait System: Send {
    /// Every local account, and any other the name service knows by one of `names` or
    /// `uids` (foreign: lsys changes only local accounts); managed ones with their shadow
    /// password and key file.
    fn observe(&self, names: &BTreeSet<String>, uids: &BTreeSet<u32>) -> Result<Observed, String>;
    /// Creates the [`GROUP`] group (a system group).
    fn add_group(&mut self) -> Result<(), String>;
    fn remove_group(&mut self) -> Result<(), String>;
    fn create(&mut self, name: &str, account: &Account) -> Result<(), String>;
    /// Changes what differs between `from` (as the account is) and `to`.
    fn modify(&mut self, name: &str, from: &Account, to: &Account) -> Result<(), String>;
    /// Deletes the account and its key file (an account already gone is deleted).
    fn delete(&mut self, name: &str) -> Result<(), String>;
    /// Removes the files of the keys directory that are not the key file of one of `keep`
    /// (left by an account deleted behind lsys's back: a later foreign account of that name
    /// must not inherit them); returns their names.
    fn tidy_keys(&mut self, keep: &BTreeSet<String>) -> Result<Vec<String>, String>;
}

/// Whether a GECOS field marks an account as lsys's.
pub fn is_managed(gecos: &str) -> bool {
    gecos == MARKER
        || gecos
            .strip_prefix(MARKER)
            .is_some_and(|rest| rest.starts_with(','))
}

/// Whether `name` is a Unix user name lsys creates: `[a-z_][a-z0-9_-]*`, at most 32
/// characters (useradd's portable set; the schema's `username` type is the same).
pub fn valid_name(name: &str) -> bool {
    name.len() <= 32
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// One configured user as the account it asks for.
pub fn wanted(settings: &Settings, user: &User) -> Account {
    Account {
        uid: user.uid,
        gid: None,
        gecos: MARKER.into(),
        home: HOME.into(),
        shell: settings.shell.clone(),
        password: user
            .encrypted_password
            .clone()
            .unwrap_or_else(|| LOCKED.into()),
        keys: (!user.ssh_keys.is_empty()).then(|| user.ssh_keys.clone()),
    }
}

/// One change to the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Create {
        name: String,
        to: Account,
    },
    /// `from`: as found (what undo puts back); `to`: with its uid filled in.
    Modify {
        name: String,
        from: Account,
        to: Account,
    },
    /// `was`: as found (what undo recreates).
    Delete {
        name: String,
        was: Account,
    },
}

impl Step {
    pub fn name(&self) -> &str {
        match self {
            Step::Create { name, .. } | Step::Modify { name, .. } | Step::Delete { name, .. } => {
                name
            }
        }
    }
}

/// Why a configured user gets no account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "[edit system login]\n  'user {0}'\n    account {0} exists and is not managed by lsys"
    )]
    Foreign(String),
    #[error("[edit system login]\n  'user {0}'\n    '{0}' is not a valid Unix user name")]
    InvalidName(String),
    #[error("[edit system login user {name}]\n  'uid {uid}'\n    uid {uid} is already used by account {owner}")]
    UidUsed {
        name: String,
        uid: u32,
        owner: String,
    },
    #[error("[edit system login user {name}]\n  'uid {uid}'\n    uid {uid} is also configured for user {other}")]
    UidTwice {
        name: String,
        uid: u32,
        other: String,
    },
}

impl Refusal {
    pub fn user(&self) -> &str {
        match self {
            Refusal::Foreign(n) | Refusal::InvalidName(n) => n,
            Refusal::UidUsed { name, .. } | Refusal::UidTwice { name, .. } => name,
        }
    }
}

/// What to do: create [`GROUP`] first when `group`, then the steps in order (creations,
/// modifications, deletions last: a deletion is the one step undo cannot make exact).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub group: bool,
    pub steps: Vec<Step>,
    /// Configured users left as they are, and why.
    pub refused: Vec<Refusal>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        !self.group && self.steps.is_empty()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |k: fn(&Step) -> bool| self.steps.iter().filter(|s| k(s)).count();
        write!(
            f,
            "{} created, {} modified, {} deleted, {} refused",
            count(|s| matches!(s, Step::Create { .. })),
            count(|s| matches!(s, Step::Modify { .. })),
            count(|s| matches!(s, Step::Delete { .. })),
            self.refused.len()
        )
    }
}

/// The steps that bring the accounts of `only` (every account when `None`) to `users`:
/// configured users whose account is missing are created, managed accounts that differ are
/// modified, managed accounts no user asks for are deleted. Foreign accounts are never in a
/// step; a configured user that would need one (or a uid another account has) is refused.
pub fn plan(
    settings: &Settings,
    users: &[User],
    observed: &Observed,
    only: Option<&BTreeSet<String>>,
) -> Plan {
    let in_scope = |name: &str| only.is_none_or(|o| o.contains(name));
    let mut out = Plan::default();
    let mut creates = Vec::new();
    let mut modifies = Vec::new();
    let configured: BTreeSet<&str> = users.iter().map(|u| u.name.as_str()).collect();
    let mut uids: BTreeMap<u32, &str> = BTreeMap::new();
    for u in users {
        let name = u.name.as_str();
        // The first user configured with a uid keeps it; the next is refused.
        let twice = u.uid.and_then(|uid| match uids.get(&uid) {
            Some(other) => Some((uid, other.to_string())),
            None => {
                uids.insert(uid, name);
                None
            }
        });
        if !in_scope(name) {
            continue;
        }
        let found = observed.accounts.get(name);
        if !valid_name(name) {
            out.refused.push(Refusal::InvalidName(name.into()));
            continue;
        }
        if found.is_some_and(|f| !f.managed) {
            out.refused.push(Refusal::Foreign(name.into()));
            continue;
        }
        if let Some((uid, other)) = twice {
            out.refused.push(Refusal::UidTwice {
                name: name.into(),
                uid,
                other,
            });
            continue;
        }
        if let Some(uid) = u.uid {
            let owner = observed
                .accounts
                .iter()
                .find(|(n, f)| f.account.uid == Some(uid) && n.as_str() != name);
            if let Some((owner, _)) = owner {
                out.refused.push(Refusal::UidUsed {
                    name: name.into(),
                    uid,
                    owner: owner.clone(),
                });
                continue;
            }
        }
        let want = wanted(settings, u);
        match found {
            None => creates.push(Step::Create {
                name: name.into(),
                to: want,
            }),
            Some(f) => {
                let to = Account {
                    uid: want.uid.or(f.account.uid),
                    gid: want.gid.or(observed.group),
                    ..want
                };
                if differs(&f.account, &to, observed.group) {
                    modifies.push(Step::Modify {
                        name: name.into(),
                        from: f.account.clone(),
                        to,
                    });
                }
            }
        }
    }
    let deletes = observed
        .accounts
        .iter()
        .filter(|(n, f)| f.managed && in_scope(n) && !configured.contains(n.as_str()))
        .map(|(n, f)| Step::Delete {
            name: n.clone(),
            was: f.account.clone(),
        });
    out.steps = creates.into_iter().chain(modifies).chain(deletes).collect();
    out.group =
        observed.group.is_none() && out.steps.iter().any(|s| !matches!(s, Step::Delete { .. }));
    out
}

/// Whether a found account differs from the one wanted (`group`: the gid of [`GROUP`]).
fn differs(found: &Account, want: &Account, group: Option<u32>) -> bool {
    let gid = want.gid.or(group);
    want.uid != found.uid
        || gid.is_none()
        || gid != found.gid
        || want.gecos != found.gecos
        || want.home != found.home
        || want.shell != found.shell
        || want.password != found.password
        || want.keys != found.keys
}

/// Fixtures shared by the tests of the planner (here) and of the accounts actor
/// (`actors::accounts`).
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// The settings the tests plan with.
    pub(crate) fn settings() -> Settings {
        Settings {
            shell: "/usr/bin/lsys".into(),
            keys_dir: "/etc/lsys/keys".into(),
        }
    }

    /// A managed account exactly as `u` asks for it, with `uid`, in group 990.
    pub(crate) fn account_of(u: &User, uid: u32) -> Found {
        let mut account = wanted(&settings(), u);
        account.uid = Some(uid);
        account.gid = Some(990);
        Found {
            account,
            managed: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{account_of, settings};
    use super::*;

    const HASH: &str = "$6$salt$abcdefghijklmnop";

    fn user(name: &str) -> User {
        User {
            name: name.into(),
            class: Some("super-user".into()),
            encrypted_password: Some(HASH.into()),
            ssh_keys: vec!["ssh-ed25519 AAAAC3Nz test".into()],
            ..User::default()
        }
    }

    fn foreign(uid: u32) -> Found {
        Found {
            account: Account {
                uid: Some(uid),
                gid: Some(uid),
                gecos: "root".into(),
                home: "/root".into(),
                shell: "/bin/bash".into(),
                ..Account::default()
            },
            managed: false,
        }
    }

    fn observed(accounts: Vec<(&str, Found)>) -> Observed {
        Observed {
            accounts: accounts
                .into_iter()
                .map(|(n, f)| (n.to_string(), f))
                .collect(),
            group: Some(990),
        }
    }

    fn names(plan: &Plan) -> Vec<String> {
        plan.steps
            .iter()
            .map(|s| {
                let kind = match s {
                    Step::Create { .. } => "create",
                    Step::Modify { .. } => "modify",
                    Step::Delete { .. } => "delete",
                };
                format!("{kind} {}", s.name())
            })
            .collect()
    }

    #[test]
    fn the_marker_is_the_whole_gecos_field_or_its_first_part() {
        assert!(is_managed("lsys-managed"));
        assert!(is_managed("lsys-managed,super-user"));
        assert!(!is_managed("lsys-managedx"));
        assert!(!is_managed("Alice,lsys-managed"));
        assert!(!is_managed(""));
    }

    #[test]
    fn a_new_user_is_created_as_configured_and_the_group_made_first() {
        let mut o = observed(vec![("root", foreign(0))]);
        o.group = None;
        let p = plan(&settings(), &[user("alice")], &o, None);
        assert!(p.group);
        assert_eq!(
            p.steps,
            [Step::Create {
                name: "alice".into(),
                to: Account {
                    uid: None,
                    gid: None,
                    gecos: "lsys-managed".into(),
                    home: "/nonexistent".into(),
                    shell: "/usr/bin/lsys".into(),
                    password: HASH.into(),
                    keys: Some(vec!["ssh-ed25519 AAAAC3Nz test".into()]),
                }
            }]
        );
        assert!(p.refused.is_empty());
    }

    #[test]
    fn an_account_as_configured_needs_nothing() {
        let u = user("alice");
        let p = plan(
            &settings(),
            std::slice::from_ref(&u),
            &observed(vec![("alice", account_of(&u, 1001)), ("root", foreign(0))]),
            None,
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(p.to_string(), "0 created, 0 modified, 0 deleted, 0 refused");
    }

    #[test]
    fn a_changed_password_key_or_shell_modifies_keeping_the_uid() {
        let u = user("alice");
        let mut found = account_of(&u, 1001);
        found.account.shell = "/bin/sh".into();
        let mut changed = u.clone();
        changed.encrypted_password = None;
        changed.ssh_keys.push("ssh-rsa AAAAB3 laptop".into());
        let p = plan(
            &settings(),
            &[changed],
            &observed(vec![("alice", found.clone())]),
            None,
        );
        let [Step::Modify { name, from, to }] = &p.steps[..] else {
            panic!("{p:?}")
        };
        assert_eq!(name, "alice");
        assert_eq!(from, &found.account);
        assert_eq!(to.uid, Some(1001));
        assert_eq!(to.password, "*", "no password: none matches");
        assert_eq!(to.shell, "/usr/bin/lsys");
        assert_eq!(to.keys.as_ref().map(Vec::len), Some(2));
        // An account lsys made but whose group is not lsys-users any more is put back.
        let mut regrouped = account_of(&u, 1001);
        regrouped.account.gid = Some(100);
        let p = plan(
            &settings(),
            std::slice::from_ref(&u),
            &observed(vec![("alice", regrouped)]),
            None,
        );
        assert_eq!(names(&p), ["modify alice"]);
    }

    #[test]
    fn managed_accounts_nobody_configures_are_deleted_last_and_foreign_ones_never() {
        let (a, b) = (user("alice"), user("bob"));
        let o = observed(vec![
            ("bob", account_of(&b, 1002)),
            ("carol", account_of(&user("carol"), 1003)),
            ("daemon", foreign(1)),
            ("root", foreign(0)),
        ]);
        let mut b2 = b.clone();
        b2.ssh_keys.clear();
        let p = plan(&settings(), &[a, b2], &o, None);
        assert_eq!(names(&p), ["create alice", "modify bob", "delete carol"]);
        let Step::Delete { was, .. } = &p.steps[2] else {
            unreachable!()
        };
        assert_eq!(was.uid, Some(1003), "what undo recreates");
    }

    #[test]
    fn a_configured_name_that_is_a_foreign_account_is_refused() {
        let p = plan(
            &settings(),
            &[user("root"), user("alice")],
            &observed(vec![("root", foreign(0))]),
            None,
        );
        assert_eq!(names(&p), ["create alice"]);
        assert_eq!(p.refused, [Refusal::Foreign("root".into())]);
        assert_eq!(
            p.refused[0].to_string(),
            "[edit system login]\n  'user root'\n    account root exists and is not managed by lsys"
        );
    }

    #[test]
    fn invalid_names_and_taken_uids_are_refused() {
        let mut bad = user("Alice");
        bad.name = "9lives".into();
        let mut taken = user("alice");
        taken.uid = Some(1);
        let mut first = user("bob");
        first.uid = Some(2000);
        let mut second = user("carol");
        second.uid = Some(2000);
        let mut moved = user("dave");
        moved.uid = Some(2001);
        let o = observed(vec![
            ("daemon", foreign(1)),
            ("dave", account_of(&moved, 1500)),
        ]);
        let p = plan(&settings(), &[bad, taken, first, second, moved], &o, None);
        assert_eq!(names(&p), ["create bob", "modify dave"]);
        assert_eq!(
            p.refused,
            [
                Refusal::InvalidName("9lives".into()),
                Refusal::UidUsed {
                    name: "alice".into(),
                    uid: 1,
                    owner: "daemon".into()
                },
                Refusal::UidTwice {
                    name: "carol".into(),
                    uid: 2000,
                    other: "bob".into()
                },
            ]
        );
        assert_eq!(
            p.refused[1].to_string(),
            "[edit system login user alice]\n  'uid 1'\n    uid 1 is already used by account daemon"
        );
        let Step::Modify { to, .. } = &p.steps[1] else {
            unreachable!()
        };
        assert_eq!(to.uid, Some(2001));
    }

    #[test]
    fn a_commit_plans_only_the_users_it_changed() {
        let (a, b) = (user("alice"), user("bob"));
        let mut stale = account_of(&b, 1002);
        stale.account.shell = "/bin/sh".into();
        let o = observed(vec![
            ("bob", stale),
            ("carol", account_of(&user("carol"), 1003)),
            ("root", foreign(0)),
        ]);
        let only: BTreeSet<String> = ["alice".into()].into();
        let p = plan(
            &settings(),
            &[a.clone(), b.clone(), user("root")],
            &o,
            Some(&only),
        );
        assert_eq!(names(&p), ["create alice"]);
        assert!(p.refused.is_empty(), "root was not changed: {p:?}");
        let only: BTreeSet<String> = ["carol".into(), "root".into()].into();
        let p = plan(&settings(), &[a, b, user("root")], &o, Some(&only));
        assert_eq!(names(&p), ["delete carol"]);
        assert_eq!(p.refused, [Refusal::Foreign("root".into())]);
        assert!(!p.group);
    }
}
