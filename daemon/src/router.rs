//! The router's configuration state, shared by every session: running configuration, the shared
//! candidate, the datastore, exclusive locks and pending confirmed commits. All of it sits behind
//! one mutex (commits are serialized); every operation here is synchronous and short.
//!
//! ```text
//!  commit(view, candidate) ─► validate ─► diff (changed scopes) ─► persist (one transaction,
//!      │                     (scope only      │                      flushed) ─► running := new
//!      │                      for tenants)    └─ nothing programmed yet: no dataplane
//!      └─ tenant: only its logical system, and never its operator-only statements
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;

use lsys_datastore::{CommitMeta, Datastore, Scope};
use lsys_grammar::schema::ROOT;
use lsys_grammar::scope::{self, ls_from_text, ls_text};
use lsys_grammar::text::{curly, print};
use lsys_grammar::tree::Node;
use lsys_grammar::validate::{validate, validate_scope};
use lsys_grammar::view::{keep_operator_part, ls_path, View};
use lsys_netlink::live::SharedLive;
use lsys_netlink::Desired;

use crate::dataplane::Dataplane;

/// A session's entry in the router's table (for `status` and `show system users`).
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: String,
    pub logical_system: Option<String>,
    pub tty: Option<String>,
    pub client: String,
    pub since: i64,
    pub pid: Option<i32>,
    /// Configuration mode: the edit path banner and candidate kind.
    pub editing: Option<(String, &'static str)>,
}

/// Why a commit did not happen; nothing changed.
#[derive(Debug)]
pub enum CommitError {
    /// Validation errors, already in the Junos layout.
    Check(String),
    /// A private candidate was based on a configuration someone has since committed over.
    Modified,
    Store(String),
    /// The kernel refused a change; what was applied has been undone.
    Kernel(String),
}

impl std::fmt::Display for CommitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommitError::Check(e) => write!(f, "{e}"),
            CommitError::Modified => write!(f, "error: configuration database modified"),
            CommitError::Store(e) => write!(f, "error: commit failed: {e}"),
            CommitError::Kernel(e) => write!(
                f,
                "error: kernel: {e}\nerror: configuration check-out failed"
            ),
        }
    }
}

pub struct Router {
    pub store: Datastore,
    pub running: Node,
    pub shared: Node,
    pub sessions: BTreeMap<u64, SessionInfo>,
    /// Exclusive locks: scope key → (session, user).
    pub locks: BTreeMap<String, (u64, String)>,
    pub hostname: String,
    /// The kernel (None: `--no-dataplane`, configuration only).
    pub dataplane: Option<Box<dyn Dataplane>>,
    /// The kernel state the running configuration asks for, as last programmed.
    pub applied: Desired,
    /// Links and addresses as the kernel reports them (kept current by netlink events).
    pub live: Option<SharedLive>,
    /// Pending confirmed commits: scope key → (view, deadline).
    pub confirms: BTreeMap<String, (View, i64)>,
}

/// The datastore scope a view commits to.
pub fn scope_of(view: &View) -> Scope {
    match view.logical_system() {
        Some(ls) => Scope::LogicalSystem(ls.to_string()),
        None => Scope::Root,
    }
}

/// A stable key for a scope (lock table).
pub fn scope_key(view: &View) -> String {
    view.logical_system()
        .map_or("root".into(), |ls| format!("ls:{ls}"))
}

