//! lsys-web end to end without a browser (helpers in tests/common; audit, TLS and password
//! login in tests/security.rs): a real lsysd, a real lsys-web, a tokio-tungstenite
//! client speaking the page's protocol (binary frames = terminal bytes, text = JSON control).
//!
//! ```text
//! test ──mint (lsys-web --mint-token)──► token
//!      ──WS /ws?token (Origin)──► lsys-web ──PTY──► lsys (as lsys-web1) ──► lsysd (--no-dataplane)
//!      ──lsys -c "show system users" (operator)──► lsysd   (is the web session still there?)
//! ```
//!
//! Covers the prompt, a command, resize, SIGHUP on close, expired/replayed tokens (401), a
//! wrong Origin (403), the per-user cap, and prints two figures (time to prompt, RSS with 100
//! idle sessions). Needs root (creates users, drops privileges) and built `lsys`/`lsysd`
//! (`cargo build -p lsysd -p lsys`).
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use lsys_tests::{ensure_user, two_tenants, Lab};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;

mod common;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_terminal_protocol() {
    ensure_user(USER);
    ensure_user(OTHER);
    let lab = Lab::start();
    lab.load(&two_tenants(USER, OTHER));
    let web = start_web(&lab, 4);

    // Prompt, a command, a resize.
    let token = mint(&web.key, USER, 60);
    let mut ws = connect(&web, &token, &origin(&web))
        .await
        .expect("connects");
    read_until(&mut ws, |t| has_prompt(t, USER)).await;
    assert_eq!(web_sessions(&lab, USER), 1);
    ws.send(Message::Binary(b"show version\r".to_vec().into()))
        .await
        .unwrap();
    let out = read_until(&mut ws, |t| {
        t.contains("Junos: lsys-") && has_prompt(t, USER)
    })
    .await;
    assert!(out.contains("Model: lsys"), "{out:?}");
    // Resize to 8 rows: lsys's pager (which pages to the terminal height) stops after a page.
    ws.send(Message::Text(
        r#"{"type":"resize","cols":100,"rows":8}"#.into(),
    ))
    .await
    .unwrap();
    ws.send(Message::Binary(
        b"show configuration | display set\r".to_vec().into(),
    ))
    .await
    .unwrap();
    let page = read_until(&mut ws, |t| t.contains("---(more)---")).await;
    let lines = page.matches("\nset ").count();
    assert!(
        (1..8).contains(&lines),
        "{lines} lines before the more-prompt: {page:?}"
    );
    ws.send(Message::Binary(b"q".to_vec().into()))
        .await
        .unwrap();
    read_until(&mut ws, |t| has_prompt(t, USER)).await;
    println!("resize took effect: a page of {lines} lines at 8 rows");

