//! config-bench: how long the configuration of many logical systems takes to read, print,
//! validate and commit, and how much memory it takes.
//!
//! ```text
//! cargo run --release -p lsys-bench --bin config-bench                # 1000 LS, 11 runs each
//! cargo run --release -p lsys-bench --bin config-bench -- --quick     # CI: 3 runs, same LS count
//! cargo run --release -p lsys-bench --bin config-bench -- --logical-systems 4000 --runs 5
//! ```

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use lsys_bench::gen::{self, Tenant};
use lsys_bench::measure::{median, mib, ms, once, peak_rss_kib, status_kib};
use lsys_datastore::{Client, CommitMeta, Datastore, Scope};
use lsys_grammar::schema::{Schema, ROOT};
use lsys_grammar::text::{curly, print, set};
use lsys_grammar::tree::Node;

struct Args {
    logical_systems: usize,
    runs: usize,
    quick: bool,
}

fn args() -> Result<Args> {
    let mut a = Args {
        logical_systems: 1000,
        runs: 11,
        quick: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => {
                a.quick = true;
                a.runs = 3;
            }
            "--logical-systems" | "-n" => {
                a.logical_systems = it.next().context("--logical-systems N")?.parse()?
            }
            "--runs" => a.runs = it.next().context("--runs N")?.parse()?,
            "-h" | "--help" => {
                println!(
                    "config-bench [--quick] [--logical-systems N (1000)] [--runs N (11; quick: 3)]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other} (try --help)"),
        }
    }
    if a.logical_systems == 0 || a.logical_systems > gen::MAX_LOGICAL_SYSTEMS {
        bail!("--logical-systems must be 1..={}", gen::MAX_LOGICAL_SYSTEMS);
    }
    Ok(a)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("config-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn row(what: &str, value: impl std::fmt::Display) {
    println!("{what:<44} {value}");
}

fn run() -> Result<()> {
    let a = args()?;
    let _ = Schema::get(); // loaded once, not part of any figure
    println!(
        "config-bench: {} logical systems, median of {} runs{}",
        a.logical_systems,
        a.runs,
        if a.quick { " (quick)" } else { "" }
    );

    let (t_gen, text) = once(|| gen::config(a.logical_systems));
    let rss_before = peak_rss_kib();
    let (t_first, tree) = once(|| curly::read(&text, ROOT));
    let tree = tree.context("the generated configuration does not parse")?;
    let rss_after = peak_rss_kib();
    let current = status_kib("VmRSS");

    let ls_list = Schema::get().logical_system();
    let count = tree
        .get("logical-systems")
        .map_or(0, |l| l.children_of(ls_list).count());
    if count != a.logical_systems {
        bail!(
            "parsed {count} logical systems, generated {}",
            a.logical_systems
        );
    }

    // What every process that reads configuration (lsysd at start, lsys, lsys-config) pays
    // once: both schemas from their DSL text.
    let (t_schema, _) = median(a.runs, || {
        let config = Schema::parse(lsys_grammar::schema::SOURCE).map(|s| s.len());
        let commands = Schema::parse(lsys_grammar::schema::COMMANDS_SOURCE).map(|s| s.len());
        (config, commands)
    });
    row("load both schemas (median)", ms(t_schema));
    row("generate text", ms(t_gen));
    row("statements", tree.count() - 1);
    row(
        "curly text",
        format!(
            "{} bytes, {} lines",
            text.len(),
            text.bytes().filter(|&b| b == b'\n').count()
        ),
    );
    row("parse curly (first run)", ms(t_first));
    let (t_parse, _) = median(a.runs, || curly::read(&text, ROOT));
    row("parse curly (median)", ms(t_parse));
    row("peak RSS before parse (VmHWM)", mib(rss_before));
    row("peak RSS after parse (VmHWM)", mib(rss_after));
    row("RSS holding text + tree (VmRSS)", mib(current));

    let (t_print, printed) = median(a.runs, || print::curly(&tree));
    row("print curly (median)", ms(t_print));
    if printed != text {
        bail!("printing the parsed configuration does not give the generated text back");
    }
    let (t_set, lines) = median(a.runs, || print::set_lines(&tree, &[]));
    row("print set lines (median)", ms(t_set));
    row("set lines", lines.len());
    let joined = lines.join("\n");
    let (t_set_parse, _) = median(a.runs, || set::read(&joined, ROOT));
    row("parse set lines (median)", ms(t_set_parse));

    match median(a.runs, || validate_full(&tree)) {
        (t, Some(Ok(()))) => row("validate (median)", ms(t)),
        (_, Some(Err(e))) => bail!("the generated configuration does not validate:\n{e}"),
        (_, None) => row("validate", "n/a (TODO: validate::validate)"),
    }

    incremental_commit(&a, &tree)?;
    row("peak RSS at end (VmHWM)", mib(peak_rss_kib()));
    Ok(())
}

// ---- hook: full validation ------------------------------------------------------------------

/// Validates the whole configuration.
fn validate_full(tree: &Node) -> Option<Result<(), String>> {
    Some(lsys_grammar::validate::validate(tree).map_err(|e| e.to_string()))
}

// ---- incremental commit -----------------------------------------------------------------------

/// Validates one scope (`None` = root) plus the checks across logical systems.
fn validate_scope(tree: &Node, ls: Option<&str>) -> Option<Result<(), String>> {
    Some(lsys_grammar::validate::validate_scope(tree, ls).map_err(|e| e.to_string()))
}

/// `show | compare` of one logical system, as the daemon shows a tenant.
fn compare(old: &Node, new: &Node) -> Option<String> {
    Some(lsys_grammar::compare::compare(old, new))
}

/// The text the datastore keeps for each scope, cut exactly as lsysd cuts it.
fn scope_texts(tree: &Node) -> Vec<(Scope, String)> {
    let scopes = lsys_grammar::scope::split(tree);
    let mut out = vec![(Scope::Root, print::curly(&scopes.root))];
    for (name, entry) in &scopes.logical_systems {
        out.push((
            Scope::LogicalSystem(name.clone()),
            lsys_grammar::scope::ls_text(entry),
        ));
    }
    out
}

fn logical_system<'a>(tree: &'a Node, name: &str) -> Option<&'a Node> {
    let ls_list = Schema::get().logical_system();
    tree.get("logical-systems")?.child(ls_list, Some(name))
}

