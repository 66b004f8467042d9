//! The datastore: commits, history, candidates, locks and pending confirmations.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::codec::{decode, encode, FORMAT_VERSION};
use crate::error::{Error, Result};
use crate::keys::{self, show, Scope};
use crate::model::{CommitMeta, HistoryEntry, Version, HISTORY_DEPTH};
use crate::redb_storage::RedbStorage;
use crate::sled_import;
use crate::storage::{Batch, Storage};

/// Construction options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Range the VRF routing-table ids are allocated from.
    pub table_range: RangeInclusive<u32>,
    /// A released table id is reused only after this many other allocations
    /// (or when the range has no never-used id left).
    pub table_quarantine: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            table_range: 1000..=65000,
            table_quarantine: 256,
        }
    }
}

/// What `commit confirmed` left to be confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct PendingConfirm {
    seq: u64,
    deadline_unix: i64,
}

/// Serialized form of [`Version`] without copying the text.
#[derive(Serialize)]
struct VersionRef<'a> {
    seq: u64,
    meta: &'a CommitMeta,
    text: &'a str,
}

/// The configuration database. All writes are serialized by an internal mutex, applied as one
/// atomic [`Batch`] and flushed before the call returns.
pub struct Datastore<S: Storage = RedbStorage> {
    pub(crate) storage: S,
    pub(crate) options: Options,
    write: Mutex<()>,
}

impl Datastore<RedbStorage> {
    /// Opens (or creates) the store in directory `path` with default [`Options`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, Options::default())
    }

    /// Opens (or creates) the store in directory `path`; a sled store an earlier build left
    /// there is imported first.
    pub fn open_with(path: impl AsRef<Path>, options: Options) -> Result<Self> {
        let path = path.as_ref();
        let _span = tracing::debug_span!("datastore_open", path = %path.display()).entered();
        let storage = RedbStorage::open(path)?;
        sled_import::import_if_present(path, &storage)?;
        Self::with_storage(storage, options)
    }
}

impl<S: Storage> Datastore<S> {
    /// Wraps an already opened backend; checks the format version and verifies the checksum
    /// of every scope's committed configuration.
    pub fn with_storage(storage: S, options: Options) -> Result<Self> {
        let (start, end) = (*options.table_range.start(), *options.table_range.end());
        if start > end {
            return Err(Error::InvalidTableRange { start, end });
        }
        let ds = Self {
            storage,
            options,
            write: Mutex::new(()),
        };
        match ds.read::<u8>(keys::FORMAT)? {
            Some(FORMAT_VERSION) => {}
            Some(found) => {
                return Err(Error::UnsupportedFormat {
                    key: show(keys::FORMAT),
                    found,
                    expected: FORMAT_VERSION,
                })
            }
            None => {
                let mut b = Batch::default();
                b.put(keys::FORMAT, encode(keys::FORMAT, &FORMAT_VERSION)?);
                ds.write_batch(&b)?;
            }
        }
        ds.verify()?;
        Ok(ds)
    }

    /// The backend, for tools and tests (writing to it directly bypasses every invariant).
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Checks that every committed configuration is present, matches its checksum and is the
    /// newest history entry of its scope.
    pub fn verify(&self) -> Result<()> {
        let last = self.last_seq()?;
        for scope in self.scopes()? {
            let v = self.committed(&scope)?.ok_or_else(|| Error::Corrupt {
                key: show(&keys::head(&scope).unwrap_or_default()),
                reason: "head vanished".into(),
            })?;
            let newest = self.storage.keys_with_prefix(&keys::hist_prefix(&scope)?)?;
            if newest.last() != Some(&keys::hist(&scope, v.seq)?) || v.seq > last {
                return Err(Error::Corrupt {
                    key: show(&keys::head(&scope)?),
                    reason: format!(
                        "committed seq {} is not the newest history entry (last seq {last})",
                        v.seq
                    ),
                });
            }
        }
        Ok(())
    }

    pub(crate) fn guard(&self) -> MutexGuard<'_, ()> {
        // A panic while holding the guard cannot leave a half-applied batch behind.
        self.write.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn read<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>> {
        self.storage.get(key)?.map(|v| decode(key, &v)).transpose()
    }

    /// Applies `batch` atomically and waits until it is on disk.
    pub(crate) fn write_batch(&self, batch: &Batch) -> Result<()> {
        self.storage.apply(batch)?;
        self.storage.flush()?;
        Ok(())
    }

    fn put<T: Serialize + ?Sized>(&self, key: Vec<u8>, value: &T) -> Result<()> {
        let mut b = Batch::default();
        let v = encode(&key, value)?;
        b.put(key, v);
        self.write_batch(&b)
    }

    fn delete(&self, key: Vec<u8>) -> Result<()> {
        let mut b = Batch::default();
        b.delete(key);
        self.write_batch(&b)
    }

    /// Sequence number of the latest commit (0 before the first).
    pub fn last_seq(&self) -> Result<u64> {
        Ok(self.read(keys::SEQ)?.unwrap_or(0))
    }

