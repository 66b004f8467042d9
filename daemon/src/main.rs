//! lsysd [--state-dir DIR] [--socket PATH] [--no-dataplane]
//!       [--manage-accounts [--login-shell PATH] [--keys-dir DIR]]

use anyhow::Context;
use lsys_datastore::Datastore;
use lsysd::core::{Core, KernelReads, Options};
use lsysd::dataplane::KernelDataplane;
use lsysd::{exec, server};
use std::io::IsTerminal;
use std::path::PathBuf;

struct Args {
    state_dir: PathBuf,
    socket: PathBuf,
    no_dataplane: bool,
    /// `--manage-accounts`: `system login user` as Unix accounts, with this shell and keys dir.
    accounts: Option<lsysd::accounts::Settings>,
    /// `--login-shell` or `--keys-dir` without `--manage-accounts` (said in the log).
    unused_account_flags: bool,
}

const USAGE: &str = "usage: lsysd [--state-dir DIR] [--socket PATH] [--no-dataplane]
             [--manage-accounts [--login-shell PATH] [--keys-dir DIR]]
             [--help] [--version]

  --state-dir DIR     the datastore's directory (default /var/lib/lsys)
  --socket PATH       the socket lsys shells connect to (default /run/lsys/lsysd.sock)
  --no-dataplane      configuration only: program no interfaces, routes or BGP sessions
  --manage-accounts   make each `system login user` a Unix account on commit
  --login-shell PATH  the managed accounts' shell (default: the lsys next to lsysd,
                      else /usr/bin/lsys)
  --keys-dir DIR      the managed accounts' authorized keys, DIR/USER (default /etc/lsys/keys)";

/// What the command line asks for.
enum Cli {
    Run(Args),
    /// `--help`, `--version`: print this on standard output and exit 0.
    Print(String),
}

/// The `lsys` next to lsysd's own executable, else /usr/bin/lsys.
fn default_login_shell() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.join("lsys")))
        .filter(|p| p.is_file())
        .map_or_else(|| "/usr/bin/lsys".into(), |p| p.display().to_string())
}

fn args() -> Result<Cli, String> {
    let mut a = Args {
        state_dir: "/var/lib/lsys".into(),
        socket: "/run/lsys/lsysd.sock".into(),
        no_dataplane: false,
        accounts: None,
        unused_account_flags: false,
    };
    let (mut manage, mut shell, mut keys_dir) = (false, None, None);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--state-dir" => a.state_dir = it.next().ok_or("--state-dir needs a directory")?.into(),
            "--socket" => a.socket = it.next().ok_or("--socket needs a path")?.into(),
            "--no-dataplane" => a.no_dataplane = true,
            "--manage-accounts" => manage = true,
            "--login-shell" => shell = Some(it.next().ok_or("--login-shell needs a path")?),
            "--keys-dir" => keys_dir = Some(it.next().ok_or("--keys-dir needs a directory")?),
            "-h" | "--help" => return Ok(Cli::Print(USAGE.into())),
            "-V" | "--version" => {
                return Ok(Cli::Print(format!("lsysd {}", env!("CARGO_PKG_VERSION"))))
            }
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    if let Some(shell) = &shell {
        if !shell.starts_with('/') || shell.contains(':') {
            return Err(format!(
                "--login-shell needs an absolute path without ':' (got '{shell}')"
            ));
        }
    }
    if manage {
        a.accounts = Some(lsysd::accounts::Settings {
            shell: shell.unwrap_or_else(default_login_shell),
            keys_dir: keys_dir.unwrap_or_else(|| "/etc/lsys/keys".into()).into(),
        });
    } else {
        a.unused_account_flags = shell.is_some() || keys_dir.is_some();
    }
    Ok(Cli::Run(a))
}

fn main() -> std::process::ExitCode {
    let a = match args() {
        Ok(Cli::Run(a)) => a,
        Ok(Cli::Print(text)) => {
            println!("{text}");
            return std::process::ExitCode::SUCCESS;
        }
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

/// Raises the soft limit on open files to the hard limit: a flood of connections then hits
/// lsysd's own connection caps long before the kernel's descriptor limit.
fn raise_fd_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        if soft < hard {
            match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
                Ok(()) => tracing::info!(from = soft, to = hard, "raised the open-file limit"),
                Err(e) => tracing::warn!(error = %e, "cannot raise the open-file limit"),
            }
        }
    }
}