fn meta(comment: &str) -> CommitMeta {
    CommitMeta {
        user: "bench".into(),
        time_unix: 0,
        client: Client::Batch,
        comment: Some(comment.into()),
        confirmed_deadline_unix: None,
    }
}

/// One tenant changes one BGP neighbor: edit, validate its scope, compare, commit its text.
fn incremental_commit(a: &Args, tree: &Node) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Datastore::open(dir.path()).context("opening the datastore")?;
    let all = scope_texts(tree);
    let (t_full, seq) = once(|| store.commit(&all, meta("initial")));
    seq.context("initial commit")?;
    row(
        &format!("datastore: commit all {} scopes", all.len()),
        ms(t_full),
    );

    let t = Tenant::new(a.logical_systems / 2);
    let mut times = Vec::new();
    for run in 0..a.runs.max(1) {
        let mut candidate = tree.clone();
        let line = format!(
            "set logical-systems {} routing-instances {} protocols bgp group aws neighbor {} \
             description \"changed {run}\"",
            t.name,
            t.instance,
            t.aws_peer()
        );
        let (t_edit, edited) = once(|| {
            let cmds = set::parse(&line)?;
            set::apply(&mut candidate, &[], ROOT, &cmds)
        });
        edited.context("editing the neighbor")?;
        let (t_check, checked) = once(|| validate_scope(&candidate, Some(&t.name)));
        if let Some(Err(e)) = checked {
            bail!("the edited configuration does not validate:\n{e}");
        }
        let (t_cmp, _diff) = once(|| {
            let old = logical_system(tree, &t.name).cloned().unwrap_or_default();
            let new = logical_system(&candidate, &t.name)
                .cloned()
                .unwrap_or_default();
            compare(&old, &new)
        });
        let (t_commit, committed) = once(|| {
            let ls = logical_system(&candidate, &t.name).context("edited LS missing")?;
            let change = [(
                Scope::LogicalSystem(t.name.clone()),
                lsys_grammar::scope::ls_text(ls),
            )];
            store
                .commit(&change, meta("change one neighbor"))
                .context("commit")
        });
        committed?;
        times.push([t_edit, t_check, t_cmp, t_commit]);
    }
    let med = |i: usize| {
        let mut v: Vec<Duration> = times.iter().map(|t| t[i]).collect();
        v.sort();
        v[v.len() / 2]
    };
    row("incremental: edit one neighbor (median)", ms(med(0)));
    if validate_scope(tree, Some(&t.name)).is_some() {
        row("incremental: validate scope (median)", ms(med(1)));
    } else {
        row("incremental: validate scope", "n/a (TODO: validate_scope)");
    }
    if compare(tree, tree).is_some() {
        row("incremental: compare (median)", ms(med(2)));
    } else {
        row("incremental: compare", "n/a (TODO: compare)");
    }
    row("incremental: print + commit one LS (median)", ms(med(3)));
    let total: Duration = (0..4).map(med).sum();
    row("incremental: total (median of parts)", ms(total));
    Ok(())
}
