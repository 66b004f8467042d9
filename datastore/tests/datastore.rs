//! Functional tests of the datastore API on a real redb store.

use lsys_datastore::{Batch, Client, Datastore, Error, Options, Scope, Storage, HISTORY_DEPTH};

mod common;

use common::{ls, meta};

fn store() -> (tempfile::TempDir, Datastore) {
    let dir = tempfile::tempdir().unwrap();
    let ds = Datastore::open(dir.path()).unwrap();
    (dir, ds)
}

#[test]
fn multi_scope_commit_is_one_version() {
    let (_d, ds) = store();
    assert!(ds.committed(&Scope::Root).unwrap().is_none());
    let changes = vec![(Scope::Root, "root 1".into()), (ls("a"), "a 1".into())];
    let seq = ds.commit(&changes, meta("alice")).unwrap();
    assert_eq!(seq, 1);
    let seq2 = ds.commit(&[(ls("b"), "b 1".into())], meta("bob")).unwrap();
    assert_eq!(seq2, 2);
    let root = ds.committed(&Scope::Root).unwrap().unwrap();
    let a = ds.committed(&ls("a")).unwrap().unwrap();
    assert_eq!((root.seq, root.text.as_str()), (1, "root 1"));
    assert_eq!((a.seq, a.text.as_str()), (1, "a 1"));
    assert_eq!(a.meta.user, "alice");
    assert_eq!(ds.scopes().unwrap(), vec![Scope::Root, ls("a"), ls("b")]);
    assert_eq!(ds.last_seq().unwrap(), 2);

    // Rejected commits write nothing.
    let dup = vec![(ls("a"), "x".into()), (ls("a"), "y".into())];
    assert!(matches!(
        ds.commit(&dup, meta("eve")),
        Err(Error::DuplicateScope { scope }) if scope == ls("a")
    ));
    assert!(matches!(
        ds.commit(&[], meta("eve")),
        Err(Error::EmptyCommit)
    ));
    let bad = vec![(Scope::Root, "x".into()), (ls(""), "y".into())];
    assert!(matches!(
        ds.commit(&bad, meta("eve")),
        Err(Error::InvalidScope { .. })
    ));
    assert_eq!(ds.last_seq().unwrap(), 2);
    assert_eq!(ds.committed(&Scope::Root).unwrap().unwrap().text, "root 1");
}

#[test]
fn history_keeps_fifty_and_rollback_indexes() {
    let (_d, ds) = store();
    for i in 1..=60u64 {
        let mut changes = vec![(Scope::Root, format!("root {i}"))];
        if i % 2 == 0 {
            changes.push((ls("a"), format!("a {i}")));
        }
        ds.commit(&changes, meta(&format!("u{i}"))).unwrap();
    }
    let h = ds.history(&Scope::Root).unwrap();
    assert_eq!(h.len(), HISTORY_DEPTH);
    assert_eq!(h[0].seq, 60);
    assert_eq!(h[49].seq, 11);
    assert!(h.iter().enumerate().all(|(i, e)| e.index == i));
    assert!(h.windows(2).all(|w| w[0].seq > w[1].seq));
    assert_eq!(h[3].meta.user, "u57");
    assert_eq!(
        ds.rollback(&Scope::Root, 0).unwrap().unwrap().text,
        "root 60"
    );
    assert_eq!(
        ds.rollback(&Scope::Root, 1).unwrap().unwrap().text,
        "root 59"
    );
    assert_eq!(
        ds.rollback(&Scope::Root, 49).unwrap().unwrap().text,
        "root 11"
    );
    assert!(matches!(
        ds.rollback(&Scope::Root, 50),
        Err(Error::RollbackOutOfRange { n: 50, max: 49 })
    ));
    // Scope "a" got 30 commits: all kept, with the seqs of the shared commits.
    let ha = ds.history(&ls("a")).unwrap();
    assert_eq!(ha.len(), 30);
    assert_eq!(ha[0].seq, 60);
    assert_eq!(ha[29].seq, 2);
    assert_eq!(ds.rollback(&ls("a"), 2).unwrap().unwrap().text, "a 56");
    assert!(ds.rollback(&ls("a"), 30).unwrap().is_none());
    assert!(ds.rollback(&ls("nope"), 0).unwrap().is_none());
    assert!(ds.history(&ls("nope")).unwrap().is_empty());
}

