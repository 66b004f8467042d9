//! lsys-datastore: committed configuration per scope (root or logical system), 50 rollbacks
//! with commit metadata, shared and private candidates, exclusive locks, pending
//! `commit confirmed` deadlines and the VRF routing-table id allocator.
//!
//! Configuration is stored as opaque text: the grammar crate renders and parses it.
//!
//! ```text
//!   Datastore  ── serializes writes (mutex), builds one Batch per operation
//!       │           apply(batch)  = all-or-nothing, also across a crash
//!       ▼           flush()       = fsync; every write returns only after it
//!   Storage trait (get, scan_prefix, keys_with_prefix, apply, flush)
//!       │
//!   RedbStorage (one redb table; one write transaction per Batch, durable on commit)
//! ```
//!
//! Key layout (components separated by NUL; scope = `R` | `L<logical-system name>`;
//! numbers big-endian so byte order is numeric order):
//!
//! | key                              | value                                   |
//! |----------------------------------|-----------------------------------------|
//! | `meta/format`                    | format version                          |
//! | `meta/seq`                       | last global commit sequence number      |
//! | `head/<scope>`                   | seq of the scope's committed version    |
//! | `born/<scope>`                   | seq of the scope's first version (*)    |
//! | `hist/<scope>/<seq:u64>`         | [`Version`] {seq, meta, text} (≤ 50)    |
//! | `cnfm/<scope>`                   | pending `commit confirmed` (seq, deadline) |
//! | `cand/<scope>`                   | shared candidate text                   |
//! | `priv/<session:u64>/<scope>`     | private candidate text                  |
//! | `lock/<scope>`                   | exclusive lock owner                    |
//! | `tbl/own/<owner>`                | allocated table id                      |
//! | `tbl/state`                      | allocator: next id, count, quarantine   |
//!
//! (*) written by the commit that creates the scope, and by the first commit of a scope in a
//! store older than this key whose history is still shorter than 50 (so nothing was pruned
//! yet). A scope without it and with a full history may have lost versions:
//! [`Datastore::as_of`] answers [`AsOf::Unknown`] rather than guess. Older builds ignore the
//! key, so [`FORMAT_VERSION`] did not change.
//!
//! Every value is `[format version u8][crc32 u32 BE][JSON]`; every read verifies the
//! checksum and reports a mismatch as [`Error::Corrupt`], never as wrong text.
//!
//! A commit is ONE batch: for each scope the new `hist` entry, the `head` pointer, the
//! deletion of entries beyond 50, the `cnfm` entry, the `born` marker if due; plus `meta/seq`. After a crash the store
//! shows either the whole commit or none of it, so the committed version of every scope is
//! always the newest history entry of the same commit. The batch is flushed (fsync) before
//! `commit` returns, so an acknowledged commit survives a crash. [`Datastore::open`] checks
//! the format and verifies every committed version (head → history entry → checksum) and
//! that no `born` marker is newer than its scope's oldest history entry.
//!
//! A failed write (ENOSPC, EIO) is reported as failed and the next operation reopens the
//! storage ([`Storage::reopen`]): redb refuses every transaction after an I/O error until
//! then, and a commit whose fsync failed after its commit record was written is taken back.
//!
//! The store is private to the user lsysd runs as: directory 0700, file 0600, enforced on
//! every open (see [`private_dir`]).
//! `tests/crash.rs` kills a committing process with SIGKILL hundreds of times to hold the
//! backend to that promise (sled failed it; see the README).

mod alloc;
mod codec;
mod error;
mod files;
mod history;
mod keys;
mod model;
mod redb_storage;
mod storage;
mod store;

pub use codec::FORMAT_VERSION;
pub use error::{Error, Result};
pub use files::private_dir;
pub use keys::Scope;
pub use model::{AsOf, Client, CommitMeta, HistoryEntry, Version, HISTORY_DEPTH};
pub use redb_storage::{RedbStorage, FILE_NAME};
pub use storage::{Batch, KeyValue, Storage, StorageError};
pub use store::{Datastore, Options};
