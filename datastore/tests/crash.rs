//! THE KILL TEST: a child process commits in a loop and acknowledges each commit on stdout;
//! the parent SIGKILLs it at a random moment, reopens the store and checks that nothing
//! acknowledged was lost and nothing half-written is visible.
//!
//! The child is this test binary re-executed with `LSYS_CRASH_CHILD_STORE` set, running only
//! the `crash_child` test. Commit contents are deterministic functions of the sequence
//! number, so the parent can recompute every expected version.
//!
//! `LSYS_CRASH_ITERATIONS` (default 200) and `LSYS_CRASH_SEED` tune a run;
//! `LSYS_CRASH_TIMING` prints per-iteration timings.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lsys_datastore::{Client, CommitMeta, Datastore, Scope, HISTORY_DEPTH};
use rand::{Rng, SeedableRng};

const CHILD_ENV: &str = "LSYS_CRASH_CHILD_STORE";

fn all_scopes() -> Vec<Scope> {
    vec![
        Scope::Root,
        Scope::LogicalSystem("ls-a".into()),
        Scope::LogicalSystem("ls-b".into()),
        Scope::LogicalSystem("ls-c".into()),
    ]
}

/// Which of the four scopes commit `seq` writes (never empty; about 3/4 are multi-scope).
fn mask(seq: u64) -> u8 {
    (((seq.wrapping_mul(2_654_435_761)) >> 7) % 15 + 1) as u8
}

fn writes(seq: u64, scope_index: usize) -> bool {
    mask(seq) & (1 << scope_index) != 0
}

fn text(scope: &Scope, seq: u64) -> String {
    // Mostly small texts, every 17th commit ~20 KB (spanning several B-tree pages).
    let reps = if seq % 17 == 0 {
        300
    } else {
        1 + (seq * 31 % 40) as usize
    };
    let mut s = format!("## {scope} seq {seq}\n");
    for i in 0..reps {
        let _ = writeln!(
            s,
            "set interfaces ge-0/0/{i} unit {seq} description \"{scope}\""
        );
    }
    s
}

fn meta(seq: u64) -> CommitMeta {
    CommitMeta {
        user: format!("user{}", seq % 5),
        time_unix: 1_700_000_000 + seq as i64,
        client: [Client::Cli, Client::Batch, Client::Ssh][(seq % 3) as usize],
        comment: (seq % 4 == 0).then(|| format!("comment {seq}")),
        confirmed_deadline_unix: (seq % 6 == 0).then(|| 1_700_000_600 + seq as i64),
    }
}

fn changes(seq: u64) -> Vec<(Scope, String)> {
    all_scopes()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| writes(seq, *i))
        .map(|(_, s)| {
            let t = text(&s, seq);
            (s, t)
        })
        .collect()
}

/// The child: commits forever, printing `ACK <seq>` after each commit returned.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let ds = Datastore::open(&dir).expect("child: open");
    let mut seq = ds.last_seq().expect("child: last_seq");
    let mut out = std::io::stdout();
    writeln!(out, "START {seq}").and_then(|_| out.flush()).ok();
    // Bounded so that a parent that failed to kill us does not fill the disk.
    for _ in 0..20_000 {
        seq += 1;
        let got = ds.commit(&changes(seq), meta(seq)).expect("child: commit");
        assert_eq!(got, seq, "child: unexpected sequence number");
        writeln!(out, "ACK {seq}").and_then(|_| out.flush()).ok();
    }
    std::thread::sleep(Duration::from_secs(600));
}

/// Checks the whole store against the deterministic model, given its last sequence number.
/// Returns the number of history entries verified.
/// `texts` caches expected texts by (scope index, seq) across iterations.
fn verify_store(ds: &Datastore, last: u64, texts: &mut HashMap<(usize, u64), String>) -> usize {
    let mut checked = 0;
    let mut expected_scopes = Vec::new();
    for (i, scope) in all_scopes().iter().enumerate() {
        let expected: Vec<u64> = (1..=last)
            .rev()
            .filter(|s| writes(*s, i))
            .take(HISTORY_DEPTH)
            .collect();
        if !expected.is_empty() {
            expected_scopes.push(scope.clone());
        }
        let hist = ds.history(scope).expect("history");
        let got: Vec<u64> = hist.iter().map(|h| h.seq).collect();
        assert_eq!(got, expected, "{scope}: history seqs (last seq {last})");
        assert!(
            got.windows(2).all(|w| w[0] > w[1]),
            "{scope}: not decreasing"
        );
        for (idx, (h, seq)) in hist.iter().zip(&expected).enumerate() {
            assert_eq!(h.index, idx);
            assert_eq!(h.meta, meta(*seq), "{scope}: meta of seq {seq}");
            let v = ds.rollback(scope, idx).expect("rollback").expect("version");
            assert_eq!(v.seq, *seq);
            let want = texts.entry((i, *seq)).or_insert_with(|| text(scope, *seq));
            assert!(v.text == *want, "{scope}: text of seq {seq} differs");
            checked += 1;
        }
        let committed = ds.committed(scope).expect("committed");
        assert_eq!(committed.as_ref().map(|v| v.seq), expected.first().copied());
        let pending = expected
            .first()
            .and_then(|s| meta(*s).confirmed_deadline_unix.map(|d| (*s, d)));
        assert_eq!(
            ds.pending_confirm(scope).expect("pending"),
            pending,
            "{scope}"
        );
    }
    assert_eq!(ds.scopes().expect("scopes"), expected_scopes);
    // Keep the cache bounded: 50 versions of a scope span far fewer than 1000 seqs here.
    texts.retain(|(_, s), _| s + 1000 > last);
    checked
}

