//! `Datastore::as_of`: a scope as of a past global commit, which is how the daemon rebuilds
//! the whole configuration for `rollback N` of root. The bug it fixes: after 51 commits in
//! logical system t3, `rollback 1; commit` dropped t3, because its history no longer reached
//! that far back and "no entry ≤ seq" was taken to mean "t3 did not exist".

use lsys_datastore::{AsOf, Batch, CommitMeta, Datastore, Error, Scope, Storage};

mod common;

use common::ls;

fn meta() -> CommitMeta {
    common::meta("alice")
}

fn commit(ds: &Datastore, changes: &[(&Scope, &str)]) -> u64 {
    let c: Vec<(Scope, String)> = changes
        .iter()
        .map(|(s, t)| ((*s).clone(), t.to_string()))
        .collect();
    ds.commit(&c, meta()).unwrap()
}

/// The text of an `AsOf::Version`, or the variant's name.
fn as_of(ds: &Datastore, scope: &Scope, seq: u64) -> String {
    match ds.as_of(scope, seq).unwrap() {
        AsOf::Version(v) => format!("{}@{}", v.text, v.seq),
        AsOf::Absent => "Absent".into(),
        AsOf::Unknown => "Unknown".into(),
    }
}

#[test]
fn as_of_after_51_commits_in_one_logical_system() {
    let dir = tempfile::tempdir().unwrap();
    let ds = Datastore::open(dir.path()).unwrap();
    let (root, t1, t3) = (Scope::Root, ls("t1"), ls("t3"));
    assert_eq!(
        commit(&ds, &[(&root, "r1"), (&t1, "t1"), (&t3, "t3 v1")]),
        1
    );
    for i in 2..=52u64 {
        assert_eq!(commit(&ds, &[(&t3, &format!("t3 v{i}"))]), i);
    }
    assert_eq!(commit(&ds, &[(&root, "r53")]), 53);

    // The operator's `rollback 1` of root is seq 1: root and t1 are known...
    assert_eq!(as_of(&ds, &root, 1), "r1@1");
    assert_eq!(as_of(&ds, &t1, 1), "t1@1");
    assert_eq!(as_of(&ds, &t1, 52), "t1@1");
    // ...t3's version of then was pruned (its 50 entries are seqs 3..=52): not "absent".
    assert_eq!(ds.history(&t3).unwrap().last().unwrap().seq, 3);
    assert_eq!(as_of(&ds, &t3, 1), "Unknown");
    assert_eq!(as_of(&ds, &t3, 2), "Unknown");
    assert_eq!(as_of(&ds, &t3, 3), "t3 v3@3");
    assert_eq!(as_of(&ds, &t3, 1000), "t3 v52@52");
    // A scope that never existed, and one asked about before its first commit.
    assert_eq!(as_of(&ds, &ls("never"), 53), "Absent");
    assert_eq!(as_of(&ds, &root, 0), "Absent");

    // A scope created later, then committed past the history depth: before its first
    // commit it provably did not exist, although its first versions were pruned.
    let t5 = ls("t5");
    let born = commit(&ds, &[(&t5, "t5 v1")]);
    for i in 2..=55 {
        commit(&ds, &[(&t5, &format!("t5 v{i}"))]);
    }
    drop(ds);
    let ds = Datastore::open(dir.path()).unwrap();
    assert_eq!(as_of(&ds, &t5, born - 1), "Absent");
    assert_eq!(as_of(&ds, &t5, born), "Unknown");
    assert_eq!(as_of(&ds, &t5, born + 5), "t5 v6@59");
}

#[test]
fn as_of_returns_a_deletion_as_a_version() {
    let dir = tempfile::tempdir().unwrap();
    let ds = Datastore::open(dir.path()).unwrap();
    let t2 = ls("t2");
    commit(&ds, &[(&t2, "t2")]);
    commit(&ds, &[(&t2, "")]);
    commit(&ds, &[(&Scope::Root, "r")]);
    assert_eq!(as_of(&ds, &t2, 1), "t2@1");
    assert_eq!(as_of(&ds, &t2, 3), "@2");
}

/// Deletes every `born/` key, as in a store written before the marker existed.
fn forget_first_versions(ds: &Datastore) {
    let mut b = Batch::default();
    for k in ds.storage().keys_with_prefix(b"born\0").unwrap() {
        b.delete(k);
    }
    assert!(!b.is_empty());
    ds.storage().apply(&b).unwrap();
}

#[test]
fn a_store_without_first_version_markers_is_answered_conservatively() {
    let dir = tempfile::tempdir().unwrap();
    let ds = Datastore::open(dir.path()).unwrap();
    let (full, short, later) = (ls("full"), ls("short"), ls("later"));
    commit(&ds, &[(&Scope::Root, "r")]);
    for i in 0..50 {
        commit(&ds, &[(&full, &format!("full {i}"))]);
    }
    commit(&ds, &[(&short, "short"), (&later, "later 0")]);
    forget_first_versions(&ds);
    // 50 entries, never pruned in fact, but nothing proves it: unknown.
    assert_eq!(as_of(&ds, &full, 1), "Unknown");
    // A shorter history was never pruned: absent is proven.
    assert_eq!(as_of(&ds, &short, 51), "Absent");
    // The next commit of a short history records its first version, so later pruning
    // does not turn "absent" into "unknown".
    for i in 1..=55 {
        commit(&ds, &[(&later, &format!("later {i}"))]);
    }
    assert_eq!(as_of(&ds, &later, 51), "Absent");
    assert_eq!(as_of(&ds, &later, 52), "Unknown");
}

#[test]
fn a_first_version_newer_than_the_history_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    {
        let ds = Datastore::open(dir.path()).unwrap();
        commit(&ds, &[(&ls("a"), "a")]);
        commit(&ds, &[(&ls("b"), "b")]);
        // Give "a" the marker of "b" (seq 2): a's oldest entry is seq 1.
        let st = ds.storage();
        let b_born = st.get(b"born\0Lb").unwrap().unwrap();
        let mut batch = Batch::default();
        batch.put(b"born\0La".as_slice(), b_born);
        st.apply(&batch).unwrap();
    }
    match Datastore::open(dir.path()) {
        Err(Error::Corrupt { key, .. }) => assert_eq!(key, "born/La"),
        other => panic!("expected Corrupt, got {:?}", other.err()),
    }
}
