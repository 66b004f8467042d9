//! lsysd [--state-dir DIR] [--socket PATH] [--no-dataplane]

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use lsys_datastore::Datastore;
use lsysd::dataplane::{Dataplane, KernelDataplane};
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
        .with_ansi(std::io::stderr().is_terminal())
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
    std::fs::create_dir_all(&a.state_dir)
        .with_context(|| format!("creating {}", a.state_dir.display()))?;
    let store = Datastore::open(a.state_dir.join("config.db")).context("opening the datastore")?;
    let dataplane: Option<Box<dyn Dataplane>> = if a.no_dataplane {
        tracing::info!("--no-dataplane: configuration only, the kernel is not programmed");
        None
    } else {
        Some(Box::new(
            KernelDataplane::start().context("opening the kernel's netlink interface")?,
        ))
    };
    let with_kernel = dataplane.is_some();
    let mut router =
        Router::open(store, dataplane).context("loading the committed configuration")?;
    let rt = tokio::runtime::Runtime::new()?;
    if with_kernel {
        // Links and addresses for `show interfaces`, kept current by kernel events.
        let live = lsys_netlink::live::shared();
        router.live = Some(live.clone());
        rt.spawn(async move {
            if let Err(e) = lsys_netlink::live::watch(live).await {
                tracing::error!(error = %e, "kernel link/address events stopped");
            }
        });
    }
    // A kernel that cannot be brought in line (a port that is missing, say) must not keep the
    // operator from logging in to fix the configuration: log it and serve.
    match router.reconcile() {
        Ok(c) => tracing::info!(
            writes = c.writes,
            round_trips = c.round_trips,
            "kernel reconciled with the committed configuration"
        ),
        Err(e) => {
            tracing::error!(error = %e, "kernel could not be reconciled with the committed configuration")
        }
    }
    let router = Arc::new(Mutex::new(router));
    rt.block_on(server::serve(router, &a.socket, exec::execute))
}