#[test]
fn kill_during_commits() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let iterations: usize = std::env::var("LSYS_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("LSYS_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen());
    println!("crash test seed {seed} (LSYS_CRASH_SEED to replay)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("current_exe");
    let started = Instant::now();

    let mut texts = HashMap::new();
    let mut known = 0u64; // last seq verified on disk
    let (mut acked_total, mut in_flight_kept, mut before_open, mut entries) = (0, 0, 0, 0);
    for it in 0..iterations {
        let t_spawn = Instant::now();
        let mut child = Command::new(&exe)
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("child stdout");
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            // Only complete lines count: a kill can cut a line short.
            while matches!(r.read_line(&mut line), Ok(n) if n > 0) {
                if line.ends_with('\n') && tx.send(line.trim_end().to_string()).is_err() {
                    break;
                }
                line.clear();
            }
        });
        let mut lines = Vec::new();
        let mode = rng.gen_range(0..4);
        if mode == 0 {
            // Kill very early: during process start, open, or the first commit.
            std::thread::sleep(Duration::from_micros(rng.gen_range(0..4000)));
        } else {
            loop {
                match rx.recv_timeout(Duration::from_secs(20)) {
                    // libtest may print "test crash_child ... " on the same line.
                    Ok(l) if l.contains("START ") => {
                        lines.push(l);
                        break;
                    }
                    Ok(l) => lines.push(l),
                    Err(e) => panic!("iteration {it}: child did not start: {e}"),
                }
            }
            let delay = if mode == 1 {
                rng.gen_range(0..3000)
            } else {
                rng.gen_range(5_000..120_000)
            };
            std::thread::sleep(Duration::from_micros(delay));
        }
        child.kill().expect("kill");
        let out = child.wait_with_output().expect("wait");
        reader.join().expect("reader thread");
        lines.extend(rx.try_iter());
        assert_eq!(
            out.status.signal(),
            Some(9),
            "iteration {it}: child ended by itself ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );

        let mut start = None;
        let mut acked = known;
        for l in &lines {
            if let Some(s) = l.split_once("START ").map(|(_, s)| s) {
                start = Some(s.parse::<u64>().expect("START seq"));
                assert_eq!(
                    start,
                    Some(known),
                    "iteration {it}: child opened at wrong seq"
                );
            } else if let Some(s) = l.strip_prefix("ACK ") {
                let s: u64 = s.parse().expect("ACK seq");
                assert_eq!(s, acked + 1, "iteration {it}: acks not consecutive");
                acked = s;
                acked_total += 1;
            }
        }
        if start.is_none() {
            before_open += 1;
        }

        let t_open = Instant::now();
        let ds = Datastore::open(dir.path()).unwrap_or_else(|e| {
            panic!("iteration {it}: open after kill failed (acked {acked}): {e:?}")
        });
        let last = ds.last_seq().expect("last_seq");
        assert!(
            last == acked || last == acked + 1,
            "iteration {it}: store at seq {last}, acknowledged {acked}: LOST OR PHANTOM COMMIT"
        );
        if last == acked + 1 {
            in_flight_kept += 1;
        }
        let t_verify = Instant::now();
        entries += verify_store(&ds, last, &mut texts);
        if std::env::var_os("LSYS_CRASH_TIMING").is_some() {
            println!(
                "it {it} mode {mode} open {:?} verify {:?} since spawn {:?}",
                t_verify - t_open,
                t_verify.elapsed(),
                t_spawn.elapsed()
            );
        }
        known = last;
    }
    let size = lsys_datastore::RedbStorage::open(dir.path())
        .and_then(|s| s.size_on_disk())
        .unwrap_or(0);
    println!(
        "crash test: {iterations} kills ({before_open} before open completed), \
         {acked_total} acknowledged commits all durable, final seq {known}, \
         {in_flight_kept} in-flight commits survived, {entries} history entries verified, \
         store {} KiB, {:.1} s",
        size / 1024,
        started.elapsed().as_secs_f64()
    );
}
