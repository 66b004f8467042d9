//! The datastore: commits, history, candidates, locks and pending confirmations.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::codec::{decode, encode, FORMAT_VERSION};
use crate::error::{Error, Result};
use crate::files::{private_dir, private_file};
use crate::keys::{self, show, Scope};
use crate::model::{CommitMeta, HISTORY_DEPTH};
use crate::redb_storage::{RedbStorage, FILE_NAME};
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
    storage: S,
    pub(crate) options: Options,
    write: Mutex<()>,
    /// Set when a write failed: the next operation reopens the storage first
    /// ([`Storage::reopen`]), so a full disk costs the failed commit, not every later one.
    write_failed: Mutex<bool>,
}

impl Datastore<RedbStorage> {
    /// Opens (or creates) the store in directory `path` with default [`Options`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, Options::default())
    }

    /// Opens (or creates) the store in directory `path`. The directory is made 0700 and the
    /// database file 0600 whatever the umask, wider modes found are narrowed (with a warning),
    /// and a directory or file owned by another user is refused ([`Error::ForeignOwner`]): the
    /// store holds every tenant's configuration and MD5 keys.
    pub fn open_with(path: impl AsRef<Path>, options: Options) -> Result<Self> {
        let path = path.as_ref();
        let _span = tracing::debug_span!("datastore_open", path = %path.display()).entered();
        private_dir(path)?;
        private_file(&path.join(FILE_NAME))?;
        let storage = RedbStorage::open(path)?;
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
            write_failed: Mutex::new(false),
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
    /// newest history entry of its scope, and that no scope's first-version marker is newer
    /// than its oldest history entry.
    pub fn verify(&self) -> Result<()> {
        let last = self.last_seq()?;
        for scope in self.scopes()? {
            let v = self.committed(&scope)?.ok_or_else(|| Error::Corrupt {
                key: show(&keys::head(&scope).unwrap_or_default()),
                reason: "head vanished".into(),
            })?;
            let newest = self.st()?.keys_with_prefix(&keys::hist_prefix(&scope)?)?;
            let bk = keys::born(&scope)?;
            if let (Some(born), Some(oldest)) = (self.read::<u64>(&bk)?, newest.first()) {
                let oldest = Self::seq_of_hist_key(oldest)?;
                if born > oldest {
                    return Err(Error::Corrupt {
                        key: show(&bk),
                        reason: format!("first version {born} newer than history entry {oldest}"),
                    });
                }
            }
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

    /// The storage, reopened first if the previous write failed. Everything but
    /// [`Datastore::storage`] goes through here.
    pub(crate) fn st(&self) -> Result<&S> {
        let mut failed = self
            .write_failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *failed {
            self.storage.reopen()?;
            *failed = false;
            tracing::info!("storage reopened after a failed write");
        }
        Ok(&self.storage)
    }

    pub(crate) fn read<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>> {
        self.st()?.get(key)?.map(|v| decode(key, &v)).transpose()
    }

    /// Applies `batch` atomically and waits until it is on disk. A failure leaves the batch
    /// unapplied (after the reopen) and the storage to be reopened by the next operation.
    pub(crate) fn write_batch(&self, batch: &Batch) -> Result<()> {
        let st = self.st()?;
        if let Err(e) = st.apply(batch).and_then(|()| st.flush()) {
            *self
                .write_failed
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = true;
            tracing::error!(error = %e, "write failed; the storage is reopened before the next operation");
            return Err(e.into());
        }
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
            let old = self.st()?.keys_with_prefix(&keys::hist_prefix(scope)?)?;
            let bk = keys::born(scope)?;
            if old.len() < HISTORY_DEPTH && self.st()?.get(&bk)?.is_none() {
                // Nothing was ever pruned (pruning keeps exactly HISTORY_DEPTH entries), so
                // the oldest entry is the first version. Stores written before this marker
                // get it here; one already at full depth never does (see `as_of`).
                let first = match old.first() {
                    Some(k) => Self::seq_of_hist_key(k)?,
                    None => seq,
                };
                batch.put(bk.clone(), encode(&bk, &first)?);
            }
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
        let ks = self.st()?.keys_with_prefix(prefix)?;
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
        self.st()?
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
