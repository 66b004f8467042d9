//! lsys-web's doors end to end: audit lines, HTTPS, the password login form. A real lsysd and
//! lsys-web (tests/common); needs root (creates users, sets a password, drops privileges).
//!
//! ```text
//! test ──wss:// (trusting a self-signed cert)──► lsys-web --tls-cert ──PTY──► lsys ──► lsysd
//!      ──POST /login (user, password)──► 303 /?token=T ──WS /ws?token=T──► prompt
//!      ──reads lsys-web's stderr──► audit lines
//! ```

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use lsys_tests::{ensure_user, two_tenants, Lab};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

mod common;
use common::*;

/// Audit lines: session start and end (info), each refusal (warn) with its reason; the user,
/// the peer address, `client=web`; X-Forwarded-For only from a `--trusted-proxy`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_lines() {
    ensure_user(USER);
    ensure_user(OTHER);
    let lab = Lab::start();
    lab.load(&two_tenants(USER, OTHER));
    let log = lab.dir.path().join("web-audit.log");
    let web = start_web_logged(&lab, 1, &["--trusted-proxy", "127.0.0.1"], Some(&log));
    let mut ws = connect_from(
        &web,
        &mint(&web.key, USER, 60),
        &origin(&web),
        Some("203.0.113.7"),
    )
    .await
    .unwrap();
    read_until(&mut ws, |t| has_prompt(t, USER)).await;
    // Over the cap of 1: refused in the terminal.
    let mut second = connect(&web, &mint(&web.key, USER, 60), &origin(&web))
        .await
        .unwrap();
    while let Some(Ok(m)) = second.next().await {
        if let Message::Close(_) = m {
            break;
        }
    }
    ws.close(None).await.unwrap();
    // The shell exits: its end is logged too (after the first session's slot is given back).
    let start = Instant::now();
    let (mut ws, first) = loop {
        let mut ws = connect(&web, &mint(&web.key, USER, 60), &origin(&web))
            .await
            .unwrap();
        let first = match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
            other => panic!("second session: {other:?}"),
        };
        if !first.contains("too many sessions") {
            break (ws, first);
        }
        assert!(
            start.elapsed() < WAIT,
            "the first session's slot stayed taken"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    if !has_prompt(&first, USER) {
        read_until(&mut ws, |t| has_prompt(&format!("{first}{t}"), USER)).await;
    }
    ws.send(Message::Binary(b"exit\r".to_vec().into()))
        .await
        .unwrap();
    while let Ok(Some(Ok(m))) = tokio::time::timeout(WAIT, ws.next()).await {
        if let Message::Close(_) = m {
            break;
        }
    }
    let _ = connect(&web, &mint(&web.key, USER, 60), "http://evil.example").await;
    let _ = connect(&web, "garbage.x", &origin(&web)).await;
    // Without --trusted-proxy, X-Forwarded-For is not believed.
    let untrusting = start_web_logged(&lab, 1, &[], Some(&lab.dir.path().join("web-2.log")));
    let _ = connect_from(
        &untrusting,
        "garbage.x",
        &origin(&untrusting),
        Some("198.51.100.9"),
    )
    .await;

    // The audit lines once one of them contains `last`.
    let audit = |path: &Path, last: &str| {
        let start = Instant::now();
        loop {
            let text = std::fs::read_to_string(path).unwrap();
            let lines: Vec<String> = text
                .lines()
                .filter(|l| l.contains(" audit: "))
                .map(String::from)
                .collect();
            if lines.iter().any(|l| l.contains(last)) || start.elapsed() > WAIT {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let lines = audit(&log, "malformed token");
    println!("{}", lines.join("\n"));
    let find = |what: &str, reason: &str| {
        lines
            .iter()
            .find(|l| l.contains(what) && l.contains(reason))
            .unwrap_or_else(|| panic!("no {what:?} line with {reason:?} in {lines:#?}"))
    };
    let peer = "peer=127.0.0.1:";
    let started = find("session started", USER);
    assert!(started.contains(" INFO "), "{started}");
    assert!(
        started.contains(&format!("user=\"{USER}\"")) || started.contains(&format!("user={USER}")),
        "{started}"
    );
    assert!(
        started.contains(peer) && started.contains("forwarded_for=203.0.113.7"),
        "{started}"
    );
    assert!(
        started.contains("client=\"web\"") || started.contains("client=web"),
        "{started}"
    );
    let ended = find("session ended", "browser");
    assert!(ended.contains(" INFO ") && ended.contains(USER), "{ended}");
    let exited = find("session ended", "shell exited");
    assert!(
        exited.contains(" INFO ") && exited.contains(USER),
        "{exited}"
    );
    for reason in ["1 sessions open", "origin not allowed", "malformed token"] {
        let l = find("session refused", reason);
        assert!(
            l.contains(" WARN ") && l.contains(peer) && l.contains("web"),
            "{l}"
        );
    }
    assert!(find("session refused", "1 sessions open").contains(USER));
    let other = audit(&lab.dir.path().join("web-2.log"), "malformed token");
    assert_eq!(other.len(), 1, "{other:#?}");
    assert!(other[0].contains("forwarded_for=-"), "{}", other[0]);
    assert!(!other[0].contains("198.51.100.9"), "{}", other[0]);
}

/// HTTPS: a self-signed certificate (openssl), a wss:// client trusting only it reaches the
/// prompt; plain HTTP to the same port gets no answer; any address may be listened on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_terminal() {
    use std::sync::Arc;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore};

    ensure_user(USER);
    ensure_user(OTHER);
    let lab = Lab::start();
    lab.load(&two_tenants(USER, OTHER));
    let (cert, key) = (
        lab.dir.path().join("web.crt"),
        lab.dir.path().join("web.pem"),
    );
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ed25519", "-nodes", "-days", "1"])
        .args([
            "-subj",
            "/CN=lsys-web test",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-addext",
            // An end-entity certificate (openssl's default is CA:TRUE, which webpki refuses).
            "basicConstraints=critical,CA:FALSE",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (c, k) = (cert.to_str().unwrap(), key.to_str().unwrap());
    // 0.0.0.0 is allowed with TLS; the client connects through loopback.
    let mut web = start_web_with(
        &lab,
        4,
        &["--listen", "0.0.0.0:0", "--tls-cert", c, "--tls-key", k],
    );
    let port = web.addr.rsplit(':').next().unwrap().to_string();
    web.addr = format!("127.0.0.1:{port}");

    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(&cert).unwrap())
        .unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(&web.addr).await.unwrap();
    let name = ServerName::IpAddress("127.0.0.1".parse::<std::net::IpAddr>().unwrap().into());
    let tls = connector.connect(name, tcp).await.expect("TLS handshake");
    let url = format!("wss://{}/ws?token={}", web.addr, mint(&web.key, USER, 60));
    let mut req = url.into_client_request().unwrap();
    let https_origin = format!("https://{}", web.addr);
    req.headers_mut()
        .insert("Origin", HeaderValue::from_str(&https_origin).unwrap());
    let (mut ws, _) = tokio_tungstenite::client_async(req, tls)
        .await
        .expect("wss");
    read_until(&mut ws, |t| has_prompt(t, USER)).await;
    ws.send(Message::Binary(b"show version\r".to_vec().into()))
        .await
        .unwrap();
    read_until(&mut ws, |t| {
        t.contains("Junos: lsys-") && has_prompt(t, USER)
    })
    .await;
    ws.close(None).await.unwrap();

    // Plain HTTP / ws:// to the TLS port: the handshake fails, no WebSocket.
    let plain = tokio::time::timeout(
        WAIT,
        connect(&web, &mint(&web.key, USER, 60), &origin(&web)),
    )
    .await
    .expect("refused in time");
    assert!(plain.is_err(), "plain ws:// to the TLS port connected");
}

/// One HTTP/1.1 request over a fresh connection: (status, the whole response).
fn http(addr: &str, method: &str, path: &str, body: &str, origin: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let code = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, out)
}

fn run(cmd: &str, args: &[&str], stdin: Option<&str>) {
    use std::io::Write;
    let mut c = Command::new(cmd)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin
        .take()
        .unwrap()
        .write_all(stdin.unwrap_or("").as_bytes())
        .unwrap();
    assert!(c.wait().unwrap().success(), "{cmd} {args:?}");
}

fn shadow_hash(user: &str) -> String {
    let shadow = std::fs::read_to_string("/etc/shadow").unwrap();
    shadow
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{user}:")))
        .and_then(|r| r.split(':').next())
        .unwrap()
        .to_string()
}

/// `--password-login`: the form; SHA-512 and yescrypt hashes from /etc/shadow; the token it
/// issues opens a session; locked and `*` passwords never match; 5 failures a minute per
/// source, then 429 even for the right password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_login() {
    const LOGIN: &str = "lsys-web5";
    ensure_user(USER);
    ensure_user(OTHER);
    ensure_user(LOGIN);
    let lab = Lab::start();
    let extra = format!("system {{ login {{ user {LOGIN} {{ class l3-tenant; }} }} }}");
    lab.load(&format!("{}\n{extra}\n", two_tenants(USER, OTHER)));
    let web = start_web_with(&lab, 4, &["--password-login"]);
    let o = origin(&web);
    let (code, page) = http(&web.addr, "GET", "/login", "", &o);
    assert_eq!(code, 200);
    assert!(
        page.contains("<form") && page.contains("name=\"password\""),
        "{page}"
    );
    let (code, resp) = http(&web.addr, "GET", "/", "", &o);
    assert!(code == 303 && resp.contains("/login"), "{resp}");

    // SHA-512 (openssl passwd -6, set with usermod -p).
    let out = Command::new("openssl")
        .args(["passwd", "-6", "pw-one"])
        .output()
        .unwrap();
    let hash = String::from_utf8(out.stdout).unwrap();
    run("usermod", &["-p", hash.trim(), LOGIN], None);
    let (code, resp) = http(
        &web.addr,
        "POST",
        "/login",
        &format!("user={LOGIN}&password=pw-one"),
        &o,
    );
    assert_eq!(code, 303, "{resp}");
    let token = resp
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: /?token=")
                .or_else(|| l.strip_prefix("Location: /?token="))
        })
        .unwrap_or_else(|| panic!("no redirect with a token: {resp}"))
        .trim()
        .to_string();
    let mut ws = connect(&web, &token, &o)
        .await
        .expect("the login's token opens a session");
    read_until(&mut ws, |t| has_prompt(t, LOGIN)).await;
    ws.close(None).await.unwrap();

    // yescrypt ($y$, Debian's default).
    run(
        "chpasswd",
        &["-c", "YESCRYPT"],
        Some(&format!("{LOGIN}:pw-two\n")),
    );
    assert!(
        shadow_hash(LOGIN).starts_with("$y$"),
        "{}",
        shadow_hash(LOGIN)
    );
    let (code, resp) = http(
        &web.addr,
        "POST",
        "/login",
        &format!("user={LOGIN}&password=pw-two"),
        &o,
    );
    assert_eq!(code, 303, "{resp}");
    // A wrong Origin: refused before the password is looked at.
    let (code, _) = http(
        &web.addr,
        "POST",
        "/login",
        &format!("user={LOGIN}&password=pw-two"),
        "http://evil.example",
    );
    assert_eq!(code, 403);

    // Locked (`!`) and disabled (`*`) never match: two failures.
    run("usermod", &["-L", LOGIN], None);
    assert!(shadow_hash(LOGIN).starts_with('!'));
    let right = format!("user={LOGIN}&password=pw-two");
    let (code, resp) = http(&web.addr, "POST", "/login", &right, &o);
    assert_eq!(code, 401, "locked");
    // The form again, with the reason above its fields.
    assert!(
        resp.contains("<p class=\"error\" role=\"alert\">wrong user or password</p>")
            && resp.contains("<form method=\"post\" action=\"/login\">"),
        "{resp}"
    );
    run("usermod", &["-p", "*", LOGIN], None);
    assert_eq!(
        http(&web.addr, "POST", "/login", "user=lsys-web5&password=*", &o).0,
        401,
        "*"
    );
    // Three more failures make five: the next attempt is refused unchecked.
    run(
        "chpasswd",
        &["-c", "YESCRYPT"],
        Some(&format!("{LOGIN}:pw-two\n")),
    );
    for _ in 0..3 {
        let wrong = format!("user={LOGIN}&password=nope");
        assert_eq!(http(&web.addr, "POST", "/login", &wrong, &o).0, 401);
    }
    let (code, resp) = http(&web.addr, "POST", "/login", &right, &o);
    assert_eq!(code, 429, "{resp}");
    assert!(
        resp.contains("too many failed logins; try again in a minute</p>"),
        "{resp}"
    );
    // Unknown users fail like wrong passwords (counted too, so still 429 here).
    assert_eq!(
        http(
            &web.addr,
            "POST",
            "/login",
            "user=nobody-here&password=x",
            &o
        )
        .0,
        429
    );
    run("usermod", &["-p", "!", LOGIN], None);
}
