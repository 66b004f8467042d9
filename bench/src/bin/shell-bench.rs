//! shell-bench: lsysd and the lsys shell with 1,000 logical systems loaded (no dataplane).
//!
//! Prints: time to load + commit the whole configuration, shell start to first prompt (spawn →
//! exit of `lsys -c ""`, median), completion and `?` round trips (p50/p99), and a tenant commit
//! through the daemon (median) and through a whole `lsys -c` batch (median).
//!
//! Run: `cargo build --release -p lsysd -p lsys && cargo run --release -p lsys-bench --bin shell-bench [-- --quick]`

use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::bail;
use lsys_bench::client::{binary, percentile, Conn, Daemon};
use lsys_bench::gen::{self, Tenant};
use lsys_bench::measure::ms;

fn main() -> anyhow::Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let n = 1000;
    let rounds = if quick { 20 } else { 200 };
    let dir = tempfile::tempdir()?;
    let conf = dir.path().join("big.conf");
    std::fs::write(&conf, gen::config(n))?;
    let daemon = Daemon::start(&binary("lsysd"), dir.path())?;
    let socket = daemon.socket.clone();
    println!("shell-bench: {n} logical systems, no dataplane, {rounds} rounds");

    let mut op = Conn::open(&socket)?;
    op.run("configure")?;
    let t = Instant::now();
    op.run(&format!("load override {}", conf.display()))?;
    let load = t.elapsed();
    let t = Instant::now();
    op.run("commit")?;
    let commit_all = t.elapsed();
    op.run("exit")?;
    println!("  load override (whole config)        {}", ms(load));
    println!(
        "  first commit (validate + 1,001 scopes) {}",
        ms(commit_all)
    );
    let field = |name: &str| daemon.status(name);
    println!(
        "  lsysd memory, configuration loaded  VmRSS {}  VmHWM {}",
        field("VmRSS:"),
        field("VmHWM:")
    );

    // Shell start to first prompt: spawn, hello/welcome, empty batch, exit.
    let lsys = binary("lsys");
    let mut starts = Vec::new();
    for _ in 0..rounds.min(50) {
        let t = Instant::now();
        let st = Command::new(&lsys)
            .arg("--socket")
            .arg(&socket)
            .arg("-c")
            .arg("show version")
            .stdout(Stdio::null())
            .status()?;
        starts.push(t.elapsed());
        if !st.success() {
            bail!("lsys -c failed: {st}");
        }
    }
    println!(
        "  shell start → first prompt (lsys -c 'show version', median) {}",
        ms(percentile(starts, 0.5))
    );

    // Completion round trips in a tenant's view (operator inside the logical system).
    let t500 = Tenant::new(n / 2);
    let mut c = Conn::open(&socket)?;
    c.run(&format!("set cli logical-system {}", t500.name))?;
    c.run("configure")?;
    let lines = [
        "set ".to_string(),
        "set routing-instances ".to_string(),
        format!(
            "set routing-instances {} protocols bgp group ",
            t500.instance
        ),
        format!(
            "set routing-instances {} protocols bgp group aws ",
            t500.instance
        ),
        "set routing-instances x interface ".to_string(),
        "show | ".to_string(),
        "set pol".to_string(),
    ];
    let mut times = Vec::new();
    for i in 0..rounds * 5 {
        let t = Instant::now();
        c.complete(&lines[i % lines.len()])?;
        times.push(t.elapsed());
    }
    println!(
        "  completion / ? round trip            p50 {}  p99 {}",
        ms(percentile(times.clone(), 0.5)),
        ms(percentile(times, 0.99))
    );

    // A tenant commit through the daemon: change one BGP neighbor, commit.
    let mut commits = Vec::new();
    for i in 0..rounds {
        c.run(&format!(
            "set routing-instances {} protocols bgp group aws neighbor {} description \"round {i}\"",
            t500.instance,
            t500.aws_peer()
        ))?;
        let t = Instant::now();
        c.run("commit")?;
        commits.push(t.elapsed());
    }
    println!(
        "  commit (one LS, through lsysd)       median {}  p99 {}",
        ms(percentile(commits.clone(), 0.5)),
        ms(percentile(commits, 0.99))
    );
    c.run("exit")?;

    // The same through a whole shell batch (process start, private candidate, commit).
    let mut batches = Vec::new();
    for i in 0..rounds.min(50) {
        let script = format!(
            "set cli logical-system {}; configure; set routing-instances {} protocols bgp group aws neighbor {} description \"batch {i}\"; commit",
            t500.name,
            t500.instance,
            t500.aws_peer()
        );
        let t = Instant::now();
        let st = Command::new(&lsys)
            .arg("--socket")
            .arg(&socket)
            .arg("-c")
            .arg(&script)
            .stdout(Stdio::null())
            .status()?;
        batches.push(t.elapsed());
        if !st.success() {
            bail!("batch failed: {st}");
        }
    }
    println!(
        "  commit through `lsys -c` batch       median {}",
        ms(percentile(batches, 0.5))
    );
    Ok(())
}
