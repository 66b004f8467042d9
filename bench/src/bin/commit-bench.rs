//! commit-bench: commits against an lsysd holding 1,000 logical systems (no dataplane), and
//! reads while commits run. The same binary measures any build: `--lsysd PATH --lsys PATH`.
//!
//! ```text
//!  start lsysd ─► load override + commit gen::config(1000)
//!  (b) one logical system's change, quiet daemon:
//!        lsys -c "configure private; set logical-systems lsNNNN routing-options router-id A; commit"
//!        (spawn → exit of the shell), and the same commit over the protocol (commit only)
//!  (a) committer connection: configure private; loop { load override A|B; commit }
//!        (A/B differ in every logical system: each commit touches all 1,001 scopes)
//!      measurer connections, meanwhile: Complete round trips, TAB-style (a partial word)
//!        and `?`-style (after a space), in a tenant's view and at the root
//!      overlap = sample [sent, answered] intersects a commit [sent, Done] seen by the committer
//! ```
//! Prints `figure: [LABEL] ...` lines. Goal: completion p99 ≤ 5 ms while a commit is running.
//!
//! Run: `cargo build --release -p lsysd -p lsys -p lsys-bench && target/release/commit-bench
//! [--quick] [--lsysd PATH] [--lsys PATH] [--label TEXT]`

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use lsys_bench::client::{binary, percentile, Conn, Daemon};
use lsys_bench::gen::{self, Tenant};
use lsys_bench::measure::ms;

struct Args {
    quick: bool,
    lsysd: PathBuf,
    lsys: PathBuf,
    label: String,
}

const USAGE: &str = "usage: commit-bench [--quick] [--lsysd PATH] [--lsys PATH] [--label TEXT]";

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        quick: false,
        lsysd: binary("lsysd"),
        lsys: binary("lsys"),
        label: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .with_context(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--quick" => a.quick = true,
            "--lsysd" => a.lsysd = value()?.into(),
            "--lsys" => a.lsys = value()?.into(),
            "--label" => a.label = value()?,
            _ => bail!("unknown argument '{arg}'\n{USAGE}"),
        }
    }
    if a.label.is_empty() {
        a.label = if a.lsysd == binary("lsysd") {
            "this build".into()
        } else {
            a.lsysd.display().to_string()
        };
    }
    Ok(a)
}

/// Sizes of one run.
struct Plan {
    /// (b): commits through `lsys -c`, and through the protocol.
    commits: usize,
    /// (a): stop once at least `samples` were taken and `overlapped` of them overlapped a
    /// commit, or at `max_samples`, or after `time`.
    samples: usize,
    overlapped: usize,
    max_samples: usize,
    time: Duration,
}

/// What the committer saw: when each whole-configuration load and commit ran.
#[derive(Default)]
struct Timeline {
    loads: Vec<(Instant, Instant)>,
    commits: Vec<(Instant, Instant)>,
    error: Option<String>,
}

fn overlaps(a: (Instant, Instant), spans: &[(Instant, Instant)]) -> bool {
    spans.iter().any(|&(s, e)| a.0 < e && a.1 > s)
}

