//! One login: identity, view, mode, edit path and candidate. Sessions are owned by their
//! connection; the core only keeps a summary for `status` / `show system users`.

use std::sync::Arc;

use lsys_grammar::path::words_of;
use lsys_grammar::schema::Schema;
use lsys_grammar::tree::{Node, Step};
use lsys_grammar::view::View;
use lsys_protocol::{CliSettings, Client, Prompt};

use crate::core::SessionInfo;
use crate::gate::Principal;

/// Which candidate a configuration-mode session edits.
#[derive(Debug, Clone)]
pub enum Candidate {
    /// The router's shared candidate.
    Shared,
    /// The shared candidate, with this session holding the exclusive lock.
    Exclusive,
    /// A private copy, and the running configuration it was copied from.
    Private { tree: Arc<Node>, base: Arc<Node> },
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
        /// The file named (`None`: the terminal), to name it in errors.
        file: Option<String>,
    },
}

#[derive(Debug)]
pub struct Session {
    pub id: u64,
    /// Who, with which rights: re-resolved by the gate for every request.
    pub principal: Principal,
    /// Where the session is: the principal's logical system, or for the operator the root or a
    /// logical system it entered (`set cli logical-system`).
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
    /// `set cli screen-length ...`: the session's CLI settings, sent to the shell with every
    /// Done (`lsys_protocol::settings`).
    pub cli: CliSettings,
}

impl Session {
    pub fn new(
        id: u64,
        principal: Principal,
        client: Client,
        tty: Option<String>,
        since: i64,
        pid: Option<i32>,
    ) -> Session {
        Session {
            id,
            view: principal.home_view(),
            principal,
            client,
            tty,
            since,
            pid,
            candidate: None,
            edit: Vec::new(),
            edit_stack: Vec::new(),
            pending: None,
            cli: CliSettings::default(),
        }
    }

    pub fn user(&self) -> &str {
        &self.principal.user
    }

    /// The session table's summary of this session.
    pub fn info(&self) -> SessionInfo {
        SessionInfo {
            user: self.principal.user.clone(),
            uid: self.principal.uid,
            logical_system: self.view.logical_system().map(str::to_string),
            tty: self.tty.clone(),
            client: format!("{:?}", self.client).to_lowercase(),
            since: self.since,
            pid: self.pid,
            editing: self.candidate.as_ref().map(|c| (self.banner(), c.kind())),
        }
    }

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
            Some(ls) => format!("{}@{}:{}", self.user(), hostname, ls),
            None => format!("{}@{}", self.user(), hostname),
        };
        Prompt {
            head,
            banner: self.configuring().then(|| self.banner()),
        }
    }
}
