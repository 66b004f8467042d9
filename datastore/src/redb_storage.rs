//! [`Storage`] on a redb database file: the store lsys uses.
//!
//! redb is a copy-on-write B-tree with a checksummed commit record: a transaction committed
//! with `Durability::Immediate` (redb's default) is on disk when `commit` returns, and a
//! crash at any point leaves either the previous or the new root visible. One [`Batch`] is one
//! write transaction, so [`Storage::flush`] has nothing left to do.
//!
//! After an I/O error (ENOSPC, EIO) redb refuses every later transaction of that `Database`
//! ("previous I/O error"), so a full disk once would stop every commit until lsysd restarts.
//! [`Storage::reopen`] closes the database and opens the file again instead. A commit that
//! failed only in its final fsync has already written its commit record: it would reappear
//! after the reopen although lsysd reported it failed, so `apply` keeps what undoes a failed
//! batch and `reopen` applies it when the batch turns out visible.
//!
//! Why not sled: see the README ("Storage"); in short, the kill test saw sled refuse to open a
//! store after a SIGKILL.

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError, RwLock};

use redb::{Database, ReadableDatabase, TableDefinition};

use crate::files::{DIR_MODE, FILE_MODE};
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

fn io(e: std::io::Error) -> StorageError {
    StorageError(Box::new(e))
}

/// The database is not open: reopening it after a failed write failed, and the next
/// [`Storage::reopen`] tries again.
#[derive(Debug, thiserror::Error)]
#[error("{} is closed: reopening it after a failed write did not succeed", file.display())]
struct Closed {
    file: PathBuf,
}

/// A batch whose commit failed, and the batch that restores what it overwrote.
struct FailedWrite {
    batch: Batch,
    undo: Batch,
}

/// [`Storage`] on the redb file `<directory>/lsys.redb`.
pub struct RedbStorage {
    /// `None` only after a reopen failed to open the file again.
    db: RwLock<Option<Database>>,
    file: PathBuf,
    /// The last batch whose commit failed, until a reopen made sure it is not visible.
    failed: Mutex<Option<FailedWrite>>,
}

impl RedbStorage {
    /// Opens (or creates) the store in directory `dir`. A file another process has open is
    /// refused (redb locks it), and so is a second open within this process. Created
    /// directories are 0700 and a created file 0600 (subject to the umask; the datastore's
    /// [`crate::Datastore::open`] also enforces them on existing ones).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StorageError> {
        let dir = dir.as_ref();
        DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)
            .map_err(io)?;
        let file = dir.join(FILE_NAME);
        let db = open_file(&file)?;
        Ok(Self::new(db, file))
    }

    fn new(db: Database, file: PathBuf) -> Self {
        Self {
            db: RwLock::new(Some(db)),
            file,
            failed: Mutex::new(None),
        }
    }

    /// Bytes used on disk (for diagnostics and tests).
    pub fn size_on_disk(&self) -> Result<u64, StorageError> {
        Ok(std::fs::metadata(&self.file).map_err(io)?.len())
    }

    /// Runs `f` on the open database.
    fn with_db<T>(
        &self,
        f: impl FnOnce(&Database) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let db = self.db.read().unwrap_or_else(PoisonError::into_inner);
        match db.as_ref() {
            Some(db) => f(db),
            None => Err(StorageError(Box::new(Closed {
                file: self.file.clone(),
            }))),
        }
    }

    /// Runs `f` on every pair whose key starts with `prefix`, in key order.
    fn each_with_prefix(
        &self,
        prefix: &[u8],
        mut f: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), StorageError> {
        self.with_db(|db| {
            let tx = db.begin_read().map_err(backend)?;
            let table = tx.open_table(KV).map_err(backend)?;
            for kv in table.range(prefix..).map_err(backend)? {
                let (k, v) = kv.map_err(backend)?;
                if !k.value().starts_with(prefix) {
                    break;
                }
                f(k.value(), v.value());
            }
            Ok(())
        })
    }
}