#[test]
fn candidates_shared_and_private() {
    let (_d, ds) = store();
    let (r, a) = (Scope::Root, ls("a"));
    assert_eq!(ds.shared_candidate(&r).unwrap(), None);
    ds.set_shared_candidate(&r, "cand r").unwrap();
    ds.set_shared_candidate(&a, "cand a").unwrap();
    assert_eq!(ds.shared_candidate(&r).unwrap().as_deref(), Some("cand r"));
    ds.clear_shared_candidate(&r).unwrap();
    assert_eq!(ds.shared_candidate(&r).unwrap(), None);
    assert_eq!(ds.shared_candidate(&a).unwrap().as_deref(), Some("cand a"));

    ds.set_private_candidate(&r, 7, "p7 r").unwrap();
    ds.set_private_candidate(&a, 7, "p7 a").unwrap();
    ds.set_private_candidate(&r, 8, "p8 r").unwrap();
    assert_eq!(
        ds.private_candidate(&a, 7).unwrap().as_deref(),
        Some("p7 a")
    );
    assert_eq!(ds.private_candidate(&a, 8).unwrap(), None);
    ds.clear_private_candidate(&a, 7).unwrap();
    assert_eq!(ds.private_candidate(&a, 7).unwrap(), None);
    ds.set_private_candidate(&a, 7, "p7 a").unwrap();
    assert_eq!(ds.clear_private_candidates_of(7).unwrap(), 2);
    assert_eq!(ds.private_candidate(&r, 7).unwrap(), None);
    assert_eq!(
        ds.private_candidate(&r, 8).unwrap().as_deref(),
        Some("p8 r")
    );
    assert_eq!(ds.clear_private_candidates_of(7).unwrap(), 0);
}

#[test]
fn locks_are_exclusive_and_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let a = ls("a");
    {
        let ds = Datastore::open(dir.path()).unwrap();
        ds.lock(&a, "alice").unwrap();
        ds.lock(&a, "alice").unwrap();
        match ds.lock(&a, "bob") {
            Err(Error::Locked { scope, by }) => {
                assert_eq!((scope, by.as_str()), (a.clone(), "alice"))
            }
            other => panic!("expected Locked, got {other:?}"),
        }
        let err = ds.unlock(&a, "bob").unwrap_err();
        assert!(matches!(&err, Error::NotLockOwner { by, .. } if by == "alice"));
        assert_eq!(
            err.to_string(),
            "bob cannot unlock logical-system a: lock held by alice"
        );
        ds.lock(&Scope::Root, "carol").unwrap();
        assert_eq!(
            ds.lock_holder(&Scope::Root).unwrap().as_deref(),
            Some("carol")
        );
    }
    let ds = Datastore::open(dir.path()).unwrap();
    assert_eq!(ds.lock_holder(&a).unwrap().as_deref(), Some("alice"));
    assert_eq!(
        ds.locks().unwrap(),
        vec![
            (a.clone(), "alice".to_string()),
            (Scope::Root, "carol".to_string())
        ]
    );
    ds.unlock(&a, "alice").unwrap();
    ds.unlock(&a, "alice").unwrap();
    assert_eq!(ds.lock_holder(&a).unwrap(), None);
    ds.lock(&a, "bob").unwrap();
    assert_eq!(ds.clear_all_locks().unwrap(), 2);
    assert!(ds.locks().unwrap().is_empty());
}