impl Router {
    /// Opens the datastore and loads the committed configuration. The kernel is not touched
    /// until [`Router::reconcile`].
    pub fn open(store: Datastore, dataplane: Option<Box<dyn Dataplane>>) -> anyhow::Result<Router> {
        let mut scopes = scope::Scopes::default();
        for s in store.scopes()? {
            let Some(v) = store.committed(&s)? else {
                continue;
            };
            match &s {
                Scope::Root => {
                    scopes.root = curly::read(&v.text, ROOT)
                        .map_err(|e| anyhow::anyhow!("root configuration: {e}"))?
                }
                Scope::LogicalSystem(name) => {
                    if v.text.trim().is_empty() {
                        continue;
                    }
                    let entry = ls_from_text(&v.text)
                        .map_err(|e| anyhow::anyhow!("logical system {name}: {e}"))?;
                    scopes.order.push(name.clone());
                    scopes.logical_systems.insert(name.clone(), entry);
                }
            }
        }
        let running = scope::join(&scopes);
        store.clear_all_locks()?;
        let hostname = running
            .get("system")
            .and_then(|s| s.leaf("host-name"))
            .map(str::to_string)
            .or_else(|| {
                nix::unistd::gethostname()
                    .ok()
                    .and_then(|h| h.into_string().ok())
            })
            .unwrap_or_else(|| "lsys".into());
        let mut confirms = BTreeMap::new();
        for s in store.scopes()? {
            if let Some((_, deadline)) = store.pending_confirm(&s)? {
                let view = match &s {
                    Scope::Root => View::operator(),
                    Scope::LogicalSystem(ls) => View::operator_in(ls.clone()),
                };
                confirms.insert(scope_key(&view), (view, deadline));
            }
        }
        Ok(Router {
            store,
            shared: running.clone(),
            running,
            sessions: BTreeMap::new(),
            locks: BTreeMap::new(),
            hostname,
            dataplane,
            applied: Desired::default(),
            live: None,
            confirms,
        })
    }

