//! lsys-hostile: the hostile tenant of tests/hostile.rs, run as that tenant's Unix user (the
//! test starts it with `setpriv`, so lsysd sees the tenant's uid on every connection).
//!
//! ```text
//!  lsys-hostile flood SOCKET MAX          connect + hello until lsysd refuses (at most MAX);
//!                                         prints `ready opened=N refused=REASON`, holds the
//!                                         connections until its stdin closes
//!  lsys-hostile top SOCKET [CASES]        `top top ... top` just under the line limit:
//!                                         Execute (configuration mode) and Complete; prints times
//!                                         (CASES: a comma-separated choice of execute_bare,
//!                                         execute_show, complete_help, complete_tab)
//!  lsys-hostile text SOCKET SESSIONS N    SESSIONS connections each send N Text frames of
//!                                         256 KiB with no load pending (without waiting for
//!                                         the answers); counts the errors
//!  lsys-hostile noread SOCKET LINE        Execute LINE (a long reply), then Execute requests
//!                                         without reading, until writing blocks (or 1,000,000);
//!                                         prints `ready sent=N bytes=B blocked=yes|no`, holds
//!                                         the connection until stdin closes
//! ```
//! Every figure goes to stdout as `key=value` words; every loop is bounded in count and time.

use std::io::{BufRead, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use lsys_protocol::{self as proto, Client, Request, Response};

fn connect(socket: &Path) -> Result<UnixStream, String> {
    let mut s = UnixStream::connect(socket).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    s.set_write_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    proto::hello(&mut s, Client::Batch).map_err(|e| e.to_string())?;
    Ok(s)
}

/// Blocks until stdin closes (the test's signal to let go), at most ten minutes.
fn hold() {
    let start = Instant::now();
    let mut line = String::new();
    let stdin = std::io::stdin();
    while start.elapsed() < Duration::from_secs(600) {
        line.clear();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

fn flood(socket: &Path, max: usize) {
    let start = Instant::now();
    let mut open = Vec::new();
    let mut refused = String::from("none");
    while open.len() < max && start.elapsed() < Duration::from_secs(30) {
        match connect(socket) {
            Ok(s) => open.push(s),
            Err(e) => {
                refused = e.replace(' ', "_");
                break;
            }
        }
    }
    // A few more attempts: the refusal must hold, not be a hiccup.
    let mut later = 0;
    for _ in 0..5 {
        if let Ok(s) = connect(socket) {
            later += 1;
            open.push(s);
        }
    }
    say(&format!(
        "ready opened={} refused={refused} admitted_after_refusal={later} ms={}",
        open.len(),
        start.elapsed().as_millis()
    ));
    hold();
    drop(open);
}

/// Time of one Execute to its Done, and how it ended.
fn execute(s: &mut UnixStream, id: u64, line: &str) -> (Duration, String) {
    let t = Instant::now();
    if let Err(e) = proto::write(
        s,
        &Request::Execute {
            id,
            line: line.into(),
        },
    ) {
        return (t.elapsed(), format!("write_failed:{e}"));
    }
    let mut output = 0;
    // Bounded by the read timeout per frame and by a frame count.
    for _ in 0..1_000_000 {
        match proto::read::<Response>(s) {
            Ok(Response::Output { text, .. }) => output += text.len(),
            Ok(Response::Done { ok: true, .. }) => return (t.elapsed(), format!("ok({output})")),
            Ok(Response::Done { error, .. }) => {
                let e = error.unwrap_or_default();
                let first = e.lines().next().unwrap_or("").replace(' ', "_");
                return (t.elapsed(), format!("error:{first}"));
            }
            Ok(other) => {
                return (
                    t.elapsed(),
                    format!("unexpected:{other:?}").replace(' ', "_"),
                )
            }
            Err(e) => return (t.elapsed(), format!("read_failed:{e}").replace(' ', "_")),
        }
    }
    (t.elapsed(), "too_many_frames".into())
}

fn complete(s: &mut UnixStream, line: &str) -> (Duration, String) {
    let t = Instant::now();
    if let Err(e) = proto::write(s, &Request::Complete { line: line.into() }) {
        return (t.elapsed(), format!("write_failed:{e}").replace(' ', "_"));
    }
    match proto::read::<Response>(s) {
        Ok(Response::Completions { rows, .. }) => (t.elapsed(), format!("rows({})", rows.len())),
        Ok(other) => (
            t.elapsed(),
            format!("unexpected:{other:?}").replace(' ', "_"),
        ),
        Err(e) => (t.elapsed(), format!("read_failed:{e}").replace(' ', "_")),
    }
}

fn top(socket: &Path, only: &str) -> Result<(), String> {
    let mut s = connect(socket)?;
    let (_, entered) = execute(&mut s, 1, "configure");
    // "top top ... top" (MAX_LINE - 1 bytes), and the same ending in a real command.
    let max = proto::MAX_LINE - 1;
    let tops = |room: usize| "top ".repeat(room / 4);
    let bare = format!("{}top", tops(max - 3));
    let tail = "show routing-options";
    let cases: [(&str, String); 4] = [
        ("execute_bare", bare.clone()),
        ("execute_show", format!("{}{tail}", tops(max - tail.len()))),
        ("complete_help", tops(max)),
        ("complete_tab", format!("{}to", tops(max - 2))),
    ];
    let mut out = format!("configure={entered} bytes={}", bare.len());
    for (i, (name, line)) in cases.iter().enumerate() {
        if !only.is_empty() && !only.split(',').any(|o| o == *name) {
            continue;
        }
        assert!(line.len() < proto::MAX_LINE, "{name}: {}", line.len());
        let (t, how) = if name.starts_with("execute") {
            execute(&mut s, 2 + i as u64, line)
        } else {
            complete(&mut s, line)
        };
        out.push_str(&format!(
            " {name}_ms={:.1} {name}={how}",
            t.as_secs_f64() * 1e3
        ));
    }
    say(&out);
    Ok(())
}

fn text(socket: &Path, sessions: usize, frames: usize) -> Result<(), String> {
    let start = Instant::now();
    let chunk = "x".repeat(proto::TEXT_CHUNK);
    let workers: Vec<_> = (0..sessions)
        .map(|_| {
            let socket = socket.to_path_buf();
            let chunk = chunk.clone();
            std::thread::spawn(move || -> Result<(usize, usize, String), String> {
                let mut s = connect(&socket)?;
                // Frames go out from their own thread, without waiting for the answers.
                let mut w = s.try_clone().map_err(|e| e.to_string())?;
                let writer = std::thread::spawn(move || -> Result<(), String> {
                    for i in 0..frames {
                        let frame = Request::Text {
                            id: 1000 + i as u64,
                            text: Some(chunk.clone()),
                            error: None,
                            more: false,
                        };
                        proto::write(&mut w, &frame).map_err(|e| format!("write {i}: {e}"))?;
                    }
                    Ok(())
                });
                let (mut errors, mut other) = (0, 0);
                let mut message = String::new();
                for i in 0..frames {
                    match proto::read::<Response>(&mut s) {
                        Ok(Response::Error { message: m }) => {
                            errors += 1;
                            message = m;
                        }
                        Ok(_) => other += 1,
                        Err(e) => return Err(format!("read {i}: {e}")),
                    }
                }
                writer.join().map_err(|_| "writer panicked".to_string())??;
                // The connection still serves its owner.
                let (_, after) = execute(&mut s, 1, "show version");
                if !after.starts_with("ok") {
                    return Err(format!("show version after the frames: {after}"));
                }
                Ok((errors, other, message))
            })
        })
        .collect();
    let (mut errors, mut other, mut failures, mut message) = (0, 0, Vec::new(), String::new());
    for w in workers {
        match w.join() {
            Ok(Ok((e, o, m))) => {
                errors += e;
                other += o;
                message = m;
            }
            Ok(Err(e)) => failures.push(e),
            Err(_) => failures.push("worker panicked".into()),
        }
    }
    say(&format!(
        "frames={} errors={errors} other={other} failed_sessions={} ms={} message={} failure={}",
        sessions * frames,
        failures.len(),
        start.elapsed().as_millis(),
        message.replace(' ', "_"),
        failures
            .first()
            .map_or("none".into(), |f| f.replace(' ', "_"))
    ));
    Ok(())
}

fn noread(socket: &Path, line: &str) -> Result<(), String> {
    let mut s = connect(socket)?;
    let start = Instant::now();
    proto::write(
        &mut s,
        &Request::Execute {
            id: 1,
            line: line.into(),
        },
    )
    .map_err(|e| e.to_string())?;
    // Writes block once lsysd stops reading: then a write times out.
    s.set_write_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    let (mut sent, mut bytes, mut blocked) = (0u64, 0usize, false);
    'requests: while sent < 1_000_000 && start.elapsed() < Duration::from_secs(30) {
        let frame = proto::encode(&Request::Execute {
            id: 2 + sent,
            line: "show version".into(),
        });
        let mut at = 0;
        while at < frame.len() {
            match s.write(&frame[at..]) {
                Ok(n) => {
                    at += n;
                    bytes += n;
                }
                Err(_) => {
                    blocked = true;
                    break 'requests;
                }
            }
        }
        sent += 1;
    }
    say(&format!(
        "ready sent={sent} bytes={bytes} blocked={} ms={}",
        if blocked { "yes" } else { "no" },
        start.elapsed().as_millis()
    ));
    hold();
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let num = |i: usize| arg(i).parse::<usize>().unwrap_or(0);
    let socket = Path::new(arg(1));
    let r = match arg(0) {
        "flood" => {
            flood(socket, num(2));
            Ok(())
        }
        "top" => top(socket, arg(2)),
        "text" => text(socket, num(2), num(3)),
        "noread" => noread(socket, arg(2)),
        _ => Err("usage: lsys-hostile flood|top|text|noread SOCKET ...".into()),
    };
    match r {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            say(&format!("failed {e}"));
            std::process::ExitCode::FAILURE
        }
    }
}
