//! Reading the history: the committed version, rollbacks, `show system commit`, and the
//! version of a scope as of a past commit.

use crate::codec::decode;
use crate::error::{Error, Result};
use crate::keys::{self, show, Scope};
use crate::model::{AsOf, HistoryEntry, Version, HISTORY_DEPTH};
use crate::storage::Storage;
use crate::store::Datastore;

impl<S: Storage> Datastore<S> {
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

    pub(crate) fn seq_of_hist_key(key: &[u8]) -> Result<u64> {
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
        let bytes = self.st()?.get(&hk)?.ok_or_else(|| Error::Corrupt {
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
        let ks = self.st()?.keys_with_prefix(&keys::hist_prefix(scope)?)?;
        let Some(k) = ks.iter().rev().nth(n) else {
            return Ok(None);
        };
        let Some(bytes) = self.st()?.get(k)? else {
            return Ok(None);
        };
        self.load_version(scope, Self::seq_of_hist_key(k)?, k, &bytes)
            .map(Some)
    }

    /// The history of `scope`, newest first (index 0 = current committed).
    pub fn history(&self, scope: &Scope) -> Result<Vec<HistoryEntry>> {
        let kvs = self.st()?.scan_prefix(&keys::hist_prefix(scope)?)?;
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

    /// What `scope` looked like right after global commit `seq`, so that a caller can rebuild
    /// the whole configuration of that moment from every scope (`rollback N` of root picks
    /// the seq; each logical system's own history may be shorter or longer). Rollback
    /// indexes cannot do this: they count a scope's own commits, not global ones.
    ///
    /// [`AsOf::Version`]: the scope's newest version with seq ≤ `seq` (an empty text means
    /// the scope was deleted by that commit; the caller decides what that means).
    /// [`AsOf::Absent`]: provably no version existed yet. [`AsOf::Unknown`]: the version in
    /// force then was pruned beyond [`HISTORY_DEPTH`], or may have been (a store written
    /// before the first-version marker, with a full history): that past cannot be rebuilt.
    pub fn as_of(&self, scope: &Scope, seq: u64) -> Result<AsOf> {
        // Under the write lock, so that no commit prunes an entry between listing and reading.
        let _g = self.guard();
        let ks = self.st()?.keys_with_prefix(&keys::hist_prefix(scope)?)?;
        for k in ks.iter().rev() {
            let s = Self::seq_of_hist_key(k)?;
            if s <= seq {
                let bytes = self.st()?.get(k)?.ok_or_else(|| Error::Corrupt {
                    key: show(k),
                    reason: format!("{scope}: history entry vanished"),
                })?;
                return self.load_version(scope, s, k, &bytes).map(AsOf::Version);
            }
        }
        // Every kept version is newer than `seq` (or there is none).
        let first = self.read::<u64>(&keys::born(scope)?)?;
        Ok(match first {
            Some(first) if seq < first => AsOf::Absent,
            Some(_) => AsOf::Unknown,
            // No marker: pruning keeps exactly HISTORY_DEPTH entries, so a shorter history
            // was never pruned; a full one may have been.
            None if ks.len() < HISTORY_DEPTH => AsOf::Absent,
            None => AsOf::Unknown,
        })
    }
}