    /// Commits new texts for several scopes in ONE atomic, flushed transaction: the committed
    /// text and a history entry of every scope, pruning of history beyond
    /// [`HISTORY_DEPTH`], the pending confirmation (set when `meta.confirmed_deadline_unix` is
    /// set, cleared otherwise: a plain commit confirms) and the global sequence number.
    /// Returns the new sequence number.
    pub fn commit(&self, changes: &[(Scope, String)], meta: CommitMeta) -> Result<u64> {
        if changes.is_empty() {
            return Err(Error::EmptyCommit);
        }
        let _g = self.guard();
        let seq = self.last_seq()? + 1;
        let _span =
            tracing::info_span!("commit", seq, user = %meta.user, client = %meta.client).entered();
        let mut batch = Batch::default();
        let mut seen = BTreeSet::new();
        for (scope, text) in changes {
            if !seen.insert(scope) {
                return Err(Error::DuplicateScope {
                    scope: scope.clone(),
                });
            }
            let hk = keys::hist(scope, seq)?;
            let rec = VersionRef {
                seq,
                meta: &meta,
                text,
            };
            batch.put(hk.clone(), encode(&hk, &rec)?);
            let head = keys::head(scope)?;
            batch.put(head.clone(), encode(&head, &seq)?);
            let old = self.storage.keys_with_prefix(&keys::hist_prefix(scope)?)?;
            let excess = (old.len() + 1).saturating_sub(HISTORY_DEPTH);
            for k in old.into_iter().take(excess) {
                batch.delete(k);
            }
            let ck = keys::confirm(scope)?;
            match meta.confirmed_deadline_unix {
                Some(deadline_unix) => {
                    let pc = PendingConfirm { seq, deadline_unix };
                    batch.put(ck.clone(), encode(&ck, &pc)?);
                }
                None => batch.delete(ck),
            }
            tracing::debug!(logical_system = %scope, bytes = text.len(), "scope committed");
        }
        batch.put(keys::SEQ, encode(keys::SEQ, &seq)?);
        self.write_batch(&batch)?;
        tracing::info!(scopes = changes.len(), "commit complete");
        Ok(seq)
    }

    fn load_version(&self, scope: &Scope, seq: u64, key: &[u8], bytes: &[u8]) -> Result<Version> {
        let v: Version = decode(key, bytes)?;
        if v.seq != seq {
            return Err(Error::Corrupt {
                key: show(key),
                reason: format!("{scope}: record has seq {}, key says {seq}", v.seq),
            });
        }
        Ok(v)
    }

    fn seq_of_hist_key(key: &[u8]) -> Result<u64> {
        let tail: [u8; 8] = key
            .len()
            .checked_sub(8)
            .and_then(|at| key[at..].try_into().ok())
            .ok_or_else(|| Error::Corrupt {
                key: show(key),
                reason: "history key without sequence number".into(),
            })?;
        Ok(u64::from_be_bytes(tail))
    }

    /// The current committed configuration of `scope` (rollback 0), if it was ever committed.
    pub fn committed(&self, scope: &Scope) -> Result<Option<Version>> {
        let Some(seq) = self.read::<u64>(&keys::head(scope)?)? else {
            return Ok(None);
        };
        let hk = keys::hist(scope, seq)?;
        let bytes = self.storage.get(&hk)?.ok_or_else(|| Error::Corrupt {
            key: show(&hk),
            reason: format!("{scope}: committed seq {seq} has no history entry"),
        })?;
        self.load_version(scope, seq, &hk, &bytes).map(Some)
    }

    /// Version `n` of `scope`: 0 = current committed, 1 = previous, … up to
    /// `HISTORY_DEPTH - 1`. `None` when the history is shorter.
    pub fn rollback(&self, scope: &Scope, n: usize) -> Result<Option<Version>> {
        if n >= HISTORY_DEPTH {
            return Err(Error::RollbackOutOfRange {
                n,
                max: HISTORY_DEPTH - 1,
            });
        }
        let ks = self.storage.keys_with_prefix(&keys::hist_prefix(scope)?)?;
        let Some(k) = ks.iter().rev().nth(n) else {
            return Ok(None);
        };
        let Some(bytes) = self.storage.get(k)? else {
            return Ok(None);
        };
        self.load_version(scope, Self::seq_of_hist_key(k)?, k, &bytes)
            .map(Some)
    }

    /// The history of `scope`, newest first (index 0 = current committed).
    pub fn history(&self, scope: &Scope) -> Result<Vec<HistoryEntry>> {
        let kvs = self.storage.scan_prefix(&keys::hist_prefix(scope)?)?;
        kvs.iter()
            .rev()
            .enumerate()
            .map(|(index, (k, v))| {
                let v = self.load_version(scope, Self::seq_of_hist_key(k)?, k, v)?;
                Ok(HistoryEntry {
                    index,
                    seq: v.seq,
                    meta: v.meta,
                })
            })
            .collect()
    }

