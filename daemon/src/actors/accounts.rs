//! Login accounts as a subsystem (`lsysd --manage-accounts`): the root's `system login user`
//! statements as Unix accounts (see `crate::accounts` for what a managed account is).
//!
//! ```text
//!  prepare:   the users this commit changes ─► observe the system ─► accounts::plan
//!             └─ a refusal (a foreign account of that name, a uid in use): the commit fails
//!  apply:     group, creations, modifications, deletions last; a step that fails: the steps
//!             done are undone, newest first
//!  abort:     (a later stage failed) undo the steps done; a deletion is undone by making the
//!             account again as it was (uid, group, password, keys)
//!  commit:    forget the undo log
//!  reconcile: (start) every configured user and every managed account; refusals and failures
//!             are reported and the rest is done; key files nobody configures are removed
//! ```
//! Only commits that change the root's `system login user` statements plan accounts, and only
//! for the users they change: a tenant's commit never touches an account, and an account that
//! drifted (a foreign user made under a configured name) cannot fail an unrelated commit. The
//! accounts are planned from the system as it is at prepare, so a commit repairs the accounts
//! it plans whatever happened to them since.

use std::collections::BTreeSet;

use lsys_grammar::typed::User;

use super::{Subsystem, SubsystemError, Transaction};
use crate::accounts::{plan, Observed, Plan, Settings, Step, System};
use crate::pipeline::Object;
use crate::running::Running;

/// A change applied, as undo sees it.
#[derive(Debug)]
enum Done {
    Group,
    Step(Box<Step>),
}

struct Prepared {
    plan: Plan,
    done: Vec<Done>,
}

pub struct Accounts {
    settings: Settings,
    system: Box<dyn System>,
    prepared: Option<Prepared>,
}

fn err(message: impl std::fmt::Display) -> SubsystemError {
    SubsystemError {
        message: format!("accounts: {message}"),
    }
}

/// Does one step, and logs it.
fn run(system: &mut dyn System, step: &Step) -> Result<(), String> {
    let (what, r) = match step {
        Step::Create { name, to } => ("created", system.create(name, to)),
        Step::Modify { name, from, to } => ("modified", system.modify(name, from, to)),
        Step::Delete { name, .. } => ("deleted", system.delete(name)),
    };
    match &r {
        Ok(()) => tracing::info!(account = step.name(), "account {what}"),
        Err(e) => tracing::error!(account = step.name(), error = %e, "account not {what}"),
    }
    r
}

/// Undoes `done`, newest first.
fn undo(system: &mut dyn System, done: &mut Vec<Done>) {
    while let Some(d) = done.pop() {
        let r = match &d {
            Done::Group => system.remove_group(),
            Done::Step(step) => match &**step {
                Step::Create { name, .. } => system.delete(name),
                Step::Modify { name, from, to } => system.modify(name, to, from),
                Step::Delete { name, was } => system.create(name, was),
            },
        };
        if let Err(e) = r {
            tracing::error!(change = ?d, error = %e, "undoing an account change failed");
        }
    }
}

impl Accounts {
    pub fn new(settings: Settings, system: Box<dyn System>) -> Accounts {
        Accounts {
            settings,
            system,
            prepared: None,
        }
    }

    fn observe(&self, users: &[User]) -> Result<Observed, SubsystemError> {
        let names = users.iter().map(|u| u.name.clone()).collect();
        let uids = users.iter().filter_map(|u| u.uid).collect();
        self.system.observe(&names, &uids).map_err(err)
    }
}

