//! Failed writes on a real redb file, with faults injected below redb (its `StorageBackend`),
//! so they work without root or a full filesystem.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use redb::backends::FileBackend;
use redb::StorageBackend;

use super::*;

/// The file backend redb normally uses, with writes or fsyncs failing on demand.
#[derive(Debug)]
struct Faulty {
    inner: FileBackend,
    fail_write: Arc<AtomicBool>,
    fail_sync: Arc<AtomicBool>,
}

fn injected(what: &str) -> std::io::Error {
    std::io::Error::other(format!("injected {what} failure"))
}

impl StorageBackend for Faulty {
    fn len(&self) -> Result<u64, std::io::Error> {
        self.inner.len()
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        self.inner.read(offset, out)
    }
    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        self.inner.set_len(len)
    }
    fn sync_data(&self) -> Result<(), std::io::Error> {
        if self.fail_sync.load(Ordering::SeqCst) {
            return Err(injected("fsync"));
        }
        self.inner.sync_data()
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        if self.fail_write.load(Ordering::SeqCst) {
            return Err(injected("write"));
        }
        self.inner.write(offset, data)
    }
    fn close(&self) -> Result<(), std::io::Error> {
        self.inner.close()
    }
}

struct Switches {
    write: Arc<AtomicBool>,
    sync: Arc<AtomicBool>,
}

/// A store in `dir` whose first database handle has fault switches (a reopen gets a plain one).
fn faulty_store(dir: &Path) -> (RedbStorage, Switches) {
    let file = dir.join(FILE_NAME);
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&file)
        .unwrap();
    let sw = Switches {
        write: Arc::default(),
        sync: Arc::default(),
    };
    let be = Faulty {
        inner: FileBackend::new(f).unwrap(),
        fail_write: sw.write.clone(),
        fail_sync: sw.sync.clone(),
    };
    let db = Database::builder().create_with_backend(be).unwrap();
    (RedbStorage::new(create_table(db).unwrap(), file), sw)
}

fn batch(pairs: &[(&str, Option<&str>)]) -> Batch {
    let mut b = Batch::default();
    for (k, v) in pairs {
        match v {
            Some(v) => b.put(k.as_bytes(), v.as_bytes()),
            None => b.delete(k.as_bytes()),
        }
    }
    b
}

fn get(s: &RedbStorage, k: &str) -> Option<String> {
    s.get(k.as_bytes())
        .unwrap()
        .map(|v| String::from_utf8(v).unwrap())
}

#[test]
fn a_failed_write_leaves_redb_unusable_until_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let (s, sw) = faulty_store(dir.path());
    s.apply(&batch(&[("a", Some("1"))])).unwrap();
    sw.write.store(true, Ordering::SeqCst);
    assert!(s
        .apply(&batch(&[("a", Some("2")), ("b", Some("2"))]))
        .is_err());
    sw.write.store(false, Ordering::SeqCst);
    // The storage has space again, but redb refuses until the file is opened again.
    let err = s.apply(&batch(&[("c", Some("3"))])).unwrap_err();
    assert!(err.to_string().contains("Previous I/O error"), "{err}");
    s.reopen().unwrap();
    assert_eq!(get(&s, "a").as_deref(), Some("1"));
    assert_eq!(get(&s, "b"), None);
    s.apply(&batch(&[("c", Some("3"))])).unwrap();
    drop(s);
    let s = RedbStorage::open(dir.path()).unwrap();
    assert_eq!(
        (get(&s, "a"), get(&s, "b"), get(&s, "c")),
        (Some("1".into()), None, Some("3".into()))
    );
}

/// The premise of the undo: a commit whose final fsync fails is on the file anyway.
#[test]
fn a_commit_whose_fsync_failed_is_on_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (s, sw) = faulty_store(dir.path());
    s.apply(&batch(&[("a", Some("1"))])).unwrap();
    sw.sync.store(true, Ordering::SeqCst);
    assert!(s.apply(&batch(&[("a", Some("2"))])).is_err());
    drop(s);
    let db = Database::open(dir.path().join(FILE_NAME)).unwrap();
    assert_eq!(get_in(&db, b"a").unwrap().as_deref(), Some(b"2".as_slice()));
}

#[test]
fn reopen_takes_back_a_failed_commit_that_reached_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (s, sw) = faulty_store(dir.path());
    s.apply(&batch(&[("a", Some("1")), ("gone", Some("x"))]))
        .unwrap();
    sw.sync.store(true, Ordering::SeqCst);
    let failed = batch(&[("a", Some("2")), ("b", Some("2")), ("gone", None)]);
    assert!(s.apply(&failed).is_err());
    s.reopen().unwrap();
    assert_eq!(
        (get(&s, "a"), get(&s, "b"), get(&s, "gone")),
        (Some("1".into()), None, Some("x".into()))
    );
    s.apply(&batch(&[("c", Some("3"))])).unwrap();
    drop(s);
    let s = RedbStorage::open(dir.path()).unwrap();
    assert_eq!(
        (get(&s, "a"), get(&s, "b"), get(&s, "c")),
        (Some("1".into()), None, Some("3".into()))
    );
}
