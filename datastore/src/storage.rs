//! The narrow key-value interface the datastore needs. lsys uses [`crate::RedbStorage`];
//! tests wrap it to inject faults.
//!
//! Everything above this module talks to [`Storage`], so a backend can be swapped without
//! touching the datastore logic. The contract:
//! - [`Storage::apply`] writes a whole [`Batch`] atomically, also across a crash: after a
//!   restart either every operation of the batch is visible or none is;
//! - [`Storage::flush`] returns only once everything applied before it is durable on disk;
//! - keys are compared as byte strings, [`Storage::scan_prefix`] returns them in ascending order;
//! - after a failed [`Storage::apply`], [`Storage::reopen`] makes the backend usable again and
//!   leaves none of the failed batch visible.

use std::collections::BTreeMap;

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
    /// Called by the datastore before its next operation once an `apply` or `flush` failed.
    /// A backend that a failed write leaves unusable (redb refuses every transaction after an
    /// I/O error, e.g. ENOSPC, until the database is opened again) closes and reopens its
    /// files here. The failed batch was reported as failed, so afterwards none of it may be
    /// visible, even if it reached the disk before the error (a failed fsync). The default
    /// does nothing: right for a backend whose failed writes change nothing.
    fn reopen(&self) -> Result<(), StorageError> {
        Ok(())
    }
}