/// Opens `file` with redb, creating it 0600 when missing, and makes sure the table exists.
/// Opens the database in `file`, creating it first if there is none. A new database is made
/// whole under a temporary name and renamed into place only once it is durable: a process
/// killed while creating it (the crash test's first milliseconds) leaves either no database,
/// or a complete one — never a half-written header that can never be opened again.
fn open_file(file: &Path) -> Result<Database, StorageError> {
    let fresh = file.with_extension("redb.new");
    // An empty file is no database (an earlier build created it before redb wrote to it).
    if std::fs::metadata(file).is_ok_and(|m| m.len() == 0) {
        std::fs::remove_file(file).map_err(io)?;
    }
    if !file.exists() {
        // A leftover from a creation that was killed: it never became the database.
        match std::fs::remove_file(&fresh) {
            Ok(()) => tracing::warn!(file = %fresh.display(), "removed a half-created store"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        let db = create_table(build(&fresh)?)?;
        drop(db);
        std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(FILE_MODE)).map_err(io)?;
        std::fs::rename(&fresh, file).map_err(io)?;
        if let Some(dir) = file.parent() {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io)?;
        }
    }
    create_table(build(file)?)
}

fn build(path: &Path) -> Result<Database, StorageError> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .open(path)
        .map_err(io)?;
    Database::builder()
        .set_cache_size(CACHE_BYTES)
        .create_file(f)
        .map_err(backend)
}

/// Reads need the table to exist; creating it is an (idempotent) write transaction.
fn create_table(db: Database) -> Result<Database, StorageError> {
    let tx = db.begin_write().map_err(backend)?;
    tx.open_table(KV).map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(db)
}

fn get_in(db: &Database, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
    let tx = db.begin_read().map_err(backend)?;
    let table = tx.open_table(KV).map_err(backend)?;
    Ok(table.get(key).map_err(backend)?.map(|v| v.value().to_vec()))
}

/// Writes `batch` in one transaction. On failure, returns with the error the batch that
/// undoes it when the failure came from the commit itself (the only step after which the
/// batch can be on disk).
fn apply_in(db: &Database, batch: &Batch) -> Result<(), (StorageError, Option<Batch>)> {
    let tx = db.begin_write().map_err(|e| (backend(e), None))?;
    let mut undo = Batch::default();
    {
        let mut table = tx.open_table(KV).map_err(|e| (backend(e), None))?;
        for (k, v) in batch.ops() {
            let old = match v {
                Some(v) => table.insert(k, v),
                None => table.remove(k),
            }
            .map_err(|e| (backend(e), None))?;
            match old {
                Some(old) => undo.put(k, old.value()),
                None => undo.delete(k),
            }
        }
    }
    tx.commit().map_err(|e| (backend(e), Some(undo)))
}

/// True when every operation of `batch` shows in `db`. A commit batch always writes a new
/// history entry and sequence number, so "all of it" cannot be a coincidence.
fn visible(db: &Database, batch: &Batch) -> Result<bool, StorageError> {
    for (k, v) in batch.ops() {
        if get_in(db, k)?.as_deref() != v {
            return Ok(false);
        }
    }
    Ok(!batch.is_empty())
}

impl Storage for RedbStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.with_db(|db| get_in(db, key))
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
        self.with_db(|db| {
            apply_in(db, batch).map_err(|(e, undo)| {
                if let Some(undo) = undo {
                    let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
                    *failed = Some(FailedWrite {
                        batch: batch.clone(),
                        undo,
                    });
                }
                e
            })
        })
    }

    /// Every [`Storage::apply`] committed durably already.
    fn flush(&self) -> Result<(), StorageError> {
        Ok(())
    }

    /// Closes the database and opens the file again (redb repairs it if the failure left it
    /// unclean), then takes back a failed batch that reached the file anyway.
    fn reopen(&self) -> Result<(), StorageError> {
        let mut db = self.db.write().unwrap_or_else(PoisonError::into_inner);
        // redb locks the file: the old handle must be gone before it can be opened again.
        drop(db.take());
        let fresh = open_file(&self.file)?;
        let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(f) = failed.as_ref() {
            if visible(&fresh, &f.batch)? {
                apply_in(&fresh, &f.undo).map_err(|(e, _)| e)?;
                tracing::warn!(
                    file = %self.file.display(),
                    "a write reported as failed had reached the disk: taken back"
                );
            }
            *failed = None;
        }
        *db = Some(fresh);
        tracing::info!(file = %self.file.display(), "database reopened");
        Ok(())
    }
}

#[cfg(test)]
#[path = "redb_storage_tests.rs"]
mod tests;