    /// The part of `tree` a view sees, borrowed (an empty entry when its logical system is not
    /// configured). Showing a configuration must not copy it: at 1,000 logical systems the
    /// whole tree is 100,000 statements.
    pub fn part<'a>(tree: &'a Node, view: &View) -> Cow<'a, Node> {
        match view.logical_system() {
            None => Cow::Borrowed(tree),
            Some(ls) => tree
                .at(&ls_path(ls))
                .map_or_else(|| Cow::Owned(empty_ls(ls)), Cow::Borrowed),
        }
    }

    /// True when `candidate` differs from the running configuration in the view's part.
    pub fn changed(&self, view: &View, candidate: &Node) -> bool {
        match view.logical_system() {
            None => self.running != *candidate,
            Some(ls) => self.running.at(&ls_path(ls)) != candidate.at(&ls_path(ls)),
        }
    }

    /// Validates `candidate` for `view` without committing (`commit check`).
    pub fn check(&mut self, view: &View, candidate: &Node) -> Result<(), CommitError> {
        self.commit_inner(view, candidate, None, None).map(|_| ())
    }

    /// Commits the view's part of `candidate`. `base` is the running configuration a private
    /// candidate was copied from. Returns the commit sequence number.
    pub fn commit(
        &mut self,
        view: &View,
        candidate: &Node,
        base: Option<&Node>,
        meta: CommitMeta,
    ) -> Result<u64, CommitError> {
        self.commit_inner(view, candidate, base, Some(meta))
            .map(|s| s.unwrap_or(0))
    }

    fn commit_inner(
        &mut self,
        view: &View,
        candidate: &Node,
        base: Option<&Node>,
        meta: Option<CommitMeta>,
    ) -> Result<Option<u64>, CommitError> {
        let deadline = meta.as_ref().map(|m| m.confirmed_deadline_unix);
        let r = match view.logical_system() {
            Some(ls) => self.commit_ls(view, ls, candidate, base, meta),
            None => self.commit_root(candidate, base, meta),
        }?;
        // A commit confirms what was pending; a confirmed commit arms the timer.
        if let Some(deadline) = deadline {
            let key = scope_key(view);
            match deadline {
                Some(d) => {
                    self.confirms.insert(key, (view.clone(), d));
                }
                None => {
                    self.confirms.remove(&key);
                }
            }
        }
        Ok(r)
    }

    /// Rolls back every confirmed commit whose deadline has passed. Returns what was done.
    pub fn expire_confirms(&mut self, now: i64) -> Vec<String> {
        let due: Vec<(String, View)> = self
            .confirms
            .iter()
            .filter(|(_, (_, d))| *d <= now)
            .map(|(k, (v, _))| (k.clone(), v.clone()))
            .collect();
        let mut done = Vec::new();
        for (key, view) in due {
            self.confirms.remove(&key);
            let result = self
                .rollback_part(&view, 1, &self.running.clone())
                .and_then(|part| {
                    let mut tree = self.running.clone();
                    replace_part(&mut tree, &view, part);
                    let meta = CommitMeta {
                        user: "root".into(),
                        time_unix: now,
                        client: lsys_datastore::Client::Cli,
                        comment: Some("automatic rollback: commit was not confirmed".into()),
                        confirmed_deadline_unix: None,
                    };
                    self.commit(&view, &tree, None, meta)
                        .map_err(|e| e.to_string())
                });
            done.push(match result {
                Ok(_) => format!("{key}: Commit was not confirmed; automatic rollback complete."),
                Err(e) => format!("{key}: automatic rollback failed: {e}"),
            });
        }
        done
    }

    fn commit_ls(
        &mut self,
        view: &View,
        ls: &str,
        candidate: &Node,
        base: Option<&Node>,
        meta: Option<CommitMeta>,
    ) -> Result<Option<u64>, CommitError> {
        let path = ls_path(ls);
        if let Some(base) = base {
            let empty = empty_ls(ls);
            if base.at(&path).unwrap_or(&empty) != self.running.at(&path).unwrap_or(&empty) {
                return Err(CommitError::Modified);
            }
        }
        let old = self.running.at(&path).cloned();
        let mut new = candidate.at(&path).cloned().unwrap_or_else(|| empty_ls(ls));
        if view.is_tenant() {
            // A tenant's commit never changes what the operator owns, whatever its candidate says.
            keep_operator_part(&mut new, old.as_ref().unwrap_or(&empty_ls(ls)));
        }
        let shared_in_sync = self.shared.at(&path) == old.as_ref();
        replace_ls(&mut self.running, ls, Some(new.clone()));
        let restore = |r: &mut Router| replace_ls(&mut r.running, ls, old.clone());
        if let Err(e) = validate_scope(&self.running, Some(ls)) {
            restore(self);
            let errors = if view.is_tenant() {
                e.relative_to(&view.base_words())
            } else {
                e
            };
            return Err(CommitError::Check(errors.to_string()));
        }
        let Some(meta) = meta else {
            restore(self);
            return Ok(None);
        };
        let programmed = match self.program(&self.running) {
            Ok(p) => p,
            Err(e) => {
                restore(self);
                return Err(e);
            }
        };
        match self
            .store
            .commit(&[(Scope::LogicalSystem(ls.into()), ls_text(&new))], meta)
        {
            Ok(seq) => {
                self.programmed(programmed);
                // A private commit carries the shared candidate along when nobody had changed
                // it (a shared commit's candidate is the shared candidate itself).
                if base.is_some() && shared_in_sync {
                    replace_ls(&mut self.shared, ls, Some(new));
                }
                Ok(Some(seq))
            }
            Err(e) => {
                self.unprogram(programmed);
                restore(self);
                Err(CommitError::Store(e.to_string()))
            }
        }
    }

    fn commit_root(
        &mut self,
        candidate: &Node,
        base: Option<&Node>,
        meta: Option<CommitMeta>,
    ) -> Result<Option<u64>, CommitError> {
        if base.is_some_and(|b| *b != self.running) {
            return Err(CommitError::Modified);
        }
        validate(candidate).map_err(|e| CommitError::Check(e.to_string()))?;
        let Some(meta) = meta else { return Ok(None) };
        let old = scope::split(&self.running);
        let new = scope::split(candidate);
        let mut changes = vec![(Scope::Root, print::curly(&new.root))];
        for (name, entry) in &new.logical_systems {
            if old.logical_systems.get(name) != Some(entry) {
                changes.push((Scope::LogicalSystem(name.clone()), ls_text(entry)));
            }
        }
        for name in old.logical_systems.keys() {
            if !new.logical_systems.contains_key(name) {
                changes.push((Scope::LogicalSystem(name.clone()), String::new()));
            }
        }
        let programmed = self.program(candidate)?;
        let seq = match self.store.commit(&changes, meta) {
            Ok(seq) => seq,
            Err(e) => {
                self.unprogram(programmed);
                return Err(CommitError::Store(e.to_string()));
            }
        };
        self.programmed(programmed);
        if base.is_some() && self.shared == self.running {
            self.shared = candidate.clone();
        }
        self.running = candidate.clone();
        if let Some(h) = self.running.get("system").and_then(|s| s.leaf("host-name")) {
            self.hostname = h.to_string();
        }
        Ok(Some(seq))
    }

    /// The view's part of the configuration as of rollback `n`, ready to replace a candidate's.
    pub fn rollback_part(&self, view: &View, n: usize, current: &Node) -> Result<Node, String> {
        let scope = scope_of(view);
        let version = self
            .store
            .rollback(&scope, n)
            .map_err(|e| format!("error: {e}"))?;
        let Some(version) = version else {
            return Err(format!("error: rollback {n} does not exist"));
        };
        match view.logical_system() {
            Some(ls) => {
                let mut entry = if version.text.trim().is_empty() {
                    empty_ls(ls)
                } else {
                    ls_from_text(&version.text)
                        .map_err(|e| format!("error: stored configuration: {e}"))?
                };
                if view.is_tenant() {
                    let now = current
                        .at(&ls_path(ls))
                        .cloned()
                        .unwrap_or_else(|| empty_ls(ls));
                    keep_operator_part(&mut entry, &now);
                }
                Ok(entry)
            }
            None => self.root_at_seq(version.seq, &version.text),
        }
    }

    /// The whole configuration as of the operator commit `seq` (root text given): every logical
    /// system at its newest version not newer than `seq`.
    fn root_at_seq(&self, seq: u64, root_text: &str) -> Result<Node, String> {
        let mut scopes = scope::Scopes {
            root: curly::read(root_text, ROOT)
                .map_err(|e| format!("error: stored configuration: {e}"))?,
            ..Default::default()
        };
        for s in self.store.scopes().map_err(|e| format!("error: {e}"))? {
            let Scope::LogicalSystem(name) = &s else {
                continue;
            };
            let history = self.store.history(&s).map_err(|e| format!("error: {e}"))?;
            let Some(entry) = history.iter().find(|h| h.seq <= seq) else {
                continue;
            };
            let Some(v) = self
                .store
                .rollback(&s, entry.index)
                .map_err(|e| format!("error: {e}"))?
            else {
                continue;
            };
            if v.text.trim().is_empty() {
                continue;
            }
            let node =
                ls_from_text(&v.text).map_err(|e| format!("error: stored configuration: {e}"))?;
            scopes.order.push(name.clone());
            scopes.logical_systems.insert(name.clone(), node);
        }
        Ok(scope::join(&scopes))
    }

    /// Who holds the exclusive lock of a view's scope, other than `session`.
    pub fn locked_by_other(&self, view: &View, session: u64) -> Option<&str> {
        let key = scope_key(view);
        let root = self.locks.get("root");
        self.locks
            .get(&key)
            .or(root)
            .filter(|(s, _)| *s != session)
            .map(|(_, u)| u.as_str())
    }
}

