//! [`Storage`] on a redb database file: the store lsys uses.
//!
//! redb is a copy-on-write B-tree with a checksummed commit record: a transaction committed
//! with `Durability::Immediate` (redb's default) is on disk when `commit` returns, and a
//! crash at any point leaves either the previous or the new root visible. One [`Batch`] is one
//! write transaction, so [`Storage::flush`] has nothing left to do.
//!
//! Why not sled: see the README ("Storage"); in short, the kill test saw sled refuse to open a
//! store after a SIGKILL.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, TableDefinition};

use crate::storage::{Batch, KeyValue, Storage, StorageError};

/// The database file inside the store's directory.
pub const FILE_NAME: &str = "lsys.redb";

/// The one table: byte keys to byte values (the key layout is in the crate documentation).
const KV: TableDefinition<&[u8], &[u8]> = TableDefinition::new("lsys");

/// redb's page cache. Configuration texts are small and read rarely; the default (1 GiB)
/// would let a long-running lsysd grow far beyond its memory budget.
const CACHE_BYTES: usize = 16 << 20;

fn backend(e: impl Into<redb::Error>) -> StorageError {
    StorageError(Box::new(e.into()))
}

/// [`Storage`] on the redb file `<directory>/lsys.redb`.
pub struct RedbStorage {
    db: Database,
    file: PathBuf,
}

impl RedbStorage {
    /// Opens (or creates) the store in directory `dir`. A file another process has open is
    /// refused (redb locks it), and so is a second open within this process.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StorageError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| StorageError(Box::new(e)))?;
        let file = dir.join(FILE_NAME);
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&file)
            .map_err(backend)?;
        // Reads need the table to exist; creating it is an (idempotent) write transaction.
        let tx = db.begin_write().map_err(backend)?;
        tx.open_table(KV).map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(Self { db, file })
    }

    /// Bytes used on disk (for diagnostics and tests).
    pub fn size_on_disk(&self) -> Result<u64, StorageError> {
        Ok(std::fs::metadata(&self.file)
            .map_err(|e| StorageError(Box::new(e)))?
            .len())
    }

    /// Runs `f` on every pair whose key starts with `prefix`, in key order.
    fn each_with_prefix(
        &self,
        prefix: &[u8],
        mut f: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), StorageError> {
        let tx = self.db.begin_read().map_err(backend)?;
        let table = tx.open_table(KV).map_err(backend)?;
        for kv in table.range(prefix..).map_err(backend)? {
            let (k, v) = kv.map_err(backend)?;
            if !k.value().starts_with(prefix) {
                break;
            }
            f(k.value(), v.value());
        }
        Ok(())
    }
}

impl Storage for RedbStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let tx = self.db.begin_read().map_err(backend)?;
        let table = tx.open_table(KV).map_err(backend)?;
        Ok(table.get(key).map_err(backend)?.map(|v| v.value().to_vec()))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<KeyValue>, StorageError> {
        let mut out = Vec::new();
        self.each_with_prefix(prefix, |k, v| out.push((k.to_vec(), v.to_vec())))?;
        Ok(out)
    }

    fn keys_with_prefix(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>, StorageError> {
        let mut out = Vec::new();
        self.each_with_prefix(prefix, |k, _| out.push(k.to_vec()))?;
        Ok(out)
    }

    fn apply(&self, batch: &Batch) -> Result<(), StorageError> {
        let tx = self.db.begin_write().map_err(backend)?;
        {
            let mut table = tx.open_table(KV).map_err(backend)?;
            for (k, v) in batch.ops() {
                match v {
                    Some(v) => drop(table.insert(k, v).map_err(backend)?),
                    None => drop(table.remove(k).map_err(backend)?),
                }
            }
        }
        tx.commit().map_err(backend)
    }

    /// Every [`Storage::apply`] committed durably already.
    fn flush(&self) -> Result<(), StorageError> {
        Ok(())
    }
}