impl Subsystem for Accounts {
    fn name(&self) -> &'static str {
        "accounts"
    }

    fn prepare(&mut self, tx: &Transaction) -> Result<(), SubsystemError> {
        self.prepared = None;
        // A tenant's commit: the root's logins did not change.
        if tx.owners.is_some() {
            return Ok(());
        }
        let changed: BTreeSet<String> = tx
            .change
            .changes
            .iter()
            .filter_map(|(scope, object, _)| match (scope, object) {
                (None, Object::Login(name)) => Some(name.clone()),
                _ => None,
            })
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        let observed = self.observe(&tx.new.users)?;
        let plan = plan(&self.settings, &tx.new.users, &observed, Some(&changed));
        if !plan.refused.is_empty() {
            let message: Vec<String> = plan.refused.iter().map(ToString::to_string).collect();
            return Err(SubsystemError {
                message: message.join("\n"),
            });
        }
        if !plan.is_empty() {
            self.prepared = Some(Prepared {
                plan,
                done: Vec::new(),
            });
        }
        Ok(())
    }

    fn apply(&mut self, _tx: &Transaction) -> Result<(), SubsystemError> {
        let Some(p) = self.prepared.as_mut() else {
            return Ok(());
        };
        let system = &mut *self.system;
        if p.plan.group {
            system.add_group().map_err(err)?;
            p.done.push(Done::Group);
        }
        let mut failure = None;
        for step in &p.plan.steps {
            if let Err(e) = run(system, step) {
                failure = Some(e);
                break;
            }
            p.done.push(Done::Step(Box::new(step.clone())));
        }
        let Some(e) = failure else {
            return Ok(());
        };
        undo(system, &mut p.done);
        self.prepared = None;
        Err(err(e))
    }

    fn abort(&mut self, _tx: &Transaction) {
        if let Some(mut p) = self.prepared.take() {
            undo(&mut *self.system, &mut p.done);
        }
    }

    fn commit(&mut self, _tx: &Transaction) {
        self.prepared = None;
    }

    fn restart(&mut self, _running: &Running) {
        // Nothing is kept between commits: each plans from the system as it is.
        self.prepared = None;
    }

    fn reconcile(&mut self, running: &Running) -> Result<String, SubsystemError> {
        self.prepared = None;
        let intent = running.intent().map_err(err)?;
        let observed = self.observe(&intent.users)?;
        let plan = plan(&self.settings, &intent.users, &observed, None);
        for r in &plan.refused {
            tracing::error!(
                user = r.user(),
                "no account: {}",
                r.to_string().replace('\n', " ")
            );
        }
        let system = &mut *self.system;
        let mut failed = Vec::new();
        if plan.group {
            if let Err(e) = system.add_group() {
                failed.push(e);
            }
        }
        for step in &plan.steps {
            if let Err(e) = run(system, step) {
                failed.push(e);
            }
        }
        let refused: BTreeSet<&str> = plan.refused.iter().map(|r| r.user()).collect();
        let keep = intent
            .users
            .iter()
            .map(|u| u.name.clone())
            .filter(|n| !refused.contains(n.as_str()))
            .collect();
        match system.tidy_keys(&keep) {
            Ok(removed) => {
                for name in removed {
                    tracing::warn!(file = name, "removed a key file no managed account owns");
                }
            }
            Err(e) => failed.push(e),
        }
        if failed.is_empty() {
            Ok(plan.to_string())
        } else {
            Err(err(format!("{plan}; failed: {}", failed.join("; "))))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use lsys_grammar::typed::Intent;
    use lsys_grammar::view::View;

    use super::*;
    use crate::accounts::test_support::{account_of as managed, settings};
    use crate::accounts::{Account, Found, MARKER};
    use crate::pipeline::{ChangeSet, Op};

    /// A user database in memory; `fail` makes any change to that account fail.
    #[derive(Clone, Default)]
    struct Fake {
        db: Arc<Mutex<Observed>>,
        fail: Arc<Mutex<Option<String>>>,
        tidied: Arc<Mutex<Option<BTreeSet<String>>>>,
    }

    impl Fake {
        fn check(&self, name: &str) -> Result<(), String> {
            match self.fail.lock().unwrap().as_deref() {
                Some(f) if f == name => Err(format!("{name}: refused by the fake")),
                _ => Ok(()),
            }
        }

        fn snapshot(&self) -> Observed {
            self.db.lock().unwrap().clone()
        }
    }

    impl System for Fake {
        fn observe(&self, _: &BTreeSet<String>, _: &BTreeSet<u32>) -> Result<Observed, String> {
            Ok(self.snapshot())
        }
        fn add_group(&mut self) -> Result<(), String> {
            self.db.lock().unwrap().group = Some(990);
            Ok(())
        }
        fn remove_group(&mut self) -> Result<(), String> {
            self.db.lock().unwrap().group = None;
            Ok(())
        }
        fn create(&mut self, name: &str, a: &Account) -> Result<(), String> {
            self.check(name)?;
            let mut db = self.db.lock().unwrap();
            let uid = a.uid.unwrap_or(1000 + db.accounts.len() as u32);
            let account = Account {
                uid: Some(uid),
                gid: a.gid.or(db.group),
                ..a.clone()
            };
            let managed = true;
            db.accounts.insert(name.into(), Found { account, managed });
            Ok(())
        }
        fn modify(&mut self, name: &str, _: &Account, to: &Account) -> Result<(), String> {
            self.check(name)?;
            let mut db = self.db.lock().unwrap();
            let group = db.group;
            let f = db.accounts.get_mut(name).ok_or("no such account")?;
            f.account = Account {
                uid: to.uid.or(f.account.uid),
                gid: to.gid.or(group),
                ..to.clone()
            };
            Ok(())
        }
        fn delete(&mut self, name: &str) -> Result<(), String> {
            self.check(name)?;
            self.db.lock().unwrap().accounts.remove(name);
            Ok(())
        }
        fn tidy_keys(&mut self, keep: &BTreeSet<String>) -> Result<Vec<String>, String> {
            *self.tidied.lock().unwrap() = Some(keep.clone());
            Ok(vec![])
        }
    }

    fn user(name: &str, keys: &[&str]) -> User {
        User {
            name: name.into(),
            class: Some("super-user".into()),
            ssh_keys: keys.iter().map(|k| k.to_string()).collect(),
            ..User::default()
        }
    }

    /// A system with root, managed `bob` (one key) and managed `carol`; no lsys group when
    /// `group` is false.
    fn system(group: bool) -> Fake {
        let fake = Fake::default();
        let root = Found {
            account: Account {
                uid: Some(0),
                gid: Some(0),
                gecos: "root".into(),
                ..Account::default()
            },
            managed: false,
        };
        let mut db = fake.db.lock().unwrap();
        db.accounts.insert("root".into(), root);
        db.accounts
            .insert("bob".into(), managed(&user("bob", &["ssh-rsa B1"]), 1001));
        db.accounts
            .insert("carol".into(), managed(&user("carol", &[]), 1002));
        db.group = group.then_some(990);
        drop(db);
        fake
    }

    /// The root's commit of `users`, changing the logins named in `changed`.
    fn tx(users: Vec<User>, changed: &[&str]) -> Transaction {
        Transaction {
            view: View::operator(),
            new: Arc::new(Intent {
                users,
                ..Intent::default()
            }),
            change: ChangeSet {
                scopes: [None].into(),
                changes: changed
                    .iter()
                    .map(|n| (None, Object::Login(n.to_string()), Op::Modify))
                    .collect(),
            },
            owners: None,
        }
    }

    /// alice added, bob's key changed, carol removed.
    fn change() -> Transaction {
        tx(
            vec![
                user("alice", &["ssh-ed25519 A1"]),
                user("bob", &["ssh-rsa B2"]),
            ],
            &["alice", "bob", "carol"],
        )
    }

    #[test]
    fn a_commit_creates_modifies_and_deletes_and_commit_keeps_it() {
        let fake = system(true);
        let mut a = Accounts::new(settings(), Box::new(fake.clone()));
        let t = change();
        a.prepare(&t).unwrap();
        a.apply(&t).unwrap();
        a.commit(&t);
        let db = fake.snapshot();
        assert_eq!(
            db.accounts.keys().collect::<Vec<_>>(),
            ["alice", "bob", "root"]
        );
        assert_eq!(db.accounts["alice"].account.gecos, MARKER);
        assert_eq!(
            db.accounts["bob"].account.keys,
            Some(vec!["ssh-rsa B2".into()])
        );
        assert_eq!(db.accounts["bob"].account.uid, Some(1001));
        // The same commit again finds nothing to do.
        a.prepare(&t).unwrap();
        assert!(a.prepared.is_none());
    }

    #[test]
    fn a_step_that_fails_undoes_the_ones_before_it() {
        let fake = system(false);
        let before = fake.snapshot();
        *fake.fail.lock().unwrap() = Some("carol".into());
        let mut a = Accounts::new(settings(), Box::new(fake.clone()));
        let t = change();
        a.prepare(&t).unwrap();
        let e = a.apply(&t).unwrap_err();
        assert_eq!(e.message, "accounts: carol: refused by the fake");
        assert_eq!(
            fake.snapshot(),
            before,
            "alice gone, bob as he was, no group"
        );
        // The pipeline then aborts every prepared subsystem: nothing more happens.
        a.abort(&t);
        assert_eq!(fake.snapshot(), before);
    }

    #[test]
    fn abort_after_apply_puts_everything_back_deleted_accounts_included() {
        let fake = system(true);
        let before = fake.snapshot();
        let mut a = Accounts::new(settings(), Box::new(fake.clone()));
        let t = change();
        a.prepare(&t).unwrap();
        a.apply(&t).unwrap();
        assert!(!fake.snapshot().accounts.contains_key("carol"));
        a.abort(&t);
        assert_eq!(fake.snapshot(), before, "carol made again with uid 1002");
    }

    #[test]
    fn a_foreign_name_refuses_the_commit_before_anything_is_done() {
        let fake = system(true);
        let before = fake.snapshot();
        let mut a = Accounts::new(settings(), Box::new(fake.clone()));
        let t = tx(
            vec![user("alice", &[]), user("root", &["ssh-ed25519 R"])],
            &["alice", "root"],
        );
        let e = a.prepare(&t).unwrap_err();
        assert_eq!(
            e.message,
            "[edit system login]\n  'user root'\n    account root exists and is not managed by lsys"
        );
        a.abort(&t);
        assert_eq!(fake.snapshot(), before);
    }

    #[test]
    fn tenant_commits_and_commits_without_login_changes_touch_no_account() {
        let fake = system(true);
        let before = fake.snapshot();
        let mut a = Accounts::new(settings(), Box::new(fake.clone()));
        let mut t = change();
        t.owners = Some(["l2".to_string()].into());
        a.prepare(&t).unwrap();
        a.apply(&t).unwrap();
        let t = tx(vec![], &[]);
        a.prepare(&t).unwrap();
        a.apply(&t).unwrap();
        a.commit(&t);
        assert_eq!(fake.snapshot(), before);
    }

    #[test]
    fn reconcile_does_what_it_can_and_reports_the_rest() {
        let fake = system(false);
        *fake.fail.lock().unwrap() = Some("bob".into());
        let mut a = Accounts::new(settings(), Box::new(fake.clone()));
        let tree = Arc::new(lsys_grammar::tree::Node::root());
        let intent = Intent {
            users: vec![
                user("alice", &["ssh-ed25519 A1"]),
                user("bob", &["ssh-rsa B2"]),
                user("root", &[]),
            ],
            ..Intent::default()
        };
        let running = Running::new(tree, 1, Some(Arc::new(intent)));
        let e = a.reconcile(&running).unwrap_err();
        assert_eq!(
            e.message,
            "accounts: 1 created, 1 modified, 1 deleted, 1 refused; failed: bob: refused by the fake"
        );
        let db = fake.snapshot();
        assert_eq!(
            db.accounts.keys().collect::<Vec<_>>(),
            ["alice", "bob", "root"]
        );
        assert_eq!(db.group, Some(990));
        let keep = fake.tidied.lock().unwrap().clone().unwrap();
        assert_eq!(keep, ["alice".to_string(), "bob".into()].into());
        *fake.fail.lock().unwrap() = None;
        assert_eq!(
            a.reconcile(&running).unwrap(),
            "0 created, 1 modified, 0 deleted, 1 refused"
        );
        assert_eq!(
            a.reconcile(&running).unwrap(),
            "0 created, 0 modified, 0 deleted, 1 refused"
        );
    }
}