#[test]
fn pending_confirm_follows_commits() {
    let (_d, ds) = store();
    let mut m = meta("alice");
    m.confirmed_deadline_unix = Some(1_700_000_600);
    let seq = ds
        .commit(&[(Scope::Root, "r".into()), (ls("a"), "a".into())], m)
        .unwrap();
    assert_eq!(
        ds.pending_confirm(&Scope::Root).unwrap(),
        Some((seq, 1_700_000_600))
    );
    assert_eq!(
        ds.pending_confirm(&ls("a")).unwrap(),
        Some((seq, 1_700_000_600))
    );
    let h = ds.history(&Scope::Root).unwrap();
    assert_eq!(h[0].meta.confirmed_deadline_unix, Some(1_700_000_600));
    // A plain commit confirms.
    ds.commit(&[(Scope::Root, "r2".into())], meta("alice"))
        .unwrap();
    assert_eq!(ds.pending_confirm(&Scope::Root).unwrap(), None);
    assert!(ds.pending_confirm(&ls("a")).unwrap().is_some());
    ds.clear_pending_confirm(&ls("a")).unwrap();
    assert_eq!(ds.pending_confirm(&ls("a")).unwrap(), None);
}

#[test]
fn table_ids_quarantine_before_reuse() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        table_range: 1000..=1299,
        ..Options::default()
    };
    let ds = Datastore::open_with(dir.path(), opts.clone()).unwrap();
    assert_eq!(ds.allocate_table("a").unwrap(), 1000);
    assert_eq!(ds.allocate_table("a").unwrap(), 1000);
    assert_eq!(ds.release_table("a").unwrap(), Some(1000));
    assert_eq!(ds.release_table("a").unwrap(), None);
    for i in 0..255u32 {
        assert_eq!(ds.allocate_table(&format!("o{i}")).unwrap(), 1001 + i);
    }
    // 255 other allocations since the release: still quarantined.
    assert_eq!(ds.allocate_table("x").unwrap(), 1256);
    // 256 other allocations now: the released id comes back.
    assert_eq!(ds.allocate_table("y").unwrap(), 1000);
    drop(ds);
    let ds = Datastore::open_with(dir.path(), opts).unwrap();
    assert_eq!(ds.allocate_table("y").unwrap(), 1000);
    assert_eq!(ds.allocate_table("z").unwrap(), 1257);
    let all = ds.table_allocations().unwrap();
    assert_eq!(all.len(), 258);
    assert!(all.contains(&("x".to_string(), 1256)));
}

#[test]
fn table_ids_reuse_quarantined_when_exhausted() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        table_range: 10..=12,
        ..Options::default()
    };
    let ds = Datastore::open_with(dir.path(), opts).unwrap();
    let ids: Vec<u32> = ["a", "b", "c"]
        .iter()
        .map(|o| ds.allocate_table(o).unwrap())
        .collect();
    assert_eq!(ids, vec![10, 11, 12]);
    assert!(matches!(
        ds.allocate_table("d"),
        Err(Error::TableRangeExhausted { start: 10, end: 12 })
    ));
    ds.release_table("b").unwrap();
    ds.release_table("a").unwrap();
    assert_eq!(ds.allocate_table("d").unwrap(), 11, "oldest released first");
    assert_eq!(ds.allocate_table("e").unwrap(), 10);
    assert!(ds.allocate_table("f").is_err());
    let bad = Options {
        table_range: std::ops::RangeInclusive::new(5, 4),
        ..Options::default()
    };
    assert!(matches!(
        Datastore::open_with(tempfile::tempdir().unwrap().path(), bad),
        Err(Error::InvalidTableRange { start: 5, end: 4 })
    ));
}

/// Flips one byte of every value under `prefix`, through the Storage trait.
fn corrupt(ds: &Datastore, prefix: &[u8], at: impl Fn(usize) -> usize) {
    let mut b = Batch::default();
    for (k, mut v) in ds.storage().scan_prefix(prefix).unwrap() {
        let i = at(v.len());
        v[i] ^= 0x20;
        b.put(k, v);
    }
    ds.storage().apply(&b).unwrap();
    ds.storage().flush().unwrap();
}

