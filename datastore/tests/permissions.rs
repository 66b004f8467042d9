//! The store is readable only by the user lsysd runs as: it holds every tenant's configuration
//! and BGP MD5 keys. The bug: the directory was created 0755 and `lsys.redb` 0644.
//!
//! Its own test binary, because the umask is per process.

use std::fs;
use std::os::unix::fs::{chown, MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::Mutex;

use lsys_datastore::{private_dir, Client, CommitMeta, Datastore, Error, Scope, FILE_NAME};
use nix::sys::stat::{umask, Mode};

/// Serializes the tests: one of them changes the process umask.
static UMASK: Mutex<()> = Mutex::new(());

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().mode() & 0o7777
}

fn chmod(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

fn commit(ds: &Datastore, text: &str) -> u64 {
    let meta = CommitMeta {
        user: "alice".into(),
        time_unix: 1_700_000_000,
        client: Client::Cli,
        comment: None,
        confirmed_deadline_unix: None,
    };
    ds.commit(&[(Scope::Root, text.into())], meta).unwrap()
}

#[test]
fn created_private_whatever_the_umask() {
    let _g = UMASK.lock().unwrap_or_else(|e| e.into_inner());
    for mask in [0o000, 0o022, 0o777] {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("state").join("config.db");
        let old = umask(Mode::from_bits_truncate(mask));
        let opened = Datastore::open(&store);
        umask(old);
        let ds = opened.unwrap();
        commit(&ds, "set system host-name r1");
        assert_eq!(mode(&store), 0o700, "directory, umask {mask:o}");
        assert_eq!(mode(&store.join(FILE_NAME)), 0o600, "file, umask {mask:o}");
    }
}

#[test]
fn wider_modes_found_are_narrowed() {
    let _g = UMASK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("config.db");
    commit(&Datastore::open(&store).unwrap(), "r1");
    // What an earlier build left behind.
    chmod(&store, 0o755);
    chmod(&store.join(FILE_NAME), 0o644);
    let ds = Datastore::open(&store).unwrap();
    assert_eq!(mode(&store), 0o700);
    assert_eq!(mode(&store.join(FILE_NAME)), 0o600);
    assert_eq!(ds.committed(&Scope::Root).unwrap().unwrap().text, "r1");
    drop(ds);
    // A file that exists but is empty (created by hand or by a crash) is narrowed too.
    let fresh = dir.path().join("fresh");
    fs::create_dir(&fresh).unwrap();
    chmod(&fresh, 0o777);
    fs::write(fresh.join(FILE_NAME), b"").unwrap();
    chmod(&fresh.join(FILE_NAME), 0o666);
    Datastore::open(&fresh).unwrap();
    assert_eq!((mode(&fresh), mode(&fresh.join(FILE_NAME))), (0o700, 0o600));
}

/// Chowns `p` to an unused uid; false (and a printed reason) when not allowed.
fn give_away(p: &Path) -> bool {
    match chown(p, Some(4242), Some(4242)) {
        Ok(()) => true,
        Err(e) => {
            println!("skipped: cannot chown {} ({e}); needs root", p.display());
            false
        }
    }
}

#[test]
fn foreign_owner_is_refused() {
    let _g = UMASK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("config.db");
    commit(&Datastore::open(&store).unwrap(), "r1");
    let file = store.join(FILE_NAME);
    if !give_away(&file) {
        return;
    }
    match Datastore::open(&store) {
        Err(Error::ForeignOwner { path, owner, .. }) => assert_eq!((path, owner), (file, 4242)),
        other => panic!("expected ForeignOwner, got {:?}", other.err()),
    }
    give_away(&store);
    let err = Datastore::open(&store).err().expect("foreign directory");
    assert!(
        matches!(&err, Error::ForeignOwner { path, owner: 4242, .. } if *path == store),
        "{err:?}"
    );
    assert!(err.to_string().contains("owned by uid 4242"), "{err}");
    assert_eq!(mode(&store), 0o700, "nothing changed");
}

#[test]
fn private_dir_for_the_daemon() {
    let _g = UMASK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run").join("lsys");
    private_dir(&run).unwrap();
    assert_eq!(mode(&run), 0o700);
    chmod(&run, 0o755);
    private_dir(&run).unwrap();
    assert_eq!(mode(&run), 0o700);
    let file = dir.path().join("plain");
    fs::write(&file, b"x").unwrap();
    assert!(matches!(
        private_dir(&file),
        Err(Error::WrongFileType {
            expected: "directory",
            ..
        })
    ));
    if give_away(&run) {
        assert!(matches!(
            private_dir(&run),
            Err(Error::ForeignOwner { owner: 4242, .. })
        ));
    }
}
