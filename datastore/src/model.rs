//! The records the datastore keeps: commit metadata, versions, history entries.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Number of versions kept per scope: rollback 0 (current) ..= 49.
pub const HISTORY_DEPTH: usize = 50;

/// How a commit was made (`show system commit` prints "via cli").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Client {
    Cli,
    Batch,
    Ssh,
    Web,
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Client::Cli => "cli",
            Client::Batch => "batch",
            Client::Ssh => "ssh",
            Client::Web => "web",
        })
    }
}

/// Who committed, when, how and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitMeta {
    pub user: String,
    pub time_unix: i64,
    pub client: Client,
    pub comment: Option<String>,
    /// Set for `commit confirmed`: when the commit rolls back unless confirmed.
    pub confirmed_deadline_unix: Option<i64>,
}

/// One committed configuration of one scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// Global commit sequence number (shared by all scopes written in the same commit).
    pub seq: u64,
    pub meta: CommitMeta,
    /// The configuration text, opaque to the datastore.
    pub text: String,
}

/// One line of `show system commit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Rollback index: 0 is the current committed configuration.
    pub index: usize,
    pub seq: u64,
    pub meta: CommitMeta,
}

/// A scope as of a past global commit: see [`crate::Datastore::as_of`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsOf {
    /// The scope's newest version with seq ≤ the one asked for. An empty text means the
    /// scope was deleted by that commit.
    Version(Version),
    /// Provably no version of the scope existed yet.
    Absent,
    /// The version in force then was pruned from the history (beyond [`HISTORY_DEPTH`]), or
    /// may have been: the exact past cannot be rebuilt.
    Unknown,
}
