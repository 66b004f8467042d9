//! Typed errors of the datastore.

use std::path::PathBuf;

use crate::keys::Scope;
use crate::storage::StorageError;

/// Everything that can go wrong in the datastore. Messages carry the offending values.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The storage backend (redb) failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A stored value failed its checksum or could not be decoded.
    #[error("datastore corrupt at key {key}: {reason}")]
    Corrupt { key: String, reason: String },
    /// A stored value (or the store itself) has a format version this build does not know.
    #[error("unsupported datastore format version {found} at key {key} (this build reads version {expected})")]
    UnsupportedFormat {
        key: String,
        found: u8,
        expected: u8,
    },
    /// A filesystem operation on the store's directory or file failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Fs {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The store's directory or file belongs to another user, who could read or replace it
    /// whatever its mode: refused rather than trusted.
    #[error("{} is owned by uid {owner}, not by uid {euid} that runs this process: refusing to use it", path.display())]
    ForeignOwner {
        path: PathBuf,
        owner: u32,
        euid: u32,
    },
    /// Something other than a directory (or regular file) where the store expects one.
    #[error("{} is not a {expected}", path.display())]
    WrongFileType {
        path: PathBuf,
        expected: &'static str,
    },
    /// A value could not be serialized (should not happen for the datastore's own types).
    #[error("cannot encode value for key {key}: {reason}")]
    Encode { key: String, reason: String },
    /// A scope that cannot be encoded as a key.
    #[error("invalid scope {name:?}: {reason}")]
    InvalidScope { name: String, reason: &'static str },
    /// `rollback n` beyond the kept history.
    #[error("rollback index {n} out of range (0..={max})")]
    RollbackOutOfRange { n: usize, max: usize },
    /// `commit` called with no scope to write.
    #[error("commit without any change")]
    EmptyCommit,
    /// The same scope appears twice in one commit.
    #[error("scope {scope} appears more than once in one commit")]
    DuplicateScope { scope: Scope },
    /// The scope's exclusive lock is held by someone else.
    #[error("configuration of {scope} locked by user {by}")]
    Locked { scope: Scope, by: String },
    /// `unlock` by someone who does not hold the lock.
    #[error("{owner} cannot unlock {scope}: lock held by {by}")]
    NotLockOwner {
        scope: Scope,
        owner: String,
        by: String,
    },
    /// The VRF table-id range has no free id left.
    #[error("no free routing table id in {start}..={end}")]
    TableRangeExhausted { start: u32, end: u32 },
    /// A configured table-id range that is empty.
    #[error("invalid routing table id range {start}..={end}")]
    InvalidTableRange { start: u32, end: u32 },
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
