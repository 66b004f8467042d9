//! A scripted BGP peer for lab tests: it brings up one session with a speaker, then sends what
//! stdin tells it, valid UPDATEs or one with an RFC 7606 treat-as-withdraw error, and answers
//! every command with one line on stdout (flushed). The other side is lsysd in the lab
//! (tests/lab) and BIRD in tests/tests/script_peer.rs.
//!
//! ```text
//! bgp-script-peer --local ADDR --peer ADDR --as N --peer-as N --router-id ADDR
//!                 [--key MD5KEY] [--port 179] [--hold 90] [--connect-timeout 30]
//!
//!  stdin               stdout
//!  (session up)        ESTABLISHED               the peer's OPEN and KEEPALIVE arrived
//!  announce PREFIX     SENT announce PREFIX      ORIGIN IGP, AS_PATH [--as], NEXT_HOP --local
//!  malformed PREFIX    SENT malformed PREFIX     the same UPDATE with ORIGIN 7 (RFC 7606 §7.1)
//!  wait SECONDS        UP | DOWN NOTIFICATION c/s | DOWN closed | DOWN sent NOTIFICATION c/s
//!  received            RECEIVED n                prefixes the peer announces to us now
//!  quit (or EOF)       BYE                       Cease/Administrative Shutdown (6/2), exit 0
//!  (any time)          NOTIFICATION c/s          a NOTIFICATION from the peer
//!  (anything else)     ERROR reason
//! ```
//!
//! The connect (TCP MD5 with `--key`) is retried every second until a session is up or
//! `--connect-timeout` seconds have passed; then it exits 1. KEEPALIVEs go out every third of
//! the negotiated hold time for as long as the session is up, whatever stdin does.
//!
//! `session.rs` runs the connection (handshake, keepalives, commands); `update.rs` builds the
//! UPDATEs, the malformed one included, and checks them with lsys-bgp's own decoder.

mod session;
mod update;

use std::collections::HashMap;
use std::fmt::Display;
use std::io::{BufRead, Write};
use std::net::Ipv4Addr;
use std::str::FromStr;

use session::{Session, Woke};
use tokio::sync::mpsc;

const USAGE: &str = "usage: bgp-script-peer --local ADDR --peer ADDR --as N --peer-as N \
    --router-id ADDR [--key MD5KEY] [--port 179] [--hold 90] [--connect-timeout 30]";
const FLAGS: [&str; 9] = [
    "local",
    "peer",
    "as",
    "peer-as",
    "router-id",
    "key",
    "port",
    "hold",
    "connect-timeout",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match Args::parse(&args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bgp-script-peer: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    std::process::exit(rt.block_on(run(args)));
}

#[derive(Debug)]
pub(crate) struct Args {
    pub(crate) local: Ipv4Addr,
    pub(crate) peer: Ipv4Addr,
    pub(crate) asn: u32,
    pub(crate) peer_as: u32,
    pub(crate) router_id: Ipv4Addr,
    pub(crate) key: Option<String>,
    pub(crate) port: u16,
    pub(crate) hold: u16,
    pub(crate) connect_timeout: u64,
}

impl Args {
    fn parse(args: &[String]) -> Result<Args, String> {
        let mut given: HashMap<&str, &str> = HashMap::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let name = arg
                .strip_prefix("--")
                .filter(|n| FLAGS.contains(n))
                .ok_or_else(|| format!("unknown argument {arg:?}"))?;
            let value = it.next().ok_or_else(|| format!("{arg} needs a value"))?;
            given.insert(name, value);
        }
        fn get<T: FromStr>(
            given: &HashMap<&str, &str>,
            name: &str,
            default: Option<&str>,
        ) -> Result<T, String>
        where
            T::Err: Display,
        {
            let v = given.get(name).copied().or(default);
            let v = v.ok_or_else(|| format!("--{name} is required"))?;
            v.parse().map_err(|e| format!("--{name} {v}: {e}"))
        }
        let hold: u16 = get(&given, "hold", Some("90"))?;
        if hold == 1 || hold == 2 {
            return Err("--hold must be 0 or at least 3 (RFC 4271 §4.2)".into());
        }
        Ok(Args {
            local: get(&given, "local", None)?,
            peer: get(&given, "peer", None)?,
            asn: get(&given, "as", None)?,
            peer_as: get(&given, "peer-as", None)?,
            router_id: get(&given, "router-id", None)?,
            key: given.get("key").map(|k| k.to_string()),
            port: get(&given, "port", Some("179"))?,
            hold,
            connect_timeout: get(&given, "connect-timeout", Some("30"))?,
        })
    }
}

/// One line on stdout, flushed (the script reading it waits for each).
pub(crate) fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

/// Stdin's lines on a bounded channel, from a thread (closed at EOF).
fn stdin_lines() -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    rx
}

async fn run(args: Args) -> i32 {
    let mut commands = stdin_lines();
    let mut session = match Session::establish(&args).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bgp-script-peer: {e}");
            return 1;
        }
    };
    say("ESTABLISHED");
    loop {
        match session.step(Some(&mut commands), None).await {
            Some(Woke::Command(Some(line))) => {
                if session.command(&line).await {
                    return 0;
                }
            }
            Some(Woke::Command(None)) => {
                session.quit().await;
                return 0;
            }
            Some(Woke::Deadline) | None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        let words = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        let a = Args::parse(&words(
            "--local 10.0.0.0 --peer 10.0.0.1 --as 65000 --peer-as 64512 --router-id 1.1.1.1",
        ))
        .unwrap();
        assert_eq!(
            (a.port, a.hold, a.connect_timeout, a.key),
            (179, 90, 30, None)
        );
        let a = Args::parse(&words(
            "--local 10.0.0.0 --peer 10.0.0.1 --as 65000 --peer-as 64512 --router-id 1.1.1.1 \
             --key k --port 1179 --hold 9 --connect-timeout 5",
        ))
        .unwrap();
        assert_eq!((a.port, a.hold, a.connect_timeout), (1179, 9, 5));
        assert_eq!(a.key.as_deref(), Some("k"));
        assert!(Args::parse(&words("--local 10.0.0.0"))
            .unwrap_err()
            .contains("--peer"));
        assert!(Args::parse(&words("--bogus 1")).is_err());
        assert!(Args::parse(&words("--local")).is_err());
    }
}
