//! One login: identity, view, mode, edit path and candidate. Sessions are owned by their
//! connection task; the router only keeps a summary for `status` / `show system users`.

use lsys_grammar::path::words_of;
use lsys_grammar::schema::Schema;
use lsys_grammar::tree::{Node, Step};
use lsys_grammar::view::View;
use lsys_protocol::{Client, Prompt};

/// Which candidate a configuration-mode session edits.
#[derive(Debug, Clone)]
pub enum Candidate {
    /// The router's shared candidate.
    Shared,
    /// The shared candidate, with this session holding the exclusive lock.
    Exclusive,
    /// A private copy, and the running configuration it was copied from.
    Private { tree: Box<Node>, base: Box<Node> },
}

impl Candidate {
    pub fn kind(&self) -> &'static str {
        match self {
            Candidate::Shared => "shared",
            Candidate::Exclusive => "exclusive",
            Candidate::Private { .. } => "private",
        }
    }
}

/// What a pending question continues with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// `exit` from configuration mode with uncommitted changes.
    ExitConfiguration,
    /// Bare `delete` at an edit level.
    DeleteAll,
    /// `load` waiting for its text.
    Load {
        mode: lsys_grammar::view::LoadMode,
        relative: bool,
    },
}

#[derive(Debug)]
pub struct Session {
    pub id: u64,
    pub user: String,
    pub uid: u32,
    /// The operator's sessions may enter a logical system; tenants never leave theirs.
    pub operator: bool,
    pub view: View,
    pub client: Client,
    pub tty: Option<String>,
    pub since: i64,
    pub pid: Option<i32>,
    /// In configuration mode: the candidate.
    pub candidate: Option<Candidate>,
    /// Edit level, relative to the view.
    pub edit: Vec<Step>,
    /// Levels to return to on `exit`.
    pub edit_stack: Vec<Vec<Step>>,
    pub pending: Option<Pending>,
    /// Text of a `load` arriving in several frames.
    pub text: String,
}

impl Session {
    pub fn configuring(&self) -> bool {
        self.candidate.is_some()
    }

    /// `[edit protocols bgp]`.
    pub fn banner(&self) -> String {
        let words = words_of(Schema::get(), &self.edit);
        if words.is_empty() {
            "[edit]".to_string()
        } else {
            format!("[edit {}]", words.join(" "))
        }
    }

    pub fn prompt(&self, hostname: &str) -> Prompt {
        let head = match self.view.logical_system() {
            Some(ls) => format!("{}@{}:{}", self.user, hostname, ls),
            None => format!("{}@{}", self.user, hostname),
        };
        Prompt {
            head,
            banner: self.configuring().then(|| self.banner()),
        }
    }
}
