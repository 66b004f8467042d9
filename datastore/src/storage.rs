//! The narrow key-value interface the datastore needs, and its sled implementation.
//!
//! Everything above this module talks to [`Storage`], so the backend (sled today, maybe redb
//! tomorrow) can be swapped without touching the datastore logic. The contract:
//! - [`Storage::apply`] writes a whole [`Batch`] atomically, also across a crash: after a
//!   restart either every operation of the batch is visible or none is;
//! - [`Storage::flush`] returns only once everything applied before it is durable on disk;
//! - keys are compared as byte strings, [`Storage::scan_prefix`] returns them in ascending order.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long [`SledStorage::open`] waits for sled's directory lock.
pub const LOCK_RETRY: Duration = Duration::from_secs(2);

/// A key and its value.
pub type KeyValue = (Vec<u8>, Vec<u8>);

/// A failure of the storage backend, with the backend's own message.
#[derive(Debug, thiserror::Error)]
#[error("storage backend: {0}")]
pub struct StorageError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// A set of writes applied atomically by [`Storage::apply`]. A later operation on the same key
/// replaces an earlier one.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl Batch {
    /// Sets `key` to `value`.
    pub fn put(&mut self, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.writes.insert(key.into(), Some(value.into()));
    }

    /// Removes `key` (no error if absent).
    pub fn delete(&mut self, key: impl Into<Vec<u8>>) {
        self.writes.insert(key.into(), None);
    }

    /// The operations, in key order: `(key, Some(value))` for put, `(key, None)` for delete.
    pub fn ops(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.writes
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_deref()))
    }

    /// True when the batch writes nothing.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }
}

/// An ordered byte key-value store with atomic batches and an explicit durability barrier.
pub trait Storage: Send + Sync {
    /// The value of `key`, if any.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;
    /// All pairs whose key starts with `prefix`, in ascending key order.
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<KeyValue>, StorageError>;
    /// All keys starting with `prefix`, in ascending order (values not loaded when possible).
    fn keys_with_prefix(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>, StorageError> {
        Ok(self
            .scan_prefix(prefix)?
            .into_iter()
            .map(|(k, _)| k)
            .collect())
    }
    /// Applies all operations of `batch` atomically (all or nothing, also across a crash).
    fn apply(&self, batch: &Batch) -> Result<(), StorageError>;
    /// Makes everything applied so far durable; returns after the data reached the disk.
    fn flush(&self) -> Result<(), StorageError>;
}

/// [`Storage`] on a sled database (one tree; atomicity from `Tree::apply_batch`).
pub struct SledStorage {
    db: sled::Db,
}

fn backend(e: sled::Error) -> StorageError {
    StorageError(Box::new(e))
}

impl SledStorage {
    /// Opens (or creates) the sled database in directory `path`.
    ///
    /// sled releases its directory lock only when its background threads let go of the
    /// database, shortly after the last handle is dropped; so a lock conflict is retried for
    /// up to [`LOCK_RETRY`] before it is reported (then most likely another process has it).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        let deadline = Instant::now() + LOCK_RETRY;
        loop {
            match sled::Config::new().path(path.as_ref()).open() {
                Ok(db) => return Ok(Self { db }),
                Err(sled::Error::Io(e))
                    if e.to_string().contains("could not acquire lock")
                        && Instant::now() < deadline =>
                {
                    tracing::debug!(error = %e, "sled directory still locked, retrying");
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(backend(e)),
            }
        }
    }

    /// Bytes used on disk (for diagnostics and tests).
    pub fn size_on_disk(&self) -> Result<u64, StorageError> {
        self.db.size_on_disk().map_err(backend)
    }
}

impl Storage for SledStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.db.get(key).map_err(backend)?.map(|v| v.to_vec()))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<KeyValue>, StorageError> {
        self.db
            .scan_prefix(prefix)
            .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(backend))
            .collect()
    }

    fn keys_with_prefix(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>, StorageError> {
        self.db
            .scan_prefix(prefix)
            .keys()
            .map(|k| k.map(|k| k.to_vec()).map_err(backend))
            .collect()
    }

    fn apply(&self, batch: &Batch) -> Result<(), StorageError> {
        let mut sb = sled::Batch::default();
        for (k, v) in batch.ops() {
            match v {
                Some(v) => sb.insert(k, v),
                None => sb.remove(k),
            }
        }
        self.db.apply_batch(sb).map_err(backend)
    }

    fn flush(&self) -> Result<(), StorageError> {
        self.db.flush().map(|_| ()).map_err(backend)
    }
}