    /// Scopes that have a committed configuration: root first, then logical systems by name.
    pub fn scopes(&self) -> Result<Vec<Scope>> {
        let mut scopes = self
            .storage
            .keys_with_prefix(keys::HEAD_PREFIX)?
            .iter()
            .map(|k| {
                Scope::from_key(&k[keys::HEAD_PREFIX.len()..]).ok_or_else(|| Error::Corrupt {
                    key: show(k),
                    reason: "undecodable scope".into(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        scopes.sort();
        Ok(scopes)
    }

    /// The shared candidate of `scope` (`configure`), if any.
    pub fn shared_candidate(&self, scope: &Scope) -> Result<Option<String>> {
        self.read(&keys::shared_candidate(scope)?)
    }

    /// Stores the shared candidate of `scope`.
    pub fn set_shared_candidate(&self, scope: &Scope, text: &str) -> Result<()> {
        self.put(keys::shared_candidate(scope)?, text)
    }

    /// Drops the shared candidate of `scope`.
    pub fn clear_shared_candidate(&self, scope: &Scope) -> Result<()> {
        self.delete(keys::shared_candidate(scope)?)
    }

    /// The private candidate of session `session` in `scope` (`configure private`), if any.
    pub fn private_candidate(&self, scope: &Scope, session: u64) -> Result<Option<String>> {
        self.read(&keys::private_candidate(scope, session)?)
    }

    /// Stores the private candidate of session `session` in `scope`.
    pub fn set_private_candidate(&self, scope: &Scope, session: u64, text: &str) -> Result<()> {
        self.put(keys::private_candidate(scope, session)?, text)
    }

    /// Drops the private candidate of session `session` in `scope`.
    pub fn clear_private_candidate(&self, scope: &Scope, session: u64) -> Result<()> {
        self.delete(keys::private_candidate(scope, session)?)
    }

    /// Drops every private candidate of `session` (session ended); returns how many.
    pub fn clear_private_candidates_of(&self, session: u64) -> Result<usize> {
        self.delete_prefix(&keys::private_prefix(session))
    }

    /// Deletes every key under `prefix` in one batch; returns how many.
    fn delete_prefix(&self, prefix: &[u8]) -> Result<usize> {
        let ks = self.storage.keys_with_prefix(prefix)?;
        let mut b = Batch::default();
        for k in &ks {
            b.delete(k.clone());
        }
        if !b.is_empty() {
            self.write_batch(&b)?;
        }
        Ok(ks.len())
    }

    /// Takes the exclusive lock of `scope` (`configure exclusive`). Taking a lock one already
    /// holds succeeds.
    pub fn lock(&self, scope: &Scope, owner: &str) -> Result<()> {
        let _g = self.guard();
        let k = keys::lock(scope)?;
        match self.read::<String>(&k)? {
            Some(by) if by == owner => Ok(()),
            Some(by) => Err(Error::Locked {
                scope: scope.clone(),
                by,
            }),
            None => self.put(k, owner),
        }
    }

    /// Releases the lock of `scope`. Unlocking an unlocked scope succeeds.
    pub fn unlock(&self, scope: &Scope, owner: &str) -> Result<()> {
        let _g = self.guard();
        let k = keys::lock(scope)?;
        match self.read::<String>(&k)? {
            None => Ok(()),
            Some(by) if by == owner => self.delete(k),
            Some(by) => Err(Error::NotLockOwner {
                scope: scope.clone(),
                owner: owner.to_string(),
                by,
            }),
        }
    }

    /// Who holds the lock of `scope`.
    pub fn lock_holder(&self, scope: &Scope) -> Result<Option<String>> {
        self.read(&keys::lock(scope)?)
    }

    /// Every held lock as (scope, owner).
    pub fn locks(&self) -> Result<Vec<(Scope, String)>> {
        self.storage
            .scan_prefix(keys::LOCK_PREFIX)?
            .into_iter()
            .map(|(k, v)| {
                let scope = Scope::from_key(&k[keys::LOCK_PREFIX.len()..]).ok_or_else(|| {
                    Error::Corrupt {
                        key: show(&k),
                        reason: "undecodable scope".into(),
                    }
                })?;
                Ok((scope, decode(&k, &v)?))
            })
            .collect()
    }

    /// Releases every lock (daemon start, when sessions did not survive); returns how many.
    pub fn clear_all_locks(&self) -> Result<usize> {
        let _g = self.guard();
        self.delete_prefix(keys::LOCK_PREFIX)
    }

    /// The unconfirmed `commit confirmed` of `scope`, as (seq, deadline in unix seconds).
    pub fn pending_confirm(&self, scope: &Scope) -> Result<Option<(u64, i64)>> {
        Ok(self
            .read::<PendingConfirm>(&keys::confirm(scope)?)?
            .map(|p| (p.seq, p.deadline_unix)))
    }

    /// Forgets the pending confirmation of `scope` (confirmed, or rolled back).
    pub fn clear_pending_confirm(&self, scope: &Scope) -> Result<()> {
        let _g = self.guard();
        self.delete(keys::confirm(scope)?)
    }
}
