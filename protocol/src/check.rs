//! The protocol edge: bounds and filters on every field a client supplies.
//!
//! The daemon trusts nothing a shell sends. A [`Request`] is checked as it is decoded
//! ([`crate::decode`], [`crate::read`]): what breaks a rule makes the frame malformed, so a
//! tenant cannot put terminal control sequences or newlines into what root later reads
//! (`show system users`, commit comments in the rollback history).
//!
//! | field | rule |
//! |---|---|
//! | `Hello.tty` | at most [`MAX_TTY`] bytes of `[A-Za-z0-9/._-]` |
//! | `Execute.line`, `Complete.line` | at most [`MAX_LINE`] bytes, no control character but TAB |
//! | `Text.error` | control characters replaced by U+FFFD, then cut to [`MAX_TEXT_ERROR`] bytes |
//! | `Text.text` | any UTF-8 (configuration files hold tabs, CRs, ...); the frame limit bounds it |
//!
//! "Control character" is Unicode's `Cc`: C0 (U+0000–U+001F), DEL and C1 (U+0080–U+009F;
//! some terminals act on C1 as they do on `ESC [`). [`Response`]s come from the trusted daemon
//! and pass unchecked.

use crate::{Request, Response};

/// The longest `Hello.tty` accepted (bytes).
pub const MAX_TTY: usize = 32;

/// The longest command line (`Execute.line`, `Complete.line`) accepted: 16 KiB.
pub const MAX_LINE: usize = 16 * 1024;

/// The longest `Text.error` passed on (bytes, after cleaning); a longer one is cut at a
/// character boundary.
pub const MAX_TEXT_ERROR: usize = 1024;

/// Why a client's message breaks a rule of the protocol edge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("tty of {len} bytes exceeds the {MAX_TTY}-byte limit")]
    TtyTooLong { len: usize },
    #[error("tty {tty:?} holds {ch:?} at byte {at}: only letters, digits, '/', '.', '_' and '-' are allowed")]
    TtyCharacter { tty: String, ch: char, at: usize },
    #[error("{field} of {len} bytes exceeds the {MAX_LINE}-byte limit")]
    LineTooLong { field: &'static str, len: usize },
    #[error("{field} holds the control character {ch:?} at byte {at}")]
    LineControl {
        field: &'static str,
        ch: char,
        at: usize,
    },
}

/// A message type whose decoded values are checked (and where the rules say so, cleaned)
/// before anyone sees them.
pub trait Checked: Sized {
    /// The message as it may be used, or the rule it breaks.
    fn checked(self) -> Result<Self, FieldError>;
}

impl Checked for Request {
    fn checked(self) -> Result<Request, FieldError> {
        Ok(match self {
            Request::Hello {
                version,
                client,
                tty,
            } => {
                if let Some(t) = &tty {
                    check_tty(t)?;
                }
                Request::Hello {
                    version,
                    client,
                    tty,
                }
            }
            Request::Execute { id, line } => {
                check_line("command line", &line)?;
                Request::Execute { id, line }
            }
            Request::Complete { line } => {
                check_line("completion line", &line)?;
                Request::Complete { line }
            }
            Request::Text {
                id,
                text,
                error,
                more,
            } => Request::Text {
                id,
                text,
                error: error.map(|e| clean_error(&e)),
                more,
            },
            r @ (Request::Answer { .. } | Request::Cancel { .. }) => r,
        })
    }
}

/// Responses come from the daemon, which the shell trusts.
impl Checked for Response {
    fn checked(self) -> Result<Response, FieldError> {
        Ok(self)
    }
}

/// `Hello.tty`: at most [`MAX_TTY`] bytes of `[A-Za-z0-9/._-]`.
pub fn check_tty(tty: &str) -> Result<(), FieldError> {
    if tty.len() > MAX_TTY {
        return Err(FieldError::TtyTooLong { len: tty.len() });
    }
    let bad = |c: char| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'));
    match tty.char_indices().find(|&(_, c)| bad(c)) {
        Some((at, ch)) => Err(FieldError::TtyCharacter {
            tty: tty.to_string(),
            ch,
            at,
        }),
        None => Ok(()),
    }
}