/// A private copy of the configuration for `view`: the whole tree for the operator at the root,
/// only the one logical system otherwise (everything a view edits, shows or commits lives there).
pub fn private_copy(running: &Node, view: &View) -> Node {
    match view.logical_system() {
        None => running.clone(),
        Some(ls) => {
            let mut t = Node::root();
            let entry = running
                .at(&ls_path(ls))
                .cloned()
                .unwrap_or_else(|| empty_ls(ls));
            replace_ls(&mut t, ls, Some(entry));
            t
        }
    }
}

/// An empty `logical-systems NAME` entry.
pub fn empty_ls(ls: &str) -> Node {
    let last = ls_path(ls)
        .pop()
        .unwrap_or_else(|| lsys_grammar::tree::Step::new(ROOT, None));
    Node::new(last.schema, last.key)
}

/// Puts `entry` in place of logical system `ls` in `tree` (None removes it).
pub fn replace_ls(tree: &mut Node, ls: &str, entry: Option<Node>) {
    let path = ls_path(ls);
    let (last, parent) = path.split_last().expect("ls path has two steps");
    match entry {
        Some(e) => {
            let p = tree.at_or_insert(parent);
            match p.child_mut(last.schema, last.key.as_deref()) {
                Some(slot) => *slot = e,
                None => {
                    p.insert_child(e);
                }
            }
        }
        None => {
            if let Some(p) = tree.at_mut(parent) {
                p.remove_child(last.schema, last.key.as_deref());
                if p.children.is_empty() {
                    tree.remove_child(parent[0].schema, None);
                }
            }
        }
    }
}

/// Replaces the view's part of `tree` with `part`.
pub fn replace_part(tree: &mut Node, view: &View, part: Node) {
    match view.logical_system() {
        Some(ls) => replace_ls(tree, ls, Some(part)),
        None => *tree = part,
    }
}
