//! lsysd [--state-dir DIR] [--socket PATH] [--no-dataplane]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use lsys_datastore::Datastore;
use lsysd::router::Router;
use lsysd::{exec, server};

struct Args {
    state_dir: PathBuf,
    socket: PathBuf,
    no_dataplane: bool,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        state_dir: "/var/lib/lsys".into(),
        socket: "/run/lsys/lsysd.sock".into(),
        no_dataplane: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--state-dir" => a.state_dir = it.next().ok_or("--state-dir needs a directory")?.into(),
            "--socket" => a.socket = it.next().ok_or("--socket needs a path")?.into(),
            "--no-dataplane" => a.no_dataplane = true,
            "-h" | "--help" => return Err("usage: lsysd [--state-dir DIR] [--socket PATH] [--no-dataplane]".into()),
            other => return Err(format!("unknown argument '{other}'\nusage: lsysd [--state-dir DIR] [--socket PATH] [--no-dataplane]")),
        }
    }
    Ok(a)
}

fn main() -> std::process::ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LSYSD_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(a) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lsysd: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(a: Args) -> anyhow::Result<()> {
    if !a.no_dataplane {
        tracing::warn!("the kernel dataplane is not built yet: running as with --no-dataplane");
    }
    std::fs::create_dir_all(&a.state_dir)
        .with_context(|| format!("creating {}", a.state_dir.display()))?;
    let store = Datastore::open(a.state_dir.join("config.db")).context("opening the datastore")?;
    let router =
        Router::open(store, a.no_dataplane).context("loading the committed configuration")?;
    let router = Arc::new(Mutex::new(router));
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(server::serve(router, &a.socket, exec::execute))
}
