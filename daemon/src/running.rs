//! The running configuration as readers see it: an immutable snapshot, swapped whole by the
//! commit pipeline's publish stage. A reader clones the `Arc` (a pointer copy under a lock held
//! for nanoseconds) and keeps a consistent view for as long as its request runs, while commits
//! build the next snapshot beside it: completion, `?` and every `show` never wait for a commit.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock, RwLock};

use lsys_grammar::schema::ROOT;
use lsys_grammar::tree::{Node, Step};
use lsys_grammar::typed::{self, Intent, Logins};
use lsys_grammar::view::{ls_path, View};

/// One committed configuration and what is derived from it.
#[derive(Debug)]
pub struct Running {
    pub tree: Arc<Node>,
    /// Datastore sequence number of the newest commit in it (0: nothing committed yet).
    pub seq: u64,
    pub hostname: String,
    /// Users and classes from the active `system login` statements (the gate's input).
    pub logins: Logins,
    /// The typed view, computed on first use (show commands) rather than by every commit.
    intent: OnceLock<Result<Arc<Intent>, String>>,
}

impl Running {
    /// A snapshot of `tree`; `intent`, when the caller has it, saves readers computing it.
    pub fn new(tree: Arc<Node>, seq: u64, intent: Option<Arc<Intent>>) -> Running {
        // `system host-name` and logins may come from a group (Junos' re0/re1 groups).
        let expanded = lsys_grammar::groups::expand_only(&tree, &["system"]);
        let logins = typed::logins(&expanded);
        let hostname = expanded
            .get("system")
            .filter(|s| !s.inactive)
            .and_then(|s| s.leaf("host-name"))
            .map(str::to_string)
            .or_else(|| {
                nix::unistd::gethostname()
                    .ok()
                    .and_then(|h| h.into_string().ok())
            })
            .unwrap_or_else(|| "lsys".into());
        drop(expanded);
        Running {
            logins,
            tree,
            seq,
            hostname,
            intent: intent.map_or_else(OnceLock::new, |i| OnceLock::from(Ok(i))),
        }
    }

    /// The typed intent of the whole running configuration.
    pub fn intent(&self) -> Result<Arc<Intent>, String> {
        self.intent
            .get_or_init(|| {
                typed::intent(&self.tree)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
    }

    /// The part of the running configuration a view sees (see [`part`]).
    pub fn part(&self, view: &View) -> Cow<'_, Node> {
        part(&self.tree, view)
    }
}

/// The snapshot holder: readers [`Snapshot::get`], the pipeline [`Snapshot::set`].
#[derive(Debug)]
pub struct Snapshot<T>(RwLock<Arc<T>>);

impl<T> Snapshot<T> {
    pub fn new(value: T) -> Snapshot<T> {
        Snapshot(RwLock::new(Arc::new(value)))
    }

    pub fn get(&self) -> Arc<T> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts `value` in place and returns the snapshot it replaced.
    pub fn set(&self, value: Arc<T>) -> Arc<T> {
        std::mem::replace(
            &mut *self.0.write().unwrap_or_else(|e| e.into_inner()),
            value,
        )
    }
}

/// The part of `tree` a view sees, borrowed (an empty entry when its logical system is not
/// configured). Showing a configuration must not copy it: at 1,000 logical systems the whole
/// tree is 100,000 statements.
pub fn part<'a>(tree: &'a Node, view: &View) -> Cow<'a, Node> {
    match view.logical_system() {
        None => Cow::Borrowed(tree),
        Some(ls) => tree
            .at(&ls_path(ls))
            .map_or_else(|| Cow::Owned(empty_ls(ls)), Cow::Borrowed),
    }
}

/// A private copy of the configuration for `view`: the whole tree for the operator at the root,
/// only the one logical system otherwise (everything a view edits, shows or commits lives there).
pub fn private_copy(running: &Node, view: &View) -> Node {
    match view.logical_system() {
        None => running.clone(),
        Some(ls) => {
            let mut t = Node::root();
            replace_ls(&mut t, ls, Some(part(running, view).into_owned()));
            t
        }
    }
}

/// An empty `logical-systems NAME` entry.
pub fn empty_ls(ls: &str) -> Node {
    let last = ls_path(ls).pop().unwrap_or_else(|| Step::new(ROOT, None));
    Node::new(last.schema, last.key)
}

/// Puts `entry` in place of logical system `ls` in `tree` (None removes it).
pub fn replace_ls(tree: &mut Node, ls: &str, entry: Option<Node>) {
    let path = ls_path(ls);
    let Some((last, parent)) = path.split_last() else {
        return;
    };
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
