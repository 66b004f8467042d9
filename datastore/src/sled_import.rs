//! One-time import of a store that an earlier lsys build kept in sled.
//!
//! The key layout and value encoding did not change with the backend, so the import copies
//! every pair into redb in one transaction, then moves sled's files aside into
//! `sled-imported/` (kept, not deleted: nothing committed is ever lost).

use std::path::Path;

use crate::error::{Error, Result};
use crate::keys;
use crate::storage::{Batch, Storage, StorageError};

/// The files and directories sled 0.34 keeps in its directory.
const SLED_FILES: [&str; 3] = ["conf", "db", "blobs"];
/// Where they are moved once imported.
const ASIDE: &str = "sled-imported";

/// Imports the sled store in `dir` into `into` if `dir` holds one and `into` is still empty.
/// Returns the number of pairs copied.
pub(crate) fn import_if_present(dir: &Path, into: &impl Storage) -> Result<usize> {
    if !dir.join("conf").is_file() || !dir.join("db").is_file() {
        return Ok(0);
    }
    if into.get(keys::FORMAT)?.is_some() {
        return Ok(0);
    }
    let _span = tracing::info_span!("sled_import", dir = %dir.display()).entered();
    let failed = |e: sled::Error| Error::Import {
        dir: dir.display().to_string(),
        reason: e.to_string(),
    };
    let db = sled::Config::new().path(dir).open().map_err(failed)?;
    let mut batch = Batch::default();
    let mut pairs = 0;
    for kv in db.iter() {
        let (k, v) = kv.map_err(failed)?;
        batch.put(k.to_vec(), v.to_vec());
        pairs += 1;
    }
    drop(db);
    into.apply(&batch)?;
    into.flush()?;
    move_aside(dir)?;
    tracing::info!(pairs, "imported the sled store");
    Ok(pairs)
}

fn move_aside(dir: &Path) -> Result<()> {
    let io = |e: std::io::Error| Error::Storage(StorageError(Box::new(e)));
    let aside = dir.join(ASIDE);
    std::fs::create_dir_all(&aside).map_err(io)?;
    let snapshots = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("snap."));
    for name in SLED_FILES.iter().map(|s| s.to_string()).chain(snapshots) {
        let from = dir.join(&name);
        if from.exists() {
            std::fs::rename(&from, aside.join(&name)).map_err(io)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redb_storage::RedbStorage;

    #[test]
    fn a_sled_store_is_copied_once_and_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = sled::Config::new().path(dir.path()).open().unwrap();
            db.insert(keys::FORMAT, b"v".as_slice()).unwrap();
            db.insert(b"hist\0R\0x", b"text".as_slice()).unwrap();
            db.flush().unwrap();
        }
        let redb = RedbStorage::open(dir.path()).unwrap();
        assert_eq!(import_if_present(dir.path(), &redb).unwrap(), 2);
        assert_eq!(
            redb.get(b"hist\0R\0x").unwrap().as_deref(),
            Some(b"text".as_slice())
        );
        assert!(!dir.path().join("db").exists());
        assert!(dir.path().join(ASIDE).join("db").is_file());
        assert_eq!(import_if_present(dir.path(), &redb).unwrap(), 0);
    }
}