#[test]
fn corrupted_text_is_a_typed_error_never_wrong_text() {
    let dir = tempfile::tempdir().unwrap();
    {
        let ds = Datastore::open(dir.path()).unwrap();
        ds.commit(
            &[(ls("a"), "set system host-name r1".into())],
            meta("alice"),
        )
        .unwrap();
        ds.commit(&[(ls("b"), "b".into())], meta("alice")).unwrap();
        corrupt(&ds, b"hist\0La\0", |len| len - 3);
        let err = ds.committed(&ls("a")).unwrap_err();
        assert!(
            matches!(&err, Error::Corrupt { key, .. } if key.starts_with("hist/La/")),
            "{err}"
        );
        assert!(err.to_string().contains("checksum mismatch"), "{err}");
        assert!(ds.rollback(&ls("a"), 0).is_err());
        assert!(ds.history(&ls("a")).is_err());
        assert_eq!(ds.committed(&ls("b")).unwrap().unwrap().text, "b");
    }
    match Datastore::open(dir.path()) {
        Err(Error::Corrupt { key, reason }) => {
            assert!(key.starts_with("hist/La/"), "{key}");
            assert!(reason.contains("checksum"), "{reason}");
        }
        other => panic!("open of a corrupt store must fail, got {:?}", other.err()),
    }
}

#[test]
fn unknown_format_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let ds = Datastore::open(dir.path()).unwrap();
        ds.commit(&[(Scope::Root, "r".into())], meta("alice"))
            .unwrap();
        corrupt(&ds, b"meta\0format", |_| 0);
    }
    assert!(matches!(
        Datastore::open(dir.path()),
        Err(Error::UnsupportedFormat { .. })
    ));
}

#[test]
fn everything_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = meta("alice");
    m.client = Client::Ssh;
    m.comment = Some("first".into());
    {
        let ds = Datastore::open(dir.path()).unwrap();
        ds.commit(
            &[(Scope::Root, "r1".into()), (ls("a"), "a1".into())],
            m.clone(),
        )
        .unwrap();
        ds.commit(&[(Scope::Root, "r2".into())], meta("bob"))
            .unwrap();
        ds.set_shared_candidate(&ls("a"), "cand").unwrap();
        ds.set_private_candidate(&Scope::Root, 3, "priv").unwrap();
        ds.allocate_table("a/vrf1").unwrap();
    }
    let ds = Datastore::open(dir.path()).unwrap();
    assert_eq!(ds.last_seq().unwrap(), 2);
    assert_eq!(ds.committed(&Scope::Root).unwrap().unwrap().text, "r2");
    let v = ds.rollback(&Scope::Root, 1).unwrap().unwrap();
    assert_eq!((v.seq, v.text.as_str(), &v.meta), (1, "r1", &m));
    assert_eq!(v.meta.client.to_string(), "ssh");
    assert_eq!(ds.committed(&ls("a")).unwrap().unwrap().seq, 1);
    assert_eq!(
        ds.shared_candidate(&ls("a")).unwrap().as_deref(),
        Some("cand")
    );
    assert_eq!(
        ds.private_candidate(&Scope::Root, 3).unwrap().as_deref(),
        Some("priv")
    );
    assert_eq!(
        ds.table_allocations().unwrap(),
        vec![("a/vrf1".to_string(), 1000)]
    );
    assert_eq!(ds.commit(&[(ls("a"), "a3".into())], meta("c")).unwrap(), 3);
}

#[test]
fn display_and_serde() {
    assert_eq!(Client::Cli.to_string(), "cli");
    assert_eq!(Client::Batch.to_string(), "batch");
    assert_eq!(serde_json::to_string(&Client::Ssh).unwrap(), "\"ssh\"");
    assert_eq!(Scope::Root.to_string(), "root");
    assert_eq!(ls("x").to_string(), "logical-system x");
    let s: Scope = serde_json::from_str(&serde_json::to_string(&ls("x")).unwrap()).unwrap();
    assert_eq!(s, ls("x"));
}