    // Close: the child gets SIGHUP, its lsysd session goes away.
    ws.close(None).await.unwrap();
    let start = Instant::now();
    while web_sessions(&lab, USER) != 0 {
        assert!(
            start.elapsed() < WAIT,
            "the lsys session outlived the WebSocket"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "closed: lsysd session gone after {} ms",
        start.elapsed().as_millis()
    );

    // Refusals.
    assert_eq!(
        status_code(connect(&web, &token, &origin(&web)).await.unwrap_err()),
        401,
        "replay"
    );
    let expired = mint(&web.key, USER, 0);
    assert_eq!(
        status_code(connect(&web, &expired, &origin(&web)).await.unwrap_err()),
        401,
        "expired"
    );
    let fresh = mint(&web.key, USER, 60);
    let e = connect(&web, &fresh, "http://evil.example")
        .await
        .unwrap_err();
    assert_eq!(status_code(e), 403, "origin");
    assert_eq!(
        status_code(connect(&web, "garbage.x", &origin(&web)).await.unwrap_err()),
        401
    );

    // The cap: four sessions open, the fifth is refused with a message.
    let mut open = Vec::new();
    for _ in 0..4 {
        let mut ws = connect(&web, &mint(&web.key, USER, 60), &origin(&web))
            .await
            .unwrap();
        read_until(&mut ws, |t| has_prompt(t, USER)).await;
        open.push(ws);
    }
    // No shell holds a PTY master (its own or another session's): both ends are close-on-exec.
    for pid in children(web.child.id()) {
        for fd in std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .flatten()
        {
            let target = std::fs::read_link(fd.path()).unwrap_or_default();
            assert_ne!(
                target,
                Path::new("/dev/ptmx"),
                "lsys {pid} holds a PTY master"
            );
        }
    }
    let mut fifth = connect(&web, &mint(&web.key, USER, 60), &origin(&web))
        .await
        .unwrap();
    let mut said = String::new();
    let close = loop {
        match tokio::time::timeout(WAIT, fifth.next()).await.unwrap() {
            Some(Ok(Message::Binary(b))) => said.push_str(&String::from_utf8_lossy(&b)),
            Some(Ok(Message::Close(f))) => break f,
            other => panic!("fifth session: {other:?}"),
        }
    };
    let close = close.expect("a close frame");
    assert_eq!(u16::from(close.code), 1008);
    assert!(said.contains("too many sessions for lsys-web1"), "{said:?}");
    println!("fifth session refused: {}", close.reason);
    // Another user is not affected by lsys-web1's cap.
    let mut other = connect(&web, &mint(&web.key, OTHER, 60), &origin(&web))
        .await
        .unwrap();
    read_until(&mut other, |t| has_prompt(t, OTHER)).await;
    drop(other);
    for mut ws in open {
        ws.close(None).await.unwrap();
    }

    // Figure: WebSocket open to prompt, median of 5 (after the four slots are given back).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut times = Vec::new();
    for _ in 0..5 {
        let token = mint(&web.key, USER, 60);
        let t = Instant::now();
        let mut ws = connect(&web, &token, &origin(&web)).await.unwrap();
        read_until(&mut ws, |t| has_prompt(t, USER)).await;
        times.push(t.elapsed());
        ws.close(None).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    times.sort();
    println!(
        "figure: WebSocket open to prompt {} ms",
        times[2].as_millis()
    );
}

/// lsysd admits at most 32 connections per uid: the 100 sessions are spread over four users.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_idle_sessions_memory() {
    const N: usize = 100;
    const USERS: [&str; 4] = [USER, OTHER, "lsys-web3", "lsys-web4"];
    for u in USERS {
        ensure_user(u);
    }
    let lab = Lab::start();
    let extra = format!(
        "system {{ login {{ user {} {{ class l3-tenant; }} user {} {{ class l3-tenant; }} }} }}",
        USERS[2], USERS[3]
    );
    lab.load(&format!("{}\n{extra}\n", two_tenants(USER, OTHER)));
    let web = start_web(&lab, N);
    let mut open = Vec::new();
    for i in 0..N {
        let user = USERS[i % USERS.len()];
        let mut ws = connect(&web, &mint(&web.key, user, 60), &origin(&web))
            .await
            .unwrap();
        read_until(&mut ws, |t| has_prompt(t, user)).await;
        open.push(ws);
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", web.child.id())).unwrap();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .map(|v| v.trim().trim_end_matches(" kB").trim().to_string())
        .unwrap();
    println!("figure: lsys-web resident memory with {N} idle sessions: {rss} kB");
    let total: usize = USERS.iter().map(|u| web_sessions(&lab, u)).sum();
    assert_eq!(total, N);
    for mut ws in open {
        let _ = ws.close(None).await;
    }
}

/// No input for the idle timeout closes the session (code 1008, with a message); `exit` in the
/// shell closes the WebSocket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_timeout_closes() {
    ensure_user(USER);
    ensure_user(OTHER);
    let lab = Lab::start();
    lab.load(&two_tenants(USER, OTHER));
    let web = start_web_with(&lab, 4, &["--idle-timeout", "1s"]);
    let mut ws = connect(&web, &mint(&web.key, USER, 60), &origin(&web))
        .await
        .unwrap();
    read_until(&mut ws, |t| has_prompt(t, USER)).await;
    let start = Instant::now();
    let mut said = String::new();
    let close = loop {
        match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Binary(b))) => said.push_str(&String::from_utf8_lossy(&b)),
            Some(Ok(Message::Close(f))) => break f.expect("a close frame"),
            other => panic!("idle session: {other:?}"),
        }
    };
    assert_eq!(u16::from(close.code), 1008);
    assert!(said.contains("idle"), "{said:?}");
    assert!(start.elapsed() >= Duration::from_millis(900));
    let start = Instant::now();
    while web_sessions(&lab, USER) != 0 {
        assert!(start.elapsed() < WAIT, "the idle lsys session stayed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The shell exits: the browser gets a close frame.
    let mut ws = connect(&web, &mint(&web.key, USER, 60), &origin(&web))
        .await
        .unwrap();
    read_until(&mut ws, |t| has_prompt(t, USER)).await;
    ws.send(Message::Binary(b"exit\r".to_vec().into()))
        .await
        .unwrap();
    loop {
        match tokio::time::timeout(Duration::from_millis(900), ws.next()).await {
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) => break,
            Ok(Some(Ok(_))) => {}
            other => panic!("after exit: {other:?}"),
        }
    }
}

