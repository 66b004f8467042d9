//! The global VRF routing-table id allocator.
//!
//! State (one value, written in the same batch as the owner's entry):
//! `next` never-used id, `allocated` count of allocations so far, and a FIFO `quarantine` of
//! released ids stamped with the `allocated` count at release. A released id is reused once
//! `Options::table_quarantine` other allocations happened since, or when the range has no
//! never-used id left (then the oldest released id goes first).

use std::collections::{BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::codec::{decode, encode};
use crate::error::{Error, Result};
use crate::keys::{self, show};
use crate::storage::{Batch, Storage};
use crate::store::Datastore;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct AllocState {
    next: u64,
    allocated: u64,
    quarantine: VecDeque<(u32, u64)>,
}

impl<S: Storage> Datastore<S> {
    /// The table id of `owner` (e.g. a routing instance's qualified name); allocates one if it
    /// has none. Persisted before returning.
    pub fn allocate_table(&self, owner: &str) -> Result<u32> {
        let _g = self.guard();
        let ok = keys::table_owner(owner);
        if let Some(id) = self.read::<u32>(&ok)? {
            return Ok(id);
        }
        let range = self.options.table_range.clone();
        let (start, end) = (*range.start(), *range.end());
        let in_use: BTreeSet<u32> = self
            .table_allocations()?
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        let mut st: AllocState = self.read(keys::TABLE_STATE)?.unwrap_or_default();
        let free = |id: &u32| range.contains(id) && !in_use.contains(id);
        // Oldest released id, if it served its quarantine.
        let ripe = st.quarantine.iter().position(|(id, at)| {
            free(id) && st.allocated.saturating_sub(*at) >= self.options.table_quarantine
        });
        let mut next = st.next.max(u64::from(start));
        while next <= u64::from(end) && in_use.contains(&(next as u32)) {
            next += 1;
        }
        let id = if let Some(i) = ripe {
            st.quarantine.remove(i).map(|(id, _)| id)
        } else if next <= u64::from(end) {
            st.next = next + 1;
            Some(next as u32)
        } else {
            // Range exhausted: reuse the oldest released id even if still in quarantine.
            let i = st.quarantine.iter().position(|(id, _)| free(id));
            i.and_then(|i| st.quarantine.remove(i)).map(|(id, _)| id)
        };
        let id = id.ok_or(Error::TableRangeExhausted { start, end })?;
        st.allocated += 1;
        let mut b = Batch::default();
        b.put(ok.clone(), encode(&ok, &id)?);
        b.put(keys::TABLE_STATE, encode(keys::TABLE_STATE, &st)?);
        self.write_batch(&b)?;
        tracing::debug!(owner, table = id, "routing table allocated");
        Ok(id)
    }

    /// Releases the table id of `owner` into quarantine; returns it (None if `owner` had none).
    pub fn release_table(&self, owner: &str) -> Result<Option<u32>> {
        let _g = self.guard();
        let ok = keys::table_owner(owner);
        let Some(id) = self.read::<u32>(&ok)? else {
            return Ok(None);
        };
        let mut st: AllocState = self.read(keys::TABLE_STATE)?.unwrap_or_default();
        st.quarantine.push_back((id, st.allocated));
        let mut b = Batch::default();
        b.delete(ok);
        b.put(keys::TABLE_STATE, encode(keys::TABLE_STATE, &st)?);
        self.write_batch(&b)?;
        tracing::debug!(owner, table = id, "routing table released");
        Ok(Some(id))
    }

    /// Every allocated table id as (owner, id), by owner name.
    pub fn table_allocations(&self) -> Result<Vec<(String, u32)>> {
        self.st()?
            .scan_prefix(keys::TABLE_OWNER_PREFIX)?
            .into_iter()
            .map(|(k, v)| {
                let owner = String::from_utf8(k[keys::TABLE_OWNER_PREFIX.len()..].to_vec())
                    .map_err(|_| Error::Corrupt {
                        key: show(&k),
                        reason: "owner name is not UTF-8".into(),
                    })?;
                Ok((owner, decode(&k, &v)?))
            })
            .collect()
    }
}
