//! Helpers the datastore's test files share.
#![allow(dead_code)]

use lsys_datastore::{Client, CommitMeta, Scope};

/// Commit metadata of `user`, at a fixed time.
pub fn meta(user: &str) -> CommitMeta {
    CommitMeta {
        user: user.into(),
        time_unix: 1_700_000_000,
        client: Client::Cli,
        comment: None,
        confirmed_deadline_unix: None,
    }
}

/// The scope of logical system `name`.
pub fn ls(name: &str) -> Scope {
    Scope::LogicalSystem(name.into())
}
