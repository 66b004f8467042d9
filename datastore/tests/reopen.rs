//! A failed write does not stop every later one. The bug: after ENOSPC the datastore refused
//! every commit until lsysd restarted, even once space was free (redb keeps a database in a
//! failed state after an I/O error).

use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use lsys_datastore::{
    Batch, CommitMeta, Datastore, Error, KeyValue, Options, RedbStorage, Scope, Storage,
    StorageError,
};

mod common;

use common::ls;

fn meta() -> CommitMeta {
    common::meta("alice")
}

/// A small tmpfs, unmounted when dropped (also when the test panics).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Result<Self, String> {
        fs::create_dir_all(at).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(Self(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let umount = |lazy: bool| {
            let mut c = Command::new("umount");
            if lazy {
                c.arg("-l");
            }
            c.arg(&self.0).status().is_ok_and(|s| s.success())
        };
        if !umount(false) && !umount(true) {
            eprintln!("could not unmount {}", self.0.display());
        }
    }
}

/// Writes zeros to `path` until the filesystem is full.
fn fill(path: &Path) {
    let mut f = File::create(path).unwrap();
    for chunk in [64 << 10, 4 << 10, 512] {
        let buf = vec![0u8; chunk];
        loop {
            match f.write_all(&buf).and_then(|()| f.sync_all()) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
                Err(e) => panic!("filling {}: {e}", path.display()),
            }
        }
    }
}

/// Checks that every acknowledged commit `(seq, scope, text)` is in the history.
fn check_acked(ds: &Datastore, acked: &[(u64, Scope, String)]) {
    for (seq, scope, text) in acked {
        let hist = ds.history(scope).unwrap();
        let idx = hist.iter().position(|h| h.seq == *seq).expect("acked seq");
        assert_eq!(&ds.rollback(scope, idx).unwrap().unwrap().text, text);
    }
}

#[test]
fn commits_resume_after_enospc() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("mnt");
    let _tmpfs = match Tmpfs::mount(&mnt, "2m") {
        Ok(m) => m,
        Err(e) => {
            println!("skipped: cannot mount a tmpfs ({e}); the fault-injection tests still run");
            return;
        }
    };
    let ds = Datastore::open(mnt.join("store")).unwrap();
    let mut acked = Vec::new();
    for i in 1..=6u64 {
        let scope = if i % 2 == 0 { Scope::Root } else { ls("t3") };
        let text = format!("set system host-name r{i}\n");
        assert_eq!(
            ds.commit(&[(scope.clone(), text.clone())], meta()).unwrap(),
            i
        );
        acked.push((i, scope, text));
    }
    let filler = mnt.join("filler");
    fill(&filler);
    let big = "set interfaces ge-0/0/0 description x\n".repeat(20_000); // ~760 KB
    let failed = ds.commit(&[(ls("t3"), big.clone())], meta());
    assert!(
        matches!(failed, Err(Error::Storage(_))),
        "commit on a full filesystem: {failed:?}"
    );
    fs::remove_file(&filler).unwrap();

    // Space is free again: the next commit reopens the storage and succeeds; the failed one
    // left nothing behind (same seq reused, its text nowhere).
    let seq = ds
        .commit(&[(ls("t3"), "set system host-name again\n".into())], meta())
        .unwrap();
    assert_eq!(seq, 7);
    check_acked(&ds, &acked);
    let texts: Vec<String> = (0..ds.history(&ls("t3")).unwrap().len())
        .map(|i| ds.rollback(&ls("t3"), i).unwrap().unwrap().text)
        .collect();
    assert!(!texts.contains(&big));
    // A big commit fits now, and everything survives a fresh open.
    assert_eq!(ds.commit(&[(ls("t3"), big.clone())], meta()).unwrap(), 8);
    drop(ds);
    let ds = Datastore::open(mnt.join("store")).unwrap();
    check_acked(&ds, &acked);
    assert_eq!(ds.committed(&ls("t3")).unwrap().unwrap().text, big);
    assert_eq!(ds.last_seq().unwrap(), 8);
}

/// Behaves like redb: once a write failed, every operation fails until `reopen`.
struct Flaky {
    inner: RedbStorage,
    fail_next_write: AtomicBool,
    broken: AtomicBool,
    reopens: AtomicUsize,
}

impl Flaky {
    fn check(&self) -> Result<(), StorageError> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(StorageError(Box::new(std::io::Error::other(
                "previous I/O error (simulated)",
            ))));
        }
        Ok(())
    }
}

impl Storage for Flaky {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.check()?;
        self.inner.get(key)
    }
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<KeyValue>, StorageError> {
        self.check()?;
        self.inner.scan_prefix(prefix)
    }
    fn apply(&self, batch: &Batch) -> Result<(), StorageError> {
        self.check()?;
        if self.fail_next_write.swap(false, Ordering::SeqCst) {
            self.broken.store(true, Ordering::SeqCst);
            return Err(StorageError(Box::new(std::io::Error::from(
                ErrorKind::StorageFull,
            ))));
        }
        self.inner.apply(batch)
    }
    fn flush(&self) -> Result<(), StorageError> {
        self.check()?;
        self.inner.flush()
    }
    fn reopen(&self) -> Result<(), StorageError> {
        self.reopens.fetch_add(1, Ordering::SeqCst);
        self.inner.reopen()?;
        self.broken.store(false, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn the_operation_after_a_failed_write_reopens_the_storage() {
    let dir = tempfile::tempdir().unwrap();
    let flaky = Flaky {
        inner: RedbStorage::open(dir.path()).unwrap(),
        fail_next_write: AtomicBool::new(false),
        broken: AtomicBool::new(false),
        reopens: AtomicUsize::new(0),
    };
    let ds = Datastore::with_storage(flaky, Options::default()).unwrap();
    let st = || ds.storage();
    assert_eq!(ds.commit(&[(Scope::Root, "r1".into())], meta()).unwrap(), 1);
    st().fail_next_write.store(true, Ordering::SeqCst);
    assert!(ds.commit(&[(Scope::Root, "r2".into())], meta()).is_err());
    assert_eq!(st().reopens.load(Ordering::SeqCst), 0, "reopened lazily");
    // A read is the next operation: it reopens, and sees the state before the failed commit.
    assert_eq!(ds.last_seq().unwrap(), 1);
    assert_eq!(st().reopens.load(Ordering::SeqCst), 1);
    assert_eq!(ds.commit(&[(Scope::Root, "r2".into())], meta()).unwrap(), 2);
    // Any write counts, not only commits.
    st().fail_next_write.store(true, Ordering::SeqCst);
    assert!(ds.set_shared_candidate(&Scope::Root, "cand").is_err());
    assert_eq!(ds.shared_candidate(&Scope::Root).unwrap(), None);
    ds.set_shared_candidate(&Scope::Root, "cand").unwrap();
    assert_eq!(st().reopens.load(Ordering::SeqCst), 2);
    assert_eq!(ds.committed(&Scope::Root).unwrap().unwrap().text, "r2");
    assert_eq!(ds.history(&Scope::Root).unwrap().len(), 2);
}
