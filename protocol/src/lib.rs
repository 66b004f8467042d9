//! The shell ↔ daemon protocol.
//!
//! ```text
//!  lsys (shell)                          lsysd
//!    Hello { version, client, tty } ───►
//!                                   ◄─── Welcome { prompt } | Refused { reason }
//!    Execute { id, line } ───────────►
//!                                   ◄─── Output { id, text }*   (streamed)
//!                                   ◄─── Question { id, text, default }  ─► Answer { id, yes }
//!                                   ◄─── ReadText { id, file }  ─► Text { id, text | error }
//!                                   ◄─── Done { id, ok, error, prompt, cli }
//!    Complete { line } ──────────────►
//!                                   ◄─── Completions { rows, tab, col }
//!    Cancel { id } ──────────────────►   (Ctrl-C: the daemon stops streaming and answers Done)
//!                                   ◄─── Tail { id, text }*     (an interrupted command's last
//!                                                                words: ping's statistics)
//!                                   ◄─── Closed { reason }      (unasked: lsysd ends the session,
//!                                                                `set cli idle-timeout`)
//! ```
//! Frames are a 4-byte big-endian length followed by that many bytes of JSON. A frame longer
//! than [`MAX_FRAME`] is refused without reading it. Every message carries no more than the
//! shell needs; the daemon owns all state.
//!
//! Every field a client supplies is bounded and filtered as the frame is decoded ([`check`]:
//! a [`Request`] that breaks a rule is [`FrameError::Malformed`]).

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

pub mod check;
pub mod settings;

pub use check::{Checked, FieldError, MAX_LINE, MAX_TEXT_ERROR, MAX_TTY};
pub use settings::{timestamp, CliSettings, TIMESTAMP_FORMAT};

/// Protocol version; the daemon refuses a Hello with another one.
pub const VERSION: u32 = 1;

/// The largest frame either side accepts (1 MiB).
pub const MAX_FRAME: usize = 1 << 20;

/// Where the shell's commands come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Client {
    /// An interactive terminal.
    Cli,
    /// Commands from -c, -f or standard input.
    Batch,
    /// An interactive login over ssh.
    Ssh,
    /// An interactive session in lsys-web's browser terminal.
    Web,
}

/// Messages from the shell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    Hello {
        version: u32,
        client: Client,
        /// Terminal name for `status` / `show system users` (`pts/3`), if any.
        tty: Option<String>,
    },
    /// Run one command line (pipes included; text pipes are applied by the shell).
    Execute { id: u64, line: String },
    /// Answer to a [`Response::Question`].
    Answer { id: u64, yes: bool },
    /// Completion / help for the text before the cursor.
    Complete { line: String },
    /// Stop the command `id` (Ctrl-C).
    Cancel { id: u64 },
    /// The text a [`Response::ReadText`] asked for, or why it could not be read. Long text
    /// comes in several frames: every one but the last has `more: true` (see [`text_frames`]).
    Text {
        id: u64,
        text: Option<String>,
        error: Option<String>,
        #[serde(default)]
        more: bool,
    },
}

/// The largest piece of text one [`Request::Text`] frame carries.
pub const TEXT_CHUNK: usize = 256 * 1024;

/// `text` as [`Request::Text`] frames that each fit in [`MAX_FRAME`] (split at character
/// boundaries; JSON escaping at most doubles the size of ASCII control characters... and a
/// 256 KiB chunk stays far below the limit even at six bytes a character).
pub fn text_frames(id: u64, text: &str) -> Vec<Request> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let mut cut = rest.len().min(TEXT_CHUNK / 6);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (chunk, tail) = rest.split_at(cut);
        out.push(Request::Text {
            id,
            text: Some(chunk.to_string()),
            error: None,
            more: !tail.is_empty(),
        });
        if tail.is_empty() {
            return out;
        }
        rest = tail;
    }
}

/// What the shell shows before its cursor.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Prompt {
    /// `jvetter@nxp-fra-01:l2` (the part before `>` / `#`).
    pub head: String,
    /// In configuration mode: the `[edit ...]` banner line.
    pub banner: Option<String>,
}

impl Prompt {
    /// The prompt string: `head>` or `head#`.
    pub fn line(&self) -> String {
        format!(
            "{}{} ",
            self.head,
            if self.banner.is_some() { '#' } else { '>' }
        )
    }
}

/// One row of `Possible completions:`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub marker: char,
    pub name: String,
    pub help: String,
}

/// Messages from the daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    Welcome {
        prompt: Prompt,
    },
    /// The daemon will not serve this client (unknown user, wrong version).
    Refused {
        reason: String,
    },
    /// Output of command `id`, streamed in order.
    Output {
        id: u64,
        text: String,
    },
    /// Output of command `id` after it was cancelled: what an interruptible command (`ping`,
    /// `traceroute`) prints when Ctrl-C stops it (the statistics). The shell shows it although
    /// it discards any `Output` of a cancelled command.
    Tail {
        id: u64,
        text: String,
    },
    /// The command asks the user (`Exit with uncommitted changes? [yes,no] (yes)`).
    Question {
        id: u64,
        text: String,
        default: bool,
    },
    /// Command `id` (`load ...`) needs text: the contents of `file`, read by the shell with the
    /// user's own permissions (the daemon never opens files for a user), or with no file, what
    /// the user types until ^D. Answered by [`Request::Text`].
    ReadText {
        id: u64,
        file: Option<String>,
    },
    /// Command `id` finished. `error` holds the message (already in Junos layout) on failure;
    /// `exit` asks the shell to end the session. Text pipes (`match`, `count`, ...) are the
    /// shell's to apply; the daemon applies `display` and `compare`.
    Done {
        id: u64,
        ok: bool,
        error: Option<String>,
        /// For syntax errors: the column of the command line the caret points at.
        caret: Option<usize>,
        prompt: Prompt,
        exit: bool,
        /// The session's `set cli` settings after the command (the shell applies them from
        /// the next command on).
        #[serde(default)]
        cli: CliSettings,
    },
    Completions {
        rows: Vec<Row>,
        /// What TAB inserts, if anything.
        tab: Option<String>,
        /// Column where the completed word starts.
        col: usize,
    },
    /// A protocol-level error (malformed frame, unknown message); the connection stays usable
    /// when possible.
    Error {
        message: String,
    },
    /// lsysd ends the session on its own while no command runs (`set cli idle-timeout`):
    /// `reason` is for the user's terminal; the connection closes after it.
    Closed {
        reason: String,
    },
}

