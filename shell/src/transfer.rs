//! File transfer, refused. sftp and scp reach an SSH login shell as `-c` commands (args.rs):
//! lsys says no on stderr and exits with 1, and makes sure the client can show why.
//!
//! - scp's legacy protocol (`scp -O`) runs as an ordinary command, whose stderr sshd forwards;
//!   but the client stops its ssh as soon as our stdout closes, maybe before that ssh has written
//!   what it received. Stdout stays open a moment after the message so the message goes first.
//! - sftp runs as a subsystem, whose stderr sshd discards: the message can only travel in the
//!   SFTP protocol itself. The client's `SSH_FXP_INIT` gets a `SSH_FXP_VERSION` (3, no
//!   extensions) and every request after it a `SSH_FXP_STATUS` of `SSH_FX_OP_UNSUPPORTED` with
//!   the message, which sftp prints (`realpath .: file transfer (sftp/scp) is not supported`)
//!   before giving up; so do graphical clients. Bounded: a few requests, packets no larger
//!   than the protocol's, and the client's end of input ends it.

use std::io::{self, IsTerminal, Read, Write};
use std::time::Duration;

/// Which program sshd wanted to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// `sftp-server` (the `Subsystem sftp` line).
    Sftp,
    /// `scp -t` / `scp -f`.
    Scp,
}

/// The refusal, without the `error: ` of lsys's own message.
pub const NOT_SUPPORTED: &str = "file transfer (sftp/scp) is not supported";

/// How long a refused scp keeps standard output open after its message.
const SCP_GRACE: Duration = Duration::from_millis(200);
/// Requests answered before lsys stops listening (sftp gives up after its first).
const MAX_REQUESTS: usize = 16;
/// The largest SFTP packet a client may send (OpenSSH's limit), past which lsys stops reading.
const MAX_PACKET: u32 = 256 * 1024;

const SSH_FXP_INIT: u8 = 1;
const SSH_FXP_VERSION: u8 = 2;
const SSH_FXP_STATUS: u8 = 101;
const SSH_FX_OP_UNSUPPORTED: u32 = 8;
const SFTP_VERSION: u32 = 3;

/// Refuses `what` and returns the exit status (1).
pub fn refuse(what: Transfer) -> i32 {
    eprintln!("error: {NOT_SUPPORTED}");
    // By hand on a terminal, the message is all there is to it.
    if io::stdin().is_terminal() || io::stdout().is_terminal() {
        return 1;
    }
    match what {
        Transfer::Scp => std::thread::sleep(SCP_GRACE),
        Transfer::Sftp => {
            // The client going away (end of input, a closed pipe) is the normal end.
            let _ = answer_sftp(&mut io::stdin().lock(), &mut io::stdout().lock());
        }
    }
    1
}

/// Answers an SFTP client on `input`/`output` until it stops, or [`MAX_REQUESTS`].
fn answer_sftp(input: &mut impl Read, output: &mut impl Write) -> io::Result<()> {
    for _ in 0..MAX_REQUESTS {
        let mut len = [0u8; 4];
        input.read_exact(&mut len)?;
        let len = u32::from_be_bytes(len);
        // Every packet has a type and a request id (INIT: the version) after its length.
        if !(5..=MAX_PACKET).contains(&len) {
            return Ok(());
        }
        let mut head = [0u8; 5];
        input.read_exact(&mut head)?;
        io::copy(&mut input.take(u64::from(len - 5)), &mut io::sink())?;
        let id = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        let reply = if head[0] == SSH_FXP_INIT {
            packet(SSH_FXP_VERSION, &SFTP_VERSION.to_be_bytes())
        } else {
            let mut body = Vec::new();
            body.extend_from_slice(&id.to_be_bytes());
            body.extend_from_slice(&SSH_FX_OP_UNSUPPORTED.to_be_bytes());
            put_string(&mut body, NOT_SUPPORTED);
            put_string(&mut body, ""); // language tag
            packet(SSH_FXP_STATUS, &body)
        };
        output.write_all(&reply)?;
        output.flush()?;
    }
    Ok(())
}

fn put_string(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u32).to_be_bytes());
    buf.extend_from_slice(s.as_bytes());
}

/// `uint32 length, byte type, body`.
fn packet(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(5 + body.len());
    p.extend_from_slice(&(body.len() as u32 + 1).to_be_bytes());
    p.push(kind);
    p.extend_from_slice(body);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client's packet: type, request id, then a string argument (as REALPATH has).
    fn request(kind: u8, id: u32, arg: &str) -> Vec<u8> {
        let mut body = id.to_be_bytes().to_vec();
        put_string(&mut body, arg);
        packet(kind, &body)
    }

    #[test]
    fn init_gets_version_3_and_every_request_the_refusal() {
        const SSH_FXP_REALPATH: u8 = 16;
        const SSH_FXP_OPEN: u8 = 3;
        let mut input = packet(SSH_FXP_INIT, &3u32.to_be_bytes());
        input.extend(request(SSH_FXP_REALPATH, 7, "."));
        input.extend(request(SSH_FXP_OPEN, 8, "/etc/passwd"));
        let mut out = Vec::new();
        // The client's end of input ends the exchange.
        let end = answer_sftp(&mut input.as_slice(), &mut out).unwrap_err();
        assert_eq!(end.kind(), io::ErrorKind::UnexpectedEof);
        let mut want = vec![0, 0, 0, 5, SSH_FXP_VERSION, 0, 0, 0, 3];
        for id in [7u8, 8] {
            let msg = NOT_SUPPORTED.as_bytes();
            want.extend_from_slice(&(1 + 4 + 4 + 4 + msg.len() as u32 + 4).to_be_bytes());
            want.extend_from_slice(&[SSH_FXP_STATUS, 0, 0, 0, id, 0, 0, 0, 8]);
            want.extend_from_slice(&(msg.len() as u32).to_be_bytes());
            want.extend_from_slice(msg);
            want.extend_from_slice(&[0, 0, 0, 0]);
        }
        assert_eq!(out, want);
    }

    #[test]
    fn bounded_by_packet_size_and_request_count() {
        // A length past the protocol's limit: nothing is read after it, nothing answered.
        let mut input = (MAX_PACKET + 1).to_be_bytes().to_vec();
        input.extend([0u8; 64]);
        let mut out = Vec::new();
        answer_sftp(&mut input.as_slice(), &mut out).unwrap();
        assert!(out.is_empty());
        // Endless requests: MAX_REQUESTS answers, then lsys stops.
        let input: Vec<u8> = (0..100).flat_map(|i| request(17, i, "x")).collect();
        let mut out = Vec::new();
        answer_sftp(&mut input.as_slice(), &mut out).unwrap();
        let answers = out.len() / (4 + 1 + 4 + 4 + 4 + NOT_SUPPORTED.len() + 4);
        assert_eq!(answers, MAX_REQUESTS);
    }
}