/// A key file others can read (the token key, the TLS key), and a non-loopback address without
/// TLS, stop the server.
#[test]
fn refuses_to_start_unsafely() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, "0123456789abcdef0123456789abcdef").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let key = key.to_str().unwrap();
    // lsys-web with `args` must not start; its stderr.
    let refused = |args: &[&str]| {
        let out = Command::new(web_bin()).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} started");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(refused(&["--token-key", key]).contains("mode 0600"));
    std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let public = ["--listen", "0.0.0.0:0", "--token-key", key];
    assert!(refused(&public).contains("loopback"));
    // A certificate file that is not one stops the start.
    let stderr = refused(&[&public[..], &["--tls-cert", key, "--tls-key", key]].concat());
    assert!(stderr.contains("--tls-cert"), "{stderr}");
    // A TLS private key others can read stops the start too, as the token key does.
    let tls_key = dir.path().join("tls.pem");
    std::fs::write(&tls_key, "-----BEGIN PRIVATE KEY-----\n").unwrap();
    std::fs::set_permissions(&tls_key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let tls_key = tls_key.to_str().unwrap();
    let stderr = refused(&[&public[..], &["--tls-cert", key, "--tls-key", tls_key]].concat());
    assert!(
        stderr.contains("--tls-key") && stderr.contains("mode 0600 or 0400"),
        "{stderr}"
    );
}

/// A browser that stops reading: lsys-web stops reading the PTY (lsys blocks writing to its
/// terminal) instead of buffering; lsys-web's memory stays flat; every byte arrives once the
/// browser reads again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_browser_backpressure() {
    // ~2.2 kB of output each: ~6.6 MB, more than the kernel's largest TCP send buffer (4 MB)
    // and the PTY's, so something must hold the rest: the child, blocked.
    const COMMANDS: usize = 3000;
    ensure_user(USER);
    ensure_user(OTHER);
    let lab = Lab::start();
    lab.load(&two_tenants(USER, OTHER));
    let web = start_web(&lab, 4);
    // A small receive window, so that the kernel buffers do not absorb the output.
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let tcp = sock.connect(web.addr.parse().unwrap()).await.unwrap();
    let url = format!("ws://{}/ws?token={}", web.addr, mint(&web.key, USER, 60));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("Origin", HeaderValue::from_str(&origin(&web)).unwrap());
    let (ws, _) = tokio_tungstenite::client_async(req, MaybeTlsStream::Plain(tcp))
        .await
        .unwrap();
    let mut ws: Ws = ws;
    read_until(&mut ws, |t| has_prompt(t, USER)).await;
    ws.send(Message::Binary(
        b"set cli screen-length 0\r".to_vec().into(),
    ))
    .await
    .unwrap();
    read_until(&mut ws, |t| {
        t.contains("Screen length set") && has_prompt(t, USER)
    })
    .await;
    let rss = |pid: u32| lsys_tests::status_kib(pid, "VmRSS").unwrap();
    let before = rss(web.child.id());
    // Type ahead without reading; the sending side stays responsive (its own task).
    let line = b"show configuration | display set\r".to_vec();
    for _ in 0..COMMANDS {
        ws.send(Message::Binary(line.clone().into())).await.unwrap();
    }
    let shell = children(web.child.id());
    assert_eq!(shell.len(), 1, "one lsys child: {shell:?}");
    // lsys fills everything in between, then blocks.
    let path = format!("/proc/{}/syscall", shell[0]);
    let start = Instant::now();
    while !std::fs::read_to_string(&path)
        .unwrap()
        .starts_with(&format!("{} ", libc::SYS_write))
        && start.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Still blocked a second later: not a write that was merely in progress.
    tokio::time::sleep(Duration::from_secs(1)).await;
    // /proc/PID/syscall: the number of the system call the process is blocked in, then its
    // arguments (fd first). lsys must sit in write(2) (not read(2): it is not waiting for input).
    let syscall = std::fs::read_to_string(format!("/proc/{}/syscall", shell[0])).unwrap();
    let mut words = syscall.split_whitespace();
    let nr: i64 = words.next().and_then(|n| n.parse().ok()).unwrap_or(-1);
    let during = rss(web.child.id());
    println!(
        "slow browser: lsys blocked in syscall {nr} (write is {}) on fd {}, lsys-web RSS {before} → {during} kB",
        libc::SYS_write,
        words.next().unwrap_or("?")
    );
    assert_eq!(
        nr,
        libc::SYS_write,
        "lsys is not blocked writing: {syscall:?}"
    );
    assert!(
        during < before + 4096,
        "lsys-web buffered: {before} → {during} kB"
    );
    // Read everything: every command's output arrives (counted chunk by chunk).
    let last = "set bridge-domains bd-azure routing-interface irb.2";
    let (mut seen, mut carry) = (0, String::new());
    let end = Instant::now() + Duration::from_secs(120);
    while seen < COMMANDS {
        let left = end.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Binary(b)))) => {
                carry.push_str(&String::from_utf8_lossy(&b));
                seen += carry.matches(last).count();
                let keep = carry.rfind(last).map_or(0, |i| i + last.len());
                carry = tail(&carry[keep..]).to_string();
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("after {seen} of {COMMANDS} outputs: {other:?}"),
        }
    }
    assert_eq!(seen, COMMANDS);
}
