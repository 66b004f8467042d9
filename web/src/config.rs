//! Command-line flags of lsys-web and the checks made before it listens.
//!
//! ```text
//! lsys-web --token-key FILE [--listen 127.0.0.1:8022] [--lsys PATH] [--socket PATH]
//!          [--allowed-origin ORIGIN]... [--idle-timeout MINUTES|Ns] [--max-sessions-per-user N]
//!          [--trusted-proxy ADDR]... [--tls-cert FILE --tls-key FILE] [--password-login]
//! lsys-web --mint-token USER --ttl SECONDS --token-key FILE
//! ```

use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

pub const USAGE: &str = "\
usage: lsys-web --token-key FILE [options]
       lsys-web --mint-token USER --ttl SECONDS --token-key FILE
  --listen ADDR              where to listen (default 127.0.0.1:8022; loopback only without TLS)
  --tls-cert FILE            serve HTTPS with this PEM certificate chain (with --tls-key)
  --tls-key FILE             the certificate's PEM private key (owned by root, mode 0600 or 0400)
  --password-login           serve a login form (/login) checked against /etc/shadow
  --token-key FILE           HMAC key for login tokens (owned by root, mode 0600 or 0400)
  --lsys PATH                the shell to run (default: lsys next to lsys-web, else /usr/bin/lsys)
  --socket PATH              passed to the shell as LSYS_SOCKET
  --allowed-origin ORIGIN    an allowed WebSocket Origin (repeatable; default: the request's Host)
  --idle-timeout T           close a session without input for T minutes, or `Ns` seconds (default 30)
  --max-sessions-per-user N  open sessions per Unix user (default 4)
  --trusted-proxy ADDR       a proxy whose X-Forwarded-For is logged in audit lines (repeatable)
";

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub token_key: PathBuf,
    pub lsys: PathBuf,
    pub socket: Option<PathBuf>,
    pub allowed_origins: Vec<String>,
    pub idle_timeout: Duration,
    pub max_sessions_per_user: usize,
    /// Peers whose `X-Forwarded-For` is believed (src/audit.rs).
    pub trusted_proxies: Vec<IpAddr>,
    /// PEM certificate chain and private key: HTTPS (src/tls.rs).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Serve /login (src/login.rs), for installations without a portal.
    pub password_login: bool,
}

/// What the command line asks for.
pub enum Mode {
    Serve(Config),
    Mint {
        user: String,
        ttl: u64,
        token_key: PathBuf,
    },
    Help,
}

fn default_lsys() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("lsys")))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("/usr/bin/lsys"))
}

fn parse_idle(v: &str) -> Result<Duration> {
    let bad = || anyhow!("--idle-timeout: expected minutes or `Ns`, got {v:?}");
    match v.strip_suffix('s') {
        Some(s) => Ok(Duration::from_secs(s.parse().map_err(|_| bad())?)),
        None => Ok(Duration::from_secs(
            60 * v.parse::<u64>().map_err(|_| bad())?,
        )),
    }
}

/// Parses the arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Mode> {
    let mut args = args.into_iter();
    let mut listen: SocketAddr = "127.0.0.1:8022".parse().expect("default address");
    let (mut token_key, mut lsys, mut socket) = (None, None, None);
    let (mut origins, mut idle, mut max) = (Vec::new(), Duration::from_secs(30 * 60), 4);
    let (mut mint, mut ttl) = (None, None);
    let mut trusted_proxies = Vec::new();
    let (mut tls_cert, mut tls_key) = (None, None);
    let mut password_login = false;
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow!("{a} needs a value"));
        match a.as_str() {
            "-h" | "--help" => return Ok(Mode::Help),
            "--listen" => {
                let v = value()?;
                listen = v.parse().with_context(|| format!("--listen {v}"))?;
            }
            "--token-key" => token_key = Some(PathBuf::from(value()?)),
            "--lsys" => lsys = Some(PathBuf::from(value()?)),
            "--socket" => socket = Some(PathBuf::from(value()?)),
            "--allowed-origin" => origins.push(value()?),
            "--idle-timeout" => idle = parse_idle(&value()?)?,
            "--max-sessions-per-user" => {
                max = value()?.parse().context("--max-sessions-per-user")?;
            }
            "--trusted-proxy" => {
                let v = value()?;
                trusted_proxies.push(v.parse().with_context(|| format!("--trusted-proxy {v}"))?);
            }
            "--tls-cert" => tls_cert = Some(PathBuf::from(value()?)),
            "--tls-key" => tls_key = Some(PathBuf::from(value()?)),
            "--password-login" => password_login = true,
            "--mint-token" => mint = Some(value()?),
            "--ttl" => ttl = Some(value()?.parse::<u64>().context("--ttl")?),
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    let token_key = token_key.ok_or_else(|| anyhow!("--token-key FILE is required\n{USAGE}"))?;
    if let Some(user) = mint {
        let ttl = ttl.ok_or_else(|| anyhow!("--mint-token needs --ttl SECONDS"))?;
        return Ok(Mode::Mint {
            user,
            ttl,
            token_key,
        });
    }
    let tls = match (tls_cert, tls_key) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) => None,
        _ => bail!("--tls-cert and --tls-key go together"),
    };
    if tls.is_none() && !listen.ip().is_loopback() {
        bail!(
            "--listen {listen}: plain HTTP only on a loopback address (use --tls-cert/--tls-key)"
        );
    }
    Ok(Mode::Serve(Config {
        listen,
        token_key,
        lsys: lsys.unwrap_or_else(default_lsys),
        socket,
        allowed_origins: origins,
        idle_timeout: idle,
        max_sessions_per_user: max,
        trusted_proxies,
        tls,
        password_login,
    }))
}

/// Reads the token key (a [`read_secret`]); refuses an empty one.
pub fn read_key(path: &Path) -> Result<Vec<u8>> {
    let key = read_secret("--token-key", path)?;
    let key = key.trim_ascii().to_vec();
    if key.len() < 16 {
        bail!("--token-key {}: key shorter than 16 bytes", path.display());
    }
    Ok(key)
}

/// Reads the secret file given as `flag` (the token key, the TLS private key): it must be owned
/// by root and give group and others no access (mode 0600 or 0400). The checks and the read
/// are made on one open file.
pub fn read_secret(flag: &str, path: &Path) -> Result<Vec<u8>> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("{flag} {}", path.display()))?;
    let meta = file
        .metadata()
        .with_context(|| format!("{flag} {}", path.display()))?;
    let mode = meta.mode() & 0o7777;
    if meta.uid() != 0 || mode & 0o077 != 0 {
        bail!(
            "{flag} {}: must be owned by root with mode 0600 or 0400 (owner {}, mode {mode:04o})",
            path.display(),
            meta.uid()
        );
    }
    let mut secret = Vec::new();
    file.read_to_end(&mut secret)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn refuses_non_loopback_and_parses_idle() {
        assert!(parse(args("--token-key k --listen 0.0.0.0:80")).is_err());
        assert!(parse(args("--token-key k --listen [::1]:80")).is_ok());
        match parse(args("--token-key k --idle-timeout 5s")).unwrap() {
            Mode::Serve(c) => assert_eq!(c.idle_timeout, Duration::from_secs(5)),
            _ => panic!("serve"),
        }
        assert!(parse(args("--listen 127.0.0.1:1")).is_err());
        assert!(parse(args(
            "--token-key k --listen 0.0.0.0:80 --tls-cert c --tls-key k"
        ))
        .is_ok());
        assert!(parse(args("--token-key k --tls-cert c")).is_err());
    }
}