fn quantiles(v: &[Duration]) -> String {
    format!(
        "p50 {}  p90 {}  p99 {}  max {}",
        ms(percentile(v.to_vec(), 0.5)),
        ms(percentile(v.to_vec(), 0.9)),
        ms(percentile(v.to_vec(), 0.99)),
        ms(v.iter().copied().max().unwrap_or_default())
    )
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    let plan = if a.quick {
        Plan {
            commits: 10,
            samples: 500,
            overlapped: 100,
            max_samples: 5_000,
            time: Duration::from_secs(20),
        }
    } else {
        Plan {
            commits: 100,
            samples: 2_000,
            overlapped: 1_000,
            max_samples: 100_000,
            time: Duration::from_secs(180),
        }
    };
    let label = &a.label;
    let n = 1000;
    let dir = tempfile::tempdir()?;
    let conf_a = dir.path().join("a.conf");
    let conf_b = dir.path().join("b.conf");
    let text = gen::config(n);
    // B differs from A in every logical system and at the root.
    let changed = text.replace("autonomous-system 65000;", "autonomous-system 65001;");
    if changed.matches("65001;").count() != n + 1 {
        bail!("the changed configuration does not touch every logical system");
    }
    std::fs::write(&conf_a, &text)?;
    std::fs::write(&conf_b, &changed)?;
    let daemon = Daemon::start(&a.lsysd, dir.path())?;
    let socket = daemon.socket.clone();
    println!(
        "commit-bench [{label}]: {n} logical systems ({} bytes), no dataplane{}\n  lsysd {}\n  lsys  {}",
        text.len(),
        if a.quick { ", quick" } else { "" },
        a.lsysd.display(),
        a.lsys.display()
    );

    let mut op = Conn::open(&socket)?;
    op.run("configure")?;
    let t = Instant::now();
    op.run(&format!("load override {}", conf_a.display()))?;
    let load = t.elapsed();
    let t = Instant::now();
    op.run("commit")?;
    let first = t.elapsed();
    op.run("exit")?;
    println!(
        "figure: [{label}] whole configuration: load override {}, first commit {}; lsysd VmRSS {} VmHWM {}",
        ms(load),
        ms(first),
        daemon.status("VmRSS:"),
        daemon.status("VmHWM:")
    );

    // (b) One logical system's change, on a quiet daemon.
    let change = |i: usize| {
        let t = Tenant::new((i * 97) % n);
        (
            t.name,
            format!("10.{}.{}.{}", 100 + i / 65536 % 100, i / 256 % 256, i % 256),
        )
    };
    let mut shell = Vec::new();
    for i in 0..plan.commits {
        let (ls, rid) = change(i);
        let script = format!(
            "configure private; set logical-systems {ls} routing-options router-id {rid}; commit"
        );
        let t = Instant::now();
        let out = Command::new(&a.lsys)
            .arg("--socket")
            .arg(&socket)
            .arg("-c")
            .arg(&script)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {}", a.lsys.display()))?;
        shell.push(t.elapsed());
        if !out.status.success() {
            bail!(
                "`lsys -c \"{script}\"`: {}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    println!(
        "figure: [{label}] commit of one logical system through `lsys -c \"configure private; set logical-systems lsNNNN routing-options router-id A; commit\"` (spawn → exit, {} rounds): {}",
        plan.commits,
        quantiles(&shell)
    );
    let mut c = Conn::open(&socket)?;
    c.run("configure private")?;
    let mut proto_commits = Vec::new();
    for i in 0..plan.commits {
        let (ls, rid) = change(plan.commits + i);
        c.run(&format!(
            "set logical-systems {ls} routing-options router-id {rid}"
        ))?;
        let t = Instant::now();
        c.run("commit")?;
        proto_commits.push(t.elapsed());
    }
    c.run("exit")?;
    drop(c);
    println!(
        "figure: [{label}] the same commit over the protocol (`commit` → Done, {} rounds): {}",
        plan.commits,
        quantiles(&proto_commits)
    );

    // (a) Completion while the whole configuration is committed again and again.
    let timeline = Arc::new(Mutex::new(Timeline::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let committing = Arc::new(AtomicBool::new(false));
    let committer = std::thread::spawn({
        let (timeline, stop, committing) = (timeline.clone(), stop.clone(), committing.clone());
        let (socket, files) = (socket.clone(), [conf_b.clone(), conf_a.clone()]);
        move || {
            let record_error = |e: anyhow::Error| {
                timeline.lock().unwrap_or_else(|p| p.into_inner()).error = Some(format!("{e:#}"))
            };
            let mut c = match Conn::open(&socket).and_then(|mut c| {
                c.run("configure private")?;
                Ok(c)
            }) {
                Ok(c) => c,
                Err(e) => return record_error(e),
            };
            // Bounded: at most 10,000 rounds, and the measurer stops it after `plan.time`.
            for i in 0..10_000 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let t = Instant::now();
                if let Err(e) = c.run(&format!("load override {}", files[i % 2].display())) {
                    return record_error(e);
                }
                let loaded = Instant::now();
                committing.store(true, Ordering::SeqCst);
                let r = c.run("commit");
                let done = Instant::now();
                committing.store(false, Ordering::SeqCst);
                {
                    let mut tl = timeline.lock().unwrap_or_else(|p| p.into_inner());
                    tl.loads.push((t, loaded));
                    tl.commits.push((loaded, done));
                }
                if let Err(e) = r {
                    return record_error(e);
                }
            }
        }
    });

    let t500 = Tenant::new(n / 2);
    let mut tenant = Conn::open(&socket)?;
    tenant.run(&format!("set cli logical-system {}", t500.name))?;
    tenant.run("configure")?;
    let mut root = Conn::open(&socket)?;
    // (line, `?`-style, tenant view in configuration mode; else root, operational mode)
    let lines: Vec<(String, bool, bool)> = vec![
        ("set ".into(), true, true),
        ("set routing-instances ".into(), true, true),
        (
            format!(
                "set routing-instances {} protocols bgp group ",
                t500.instance
            ),
            true,
            true,
        ),
        (
            format!(
                "set routing-instances {} protocols bgp group aws ",
                t500.instance
            ),
            true,
            true,
        ),
        ("set routing-instances x interface ".into(), true, true),
        ("show | ".into(), true, true),
        ("set pol".into(), false, true),
        (
            format!("set routing-instances {}", &t500.instance[..6]),
            false,
            true,
        ),
        (
            "set routing-options static route 10.0.0.0/8 d".into(),
            false,
            true,
        ),
        ("show configuration logical-systems ".into(), true, false),
        (
            "show configuration logical-systems ls05".into(),
            false,
            false,
        ),
        (
            format!("show configuration logical-systems {} ", t500.name),
            true,
            false,
        ),
        ("show sys".into(), false, false),
    ];
    // Wait (bounded) for the first whole-configuration commit to start.
    let wait = Instant::now();
    while !committing.load(Ordering::SeqCst) && wait.elapsed() < Duration::from_secs(60) {
        if committer.is_finished() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let started = Instant::now();
    let mut samples: Vec<(Instant, Instant, usize)> = Vec::new();
    let mut live_overlaps = 0;
    while samples.len() < plan.max_samples
        && started.elapsed() < plan.time
        && !(samples.len() >= plan.samples && live_overlaps >= plan.overlapped)
        && !committer.is_finished()
    {
        let k = samples.len() % lines.len();
        let (line, _, in_tenant) = &lines[k];
        let during = committing.load(Ordering::SeqCst);
        let t0 = Instant::now();
        if *in_tenant {
            tenant.complete(line)?;
        } else {
            root.complete(line)?;
        }
        let t1 = Instant::now();
        if during || committing.load(Ordering::SeqCst) {
            live_overlaps += 1;
        }
        samples.push((t0, t1, k));
        // Spread the samples over the commits and the loads between them.
        std::thread::sleep(Duration::from_micros(500));
    }
    let measuring = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    if committer.join().is_err() {
        bail!("the committer thread panicked");
    }
    let tl = std::mem::take(&mut *timeline.lock().unwrap_or_else(|p| p.into_inner()));
    if let Some(e) = &tl.error {
        bail!("whole-configuration commit loop: {e}");
    }
    let commit_times: Vec<Duration> = tl.commits.iter().map(|(s, e)| *e - *s).collect();
    let load_times: Vec<Duration> = tl.loads.iter().map(|(s, e)| *e - *s).collect();
    println!(
        "figure: [{label}] whole-configuration commits during the measurement: {} commits ({}), {} loads ({})",
        commit_times.len(),
        quantiles(&commit_times),
        load_times.len(),
        quantiles(&load_times)
    );
    let dur = |s: &(Instant, Instant, usize)| s.1 - s.0;
    let all: Vec<Duration> = samples.iter().map(dur).collect();
    let during: Vec<&(Instant, Instant, usize)> = samples
        .iter()
        .filter(|s| overlaps((s.0, s.1), &tl.commits))
        .collect();
    let during_loads = samples
        .iter()
        .filter(|s| overlaps((s.0, s.1), &tl.loads))
        .count();
    let during_t: Vec<Duration> = during.iter().map(|s| dur(s)).collect();
    let pick = |help: bool| -> Vec<Duration> {
        during
            .iter()
            .filter(|s| lines[s.2].1 == help)
            .map(|s| dur(s))
            .collect()
    };
    let (help, tab) = (pick(true), pick(false));
    let in_mode = |configuring: bool| -> Vec<Duration> {
        during
            .iter()
            .filter(|s| lines[s.2].2 == configuring)
            .map(|s| dur(s))
            .collect()
    };
    let (config_mode, oper_mode) = (in_mode(true), in_mode(false));
    println!(
        "figure: [{label}] completion round trips while whole-configuration commits run: {} samples in {:.1} s, {} overlapped a running commit, {} a running load override",
        all.len(),
        measuring.as_secs_f64(),
        during.len(),
        during_loads
    );
    println!(
        "figure: [{label}] completion, all samples: {}",
        quantiles(&all)
    );
    println!(
        "figure: [{label}] completion overlapping a commit ({}): {}",
        during_t.len(),
        quantiles(&during_t)
    );
    println!(
        "figure: [{label}] `?`-style (after a space) overlapping a commit ({}): {}",
        help.len(),
        quantiles(&help)
    );
    println!(
        "figure: [{label}] TAB-style (partial word) overlapping a commit ({}): {}",
        tab.len(),
        quantiles(&tab)
    );
    println!(
        "figure: [{label}] configuration mode (a tenant's view, shared candidate) overlapping a commit ({}): {}",
        config_mode.len(),
        quantiles(&config_mode)
    );
    println!(
        "figure: [{label}] operational mode (root, running snapshot) overlapping a commit ({}): {}",
        oper_mode.len(),
        quantiles(&oper_mode)
    );
    let over = |limit: u64| {
        during_t
            .iter()
            .filter(|d| **d > Duration::from_millis(limit))
            .count()
    };
    let mut slowest: Vec<&&(Instant, Instant, usize)> = during.iter().collect();
    slowest.sort_by_key(|s| std::cmp::Reverse(dur(s)));
    let slowest: Vec<String> = slowest
        .iter()
        .take(3)
        .map(|s| format!("{} `{}`", ms(dur(s)), lines[s.2].0))
        .collect();
    println!(
        "figure: [{label}] completion overlapping a commit: {} over 5 ms, {} over 50 ms; slowest: {}",
        over(5),
        over(50),
        slowest.join(", ")
    );
    let p99 = percentile(during_t.clone(), 0.99);
    let verdict = if during_t.len() < 100 {
        "too few overlapping samples to judge"
    } else if p99 <= Duration::from_millis(5) {
        "met"
    } else {
        "NOT met"
    };
    println!(
        "figure: [{label}] goal: completion p99 ≤ 5 ms while a commit runs: {verdict} (p99 {})",
        ms(p99)
    );
    println!(
        "figure: [{label}] lsysd memory at the end: VmRSS {} VmHWM {}",
        daemon.status("VmRSS:"),
        daemon.status("VmHWM:")
    );
    Ok(())
}