fn run(a: Args) -> anyhow::Result<()> {
    raise_fd_limit();
    // Every tenant's configuration and keys live here: private to root.
    lsys_datastore::private_dir(&a.state_dir)
        .with_context(|| format!("state directory {}", a.state_dir.display()))?;
    let store = Datastore::open(a.state_dir.join("config.db")).context("opening the datastore")?;
    let rt = tokio::runtime::Runtime::new()?;
    let mut options = Options::default();
    if a.no_dataplane {
        tracing::info!("--no-dataplane: configuration only, the kernel is not programmed");
    } else {
        options.dataplane = Some(Box::new(
            KernelDataplane::start().context("opening the kernel's netlink interface")?,
        ));
        // Links and addresses for `show interfaces`, kept current by kernel events.
        let live = lsys_netlink::live::shared();
        let (events, _) = tokio::sync::broadcast::channel(4096);
        let (watched, publish) = (live.clone(), events.clone());
        rt.spawn(async move {
            if let Err(e) = lsys_netlink::live::watch_with(watched, Some(publish)).await {
                tracing::error!(error = %e, "kernel link/address events stopped");
            }
        });
        let fib = lsysd::routing::fib::KernelFib::open()
            .map_err(|e| anyhow::anyhow!("opening the FIB's netlink socket: {e}"))?;
        options.rib = Some(lsysd::routing::RibHandle::start(
            Box::new(fib),
            live.clone(),
            Box::new(lsysd::routing::kernel_links),
            Some((rt.handle(), &events)),
        )?);
        let rib = options.rib.clone().expect("the RIB just started");
        let converter = std::sync::Mutex::new(lsysd::bgp::routes::Converter::default());
        let sink: lsysd::bgp::RouteSink = std::sync::Arc::new(move |key, output| {
            let routes = match output {
                lsys_bgp::instance::Output::Routes(routes) => routes,
                lsys_bgp::instance::Output::Synced(family) => {
                    let family = match family {
                        lsys_bgp::net::Family::Ipv4 => lsys_fib::Family::Inet,
                        lsys_bgp::net::Family::Ipv6 => lsys_fib::Family::Inet6,
                    };
                    if rib.bgp_synced(key, family).is_err() {
                        tracing::error!("the routing process is gone");
                    }
                    return;
                }
            };
            let mut c = lsysd::core::lock(&converter);
            let (mut v4, mut v6) = (Vec::new(), Vec::new());
            for (prefix, selected) in routes {
                let route = selected.map(|s| c.route(&s, None));
                match prefix {
                    ipnet::IpNet::V4(_) => v4.push((prefix, route)),
                    ipnet::IpNet::V6(_) => v6.push((prefix, route)),
                }
            }
            c.purge();
            drop(c);
            for (family, routes) in [(lsys_fib::Family::Inet, v4), (lsys_fib::Family::Inet6, v6)] {
                if rib.bgp(key, family, routes).is_err() {
                    tracing::error!("the routing process is gone: BGP routes dropped");
                }
            }
        });
        // BGP sockets are bound per VRF; with tcp_l3mdev_accept=1 a socket of the default VRF
        // could take a tenant's connection (and its MD5 key would not apply): say so at start.
        if let Err(e) = lsys_bgp::net::check_tcp_l3mdev_accept() {
            tracing::error!(error = %e, "BGP: net.ipv4.tcp_l3mdev_accept must be 0");
        }
        let bgp = lsysd::bgp::BgpHandle::new(rt.handle().clone(), sink);
        // Export policies see the tables' static, direct and local routes through this.
        rt.spawn(lsysd::bgp::local::follow(
            bgp.clone(),
            options.rib.clone().expect("the RIB just started"),
        ));
        options.bgp = Some((bgp, lsys_bgp::config::PORT));
        options.kernel = Some(KernelReads {
            live,
            runtime: rt.handle().clone(),
            events,
        });
    }
    if a.unused_account_flags {
        tracing::warn!("--login-shell and --keys-dir do nothing without --manage-accounts");
    }
    if let Some(settings) = a.accounts {
        tracing::info!(shell = settings.shell, keys = %settings.keys_dir.display(), "--manage-accounts: system login users are Unix accounts");
        if !std::path::Path::new(&settings.shell).is_file() {
            // sshd refuses a login whose shell is missing.
            tracing::warn!(shell = settings.shell, "the login shell does not exist");
        }
        let system = lsysd::accounts::unix::Unix::new(&settings.keys_dir);
        options.accounts = Some(lsysd::actors::accounts::Accounts::new(
            settings,
            Box::new(system),
        ));
    }
    let core = Core::start(store, options).context("loading the committed configuration")?;
    // A kernel that cannot be brought in line (a port that is missing, say) must not keep the
    // operator from logging in to fix the configuration: log it and serve.
    match core.pipeline.reconcile() {
        Ok(done) => {
            for d in done {
                tracing::info!("{d}");
            }
        }
        Err(e) => tracing::error!(error = %e, "kernel could not be reconciled"),
    }
    rt.block_on(serve_and_notify(core, &a.socket))
}

/// Serves clients, and tells systemd (`Type=notify` in packaging/lsysd.service) when they can
/// connect: `serve` binds the socket before its first `await` and then waits in `accept`, so
/// after its first poll the datastore is open, the kernel reconciled and the socket listening.
async fn serve_and_notify(
    core: std::sync::Arc<Core>,
    socket: &std::path::Path,
) -> anyhow::Result<()> {
    use std::future::Future;
    use std::task::Poll;
    let mut serving = std::pin::pin!(server::serve(core, socket, exec::execute));
    if let Poll::Ready(result) =
        std::future::poll_fn(|cx| Poll::Ready(serving.as_mut().poll(cx))).await
    {
        return result;
    }
    notify_ready();
    serving.await
}

/// sd_notify(3)'s `READY=1` on the datagram socket systemd names in `$NOTIFY_SOCKET` (a path,
/// or an abstract name after `@`); nothing when lsysd was not started by systemd.
fn notify_ready() {
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let sent = UnixDatagram::unbound().and_then(|sock| {
        use std::os::unix::ffi::OsStrExt;
        match path.as_bytes().strip_prefix(b"@") {
            Some(name) => {
                use std::os::linux::net::SocketAddrExt;
                sock.send_to_addr(b"READY=1", &SocketAddr::from_abstract_name(name)?)
            }
            None => sock.send_to(b"READY=1", &path),
        }
    });
    if let Err(e) = sent {
        tracing::warn!(error = %e, socket = ?path, "cannot tell systemd that lsysd is ready");
    }
}