/// A command line: at most [`MAX_LINE`] bytes, no control character but TAB. `field` names
/// it in the error.
pub fn check_line(field: &'static str, line: &str) -> Result<(), FieldError> {
    if line.len() > MAX_LINE {
        return Err(FieldError::LineTooLong {
            field,
            len: line.len(),
        });
    }
    match line
        .char_indices()
        .find(|&(_, c)| c.is_control() && c != '\t')
    {
        Some((at, ch)) => Err(FieldError::LineControl { field, ch, at }),
        None => Ok(()),
    }
}

/// `Text.error` as it may be shown: every control character replaced by U+FFFD, then cut to
/// at most [`MAX_TEXT_ERROR`] bytes at a character boundary (cleaning a clean error changes
/// nothing).
pub fn clean_error(error: &str) -> String {
    let mut out = String::with_capacity(error.len().min(MAX_TEXT_ERROR));
    for c in error.chars() {
        let c = if c.is_control() { '\u{fffd}' } else { c };
        if out.len() + c.len_utf8() > MAX_TEXT_ERROR {
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode, encode, read, Client, FrameError, VERSION};

    /// `msg` encoded, then read back as the daemon reads it.
    fn through(msg: &Request) -> Result<Request, FrameError> {
        read::<Request>(&mut encode(msg).as_slice())
    }

    fn hello(tty: &str) -> Request {
        Request::Hello {
            version: VERSION,
            client: Client::Cli,
            tty: Some(tty.into()),
        }
    }

    fn malformed(r: Result<Request, FrameError>) -> String {
        match r {
            Err(FrameError::Malformed(m)) => m,
            other => panic!("expected a malformed frame, got {other:?}"),
        }
    }

    #[test]
    fn tty_names_of_real_terminals_pass() {
        for t in [
            "pts/3", "tty1", "ttyS0", "pts/1024", "console", "x_y.z-1", "",
        ] {
            assert_eq!(through(&hello(t)).unwrap(), hello(t), "{t:?}");
        }
        let none = Request::Hello {
            version: VERSION,
            client: Client::Batch,
            tty: None,
        };
        assert_eq!(through(&none).unwrap(), none);
        assert!(through(&hello(&"a".repeat(MAX_TTY))).is_ok());
    }

    #[test]
    fn tty_with_a_newline_escape_or_33_bytes_is_malformed() {
        let m = malformed(through(&hello("pts/3\nroot  pts/0")));
        assert_eq!(
            m,
            "tty \"pts/3\\nroot  pts/0\" holds '\\n' at byte 5: only letters, digits, \
             '/', '.', '_' and '-' are allowed"
        );
        assert!(!m.contains('\n'), "the message itself is safe to log");
        let m = malformed(through(&hello("pts/\u{1b}[2J")));
        assert!(m.contains("'\\u{1b}' at byte 4"), "{m}");
        let m = malformed(through(&hello(&"a".repeat(MAX_TTY + 1))));
        assert_eq!(m, "tty of 33 bytes exceeds the 32-byte limit");
        for t in ["pts 3", "pts/3;", "é", "pts/\u{9b}2J", "p\0"] {
            assert!(check_tty(t).is_err(), "{t:?}");
        }
    }

    #[test]
    fn lines_with_control_characters_are_malformed() {
        let exec = |line: &str| Request::Execute {
            id: 4,
            line: line.into(),
        };
        let ok = "commit comment \"l2:\tvlan 4 é\"";
        assert_eq!(through(&exec(ok)).unwrap(), exec(ok), "TAB and UTF-8 pass");
        let m = malformed(through(&exec("commit comment \"\u{1b}[31mroot\"")));
        assert_eq!(
            m,
            "command line holds the control character '\\u{1b}' at byte 16"
        );
        for bad in ["a\nb", "a\rb", "\0", "a\u{7f}", "a\u{85}", "a\u{9b}31m"] {
            assert!(through(&exec(bad)).is_err(), "{bad:?}");
            let c = Request::Complete { line: bad.into() };
            assert!(
                malformed(through(&c)).starts_with("completion line holds"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn lines_longer_than_16_kib_are_malformed() {
        let exact = "x".repeat(MAX_LINE);
        let exec = |line: &str| Request::Execute {
            id: 1,
            line: line.into(),
        };
        assert!(through(&exec(&exact)).is_ok());
        assert!(through(&Request::Complete {
            line: exact.clone()
        })
        .is_ok());
        let long = format!("{exact}x");
        assert_eq!(
            malformed(through(&exec(&long))),
            "command line of 16385 bytes exceeds the 16384-byte limit"
        );
        assert_eq!(
            malformed(through(&Request::Complete { line: long })),
            "completion line of 16385 bytes exceeds the 16384-byte limit"
        );
    }

    #[test]
    fn text_errors_are_cut_and_cleaned_and_text_passes_as_is() {
        let text = |text: Option<&str>, error: Option<&str>| Request::Text {
            id: 2,
            text: text.map(str::to_string),
            error: error.map(str::to_string),
            more: false,
        };
        let got = through(&text(None, Some("no such file 'a\u{1b}[2J\nb'"))).unwrap();
        assert_eq!(
            got,
            text(None, Some("no such file 'a\u{fffd}[2J\u{fffd}b'"))
        );
        // 1 KiB of two-byte characters plus one: cut at a character boundary.
        let long = "é".repeat(MAX_TEXT_ERROR / 2 + 1);
        let Request::Text { error: Some(e), .. } = through(&text(None, Some(&long))).unwrap()
        else {
            panic!()
        };
        assert_eq!(e, "é".repeat(MAX_TEXT_ERROR / 2));
        let cut = clean_error(&format!("a{}", "é".repeat(MAX_TEXT_ERROR)));
        assert_eq!(cut.len(), MAX_TEXT_ERROR - 1);
        // Configuration text is the user's file: tabs, CRs, anything valid.
        let file = "system {\r\n\thost-name r1;\u{1b}\0\r\n}\n";
        assert_eq!(
            through(&text(Some(file), None)).unwrap(),
            text(Some(file), None)
        );
    }

    /// Found by the protocol_decode fuzz target: an error of DELs within its first KiB grew
    /// past the limit when each became a three-byte U+FFFD after the cut, so decoding the
    /// re-encoded request changed it again. Now the cut comes after the cleaning.
    #[test]
    fn a_cleaned_error_stays_within_the_limit_and_cleans_to_itself() {
        let body = include_bytes!("../testdata/fuzz-text-error-grows.json");
        let req = decode::<Request>(body).unwrap();
        let Request::Text { error: Some(e), .. } = &req else {
            panic!("{req:?}")
        };
        assert!(e.len() <= MAX_TEXT_ERROR && !e.chars().any(char::is_control));
        assert_eq!(decode::<Request>(&encode(&req)[4..]).unwrap(), req);
        let dels = clean_error(&"\u{7f}".repeat(400));
        assert_eq!(dels, "\u{fffd}".repeat(MAX_TEXT_ERROR / 3));
        assert_eq!(clean_error(&dels), dels);
    }

    #[test]
    fn responses_are_not_filtered() {
        let r = crate::Response::Output {
            id: 1,
            text: "\u{1b}[1mbold\u{1b}[0m\r\n".repeat(2000),
        };
        let body = encode(&r);
        assert_eq!(decode::<crate::Response>(&body[4..]).unwrap(), r);
    }
}