/// Framing errors.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("connection closed")]
    Closed,
    #[error("frame of {0} bytes exceeds the {MAX_FRAME}-byte limit")]
    TooLarge(usize),
    #[error("malformed message: {0}")]
    Malformed(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Encodes a message as one frame.
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    let body = serde_json::to_vec(msg).unwrap_or_default();
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// Reads the length prefix of a frame and checks it against the limit.
pub fn frame_len(header: [u8; 4]) -> Result<usize, FrameError> {
    let len = u32::from_be_bytes(header) as usize;
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge(len));
    }
    Ok(len)
}

/// Decodes a frame body and checks it ([`Checked`]: a [`Request`] must keep the rules of
/// [`check`]; a [`Response`] passes as is).
pub fn decode<T: for<'de> Deserialize<'de> + Checked>(body: &[u8]) -> Result<T, FrameError> {
    let msg: T = serde_json::from_slice(body).map_err(|e| FrameError::Malformed(e.to_string()))?;
    msg.checked()
        .map_err(|e| FrameError::Malformed(e.to_string()))
}

/// Blocking write of one message (the shell side).
pub fn write<T: Serialize>(w: &mut impl Write, msg: &T) -> Result<(), FrameError> {
    w.write_all(&encode(msg))?;
    w.flush()?;
    Ok(())
}

/// Blocking read of one message (the shell side), checked as [`decode`] does.
pub fn read<T: for<'de> Deserialize<'de> + Checked>(r: &mut impl Read) -> Result<T, FrameError> {
    let mut header = [0u8; 4];
    match r.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(FrameError::Closed),
        Err(e) => return Err(e.into()),
    }
    let len = frame_len(header)?;
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    decode(&body)
}

/// Blocking login (test clients, benchmarks): sends Hello, returns the Welcome prompt, or why
/// the daemon refused (or answered something else).
pub fn hello<S: Read + Write>(s: &mut S, client: Client) -> Result<Prompt, FrameError> {
    write(
        s,
        &Request::Hello {
            version: VERSION,
            client,
            tty: None,
        },
    )?;
    match read::<Response>(s)? {
        Response::Welcome { prompt } => Ok(prompt),
        Response::Refused { reason } => Err(FrameError::Malformed(format!("refused: {reason}"))),
        other => Err(FrameError::Malformed(format!(
            "expected a welcome, got {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let msgs = vec![
            Request::Hello {
                version: VERSION,
                client: Client::Batch,
                tty: None,
            },
            Request::Execute {
                id: 7,
                line: "show configuration | match \"a b\"".into(),
            },
            Request::Complete {
                line: "set prot".into(),
            },
        ];
        let mut buf = Vec::new();
        for m in &msgs {
            write(&mut buf, m).unwrap();
        }
        let mut r = buf.as_slice();
        for m in &msgs {
            assert_eq!(&read::<Request>(&mut r).unwrap(), m);
        }
        assert!(matches!(read::<Request>(&mut r), Err(FrameError::Closed)));
    }

    #[test]
    fn oversized_and_malformed_frames_are_errors() {
        let mut big = ((MAX_FRAME + 1) as u32).to_be_bytes().to_vec();
        big.extend_from_slice(b"{}");
        assert!(matches!(
            read::<Request>(&mut big.as_slice()),
            Err(FrameError::TooLarge(_))
        ));
        let mut bad = 5u32.to_be_bytes().to_vec();
        bad.extend_from_slice(b"nope!");
        assert!(matches!(
            read::<Request>(&mut bad.as_slice()),
            Err(FrameError::Malformed(_))
        ));
    }

    #[test]
    fn long_text_is_chunked_below_the_frame_limit() {
        let text = "é\u{1}x".repeat(400_000);
        let frames = text_frames(3, &text);
        assert!(frames.len() > 1);
        let mut joined = String::new();
        for (i, f) in frames.iter().enumerate() {
            assert!(encode(f).len() <= MAX_FRAME);
            let Request::Text {
                text: Some(t),
                more,
                ..
            } = f
            else {
                panic!()
            };
            assert_eq!(*more, i + 1 < frames.len());
            joined.push_str(t);
        }
        assert_eq!(joined, text);
        assert_eq!(text_frames(1, "").len(), 1);
    }

    #[test]
    fn prompt_layout() {
        let p = Prompt {
            head: "jvetter@nxp-fra-01:l2".into(),
            banner: None,
        };
        assert_eq!(p.line(), "jvetter@nxp-fra-01:l2> ");
        let p = Prompt {
            banner: Some("[edit]".into()),
            ..p
        };
        assert_eq!(p.line(), "jvetter@nxp-fra-01:l2# ");
    }
}
