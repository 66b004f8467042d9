//! The 19-byte message header (RFC 4271 §4.1) and the stream framer.
//!
//! ```text
//!  TCP bytes ─► Framer::feed ─► [ partial message (< 4096 bytes) | what was fed ]
//!                                      │ next_frame(): marker, length 19..=4096, known type,
//!                                      ▼ per-type minimum length
//!                               Frame { kind, body } (borrowed; no copy) ─► decode()
//! ```
//!
//! The framer never holds more than one incomplete message plus the bytes of the last
//! `feed`: complete messages are handed out as slices of its buffer, and the consumed
//! prefix is dropped on the next `feed`. A header error poisons it: every later call
//! returns the same error (the session sends its NOTIFICATION and closes).

use super::error::DecodeError;
use super::wire::Reader;
use super::{decode, CodecContext, Message};

/// The all-ones marker that opens every message.
pub const MARKER: [u8; 16] = [0xff; 16];
/// Bytes of the header: marker, length, type.
pub const HEADER_LEN: usize = 19;
/// Longest message without the Extended Message capability (RFC 8654), not supported here.
pub const MAX_MESSAGE_LEN: usize = 4096;

/// The message types of RFC 4271 and RFC 2918.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    Open = 1,
    Update = 2,
    Notification = 3,
    Keepalive = 4,
    RouteRefresh = 5,
}

impl MessageType {
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            1 => Self::Open,
            2 => Self::Update,
            3 => Self::Notification,
            4 => Self::Keepalive,
            5 => Self::RouteRefresh,
            _ => return None,
        })
    }

    /// Smallest valid length (header included); a KEEPALIVE is exactly 19.
    fn min_len(self) -> usize {
        match self {
            Self::Open => 29,
            Self::Update => 23,
            Self::Notification => 21,
            Self::Keepalive => 19,
            Self::RouteRefresh => 23,
        }
    }
}

/// One complete message as found in the stream: its type and the bytes after the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    pub kind: MessageType,
    pub body: &'a [u8],
}

/// Checks a header and returns the message type and total length.
pub fn parse_header(header: &[u8; HEADER_LEN]) -> Result<(MessageType, usize), DecodeError> {
    let mut r = Reader::new(header);
    if r.take(16) != Some(&MARKER[..]) {
        return Err(DecodeError::BadMarker);
    }
    let len = r.u16().unwrap_or_default();
    let kind_byte = r.u8().unwrap_or_default();
    let total = usize::from(len);
    if !(HEADER_LEN..=MAX_MESSAGE_LEN).contains(&total) {
        return Err(DecodeError::BadLength(len));
    }
    let kind = MessageType::from_u8(kind_byte).ok_or(DecodeError::BadType(kind_byte))?;
    if total < kind.min_len() || (kind == MessageType::Keepalive && total != HEADER_LEN) {
        return Err(DecodeError::BadLength(len));
    }
    Ok((kind, total))
}

/// Splits a byte stream into messages. See the module documentation.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// Bytes of `buf` already handed out.
    pos: usize,
    failed: Option<DecodeError>,
}

impl Framer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes read from the connection. Call [`next_frame`](Self::next_frame)
    /// (or [`next_message`](Self::next_message)) until it returns `None` before feeding
    /// again, so the buffer stays within one incomplete message plus one read.
    pub fn feed(&mut self, data: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Bytes held and not yet handed out (an incomplete message, or unread messages).
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next complete message, `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let Some(header) = self
            .buf
            .get(self.pos..)
            .and_then(|b| b.first_chunk::<HEADER_LEN>())
        else {
            return Ok(None);
        };
        let (kind, len) = match parse_header(header) {
            Ok(v) => v,
            Err(e) => {
                self.failed = Some(e.clone());
                self.buf = Vec::new();
                self.pos = 0;
                return Err(e);
            }
        };
        let start = self.pos;
        if self.buf.len() - start < len {
            return Ok(None);
        }
        self.pos += len;
        Ok(Some(Frame {
            kind,
            body: &self.buf[start + HEADER_LEN..start + len],
        }))
    }

    /// The next complete message, decoded with the session's context.
    pub fn next_message(&mut self, ctx: &CodecContext) -> Result<Option<Message>, DecodeError> {
        let Some(frame) = self.next_frame()? else {
            return Ok(None);
        };
        let msg = decode(frame, ctx);
        if let Err(e) = &msg {
            self.failed = Some(e.clone());
        }
        msg.map(Some)
    }
}

/// Writes a header with a zero length; [`finish_message`] fills the length in.
pub(crate) fn start_message(out: &mut Vec<u8>, kind: MessageType) -> usize {
    let at = out.len();
    out.extend_from_slice(&MARKER);
    out.extend_from_slice(&[0, 0, kind as u8]);
    at
}

/// Sets the length of the message started at `at`; fails (and removes the partial
/// message) when it is longer than 4096.
pub(crate) fn finish_message(out: &mut Vec<u8>, at: usize) -> Result<(), super::EncodeError> {
    let len = out.len() - at;
    if len > MAX_MESSAGE_LEN {
        out.truncate(at);
        return Err(super::EncodeError::TooLong(len));
    }
    out[at + 16..at + 18].copy_from_slice(&(len as u16).to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(len: u16, kind: u8) -> [u8; HEADER_LEN] {
        let mut h = [0xff; HEADER_LEN];
        h[16..18].copy_from_slice(&len.to_be_bytes());
        h[18] = kind;
        h
    }

    #[test]
    fn header_checks() {
        assert_eq!(
            parse_header(&header(19, 4)),
            Ok((MessageType::Keepalive, 19))
        );
        assert_eq!(
            parse_header(&header(20, 4)),
            Err(DecodeError::BadLength(20))
        );
        assert_eq!(
            parse_header(&header(18, 2)),
            Err(DecodeError::BadLength(18))
        );
        assert_eq!(
            parse_header(&header(4097, 2)),
            Err(DecodeError::BadLength(4097))
        );
        assert_eq!(
            parse_header(&header(28, 1)),
            Err(DecodeError::BadLength(28))
        );
        assert_eq!(
            parse_header(&header(22, 5)),
            Err(DecodeError::BadLength(22))
        );
        assert_eq!(parse_header(&header(19, 6)), Err(DecodeError::BadType(6)));
        let mut bad = header(19, 4);
        bad[3] = 0;
        assert_eq!(parse_header(&bad), Err(DecodeError::BadMarker));
    }

    #[test]
    fn the_buffer_holds_at_most_one_partial_message_after_draining() {
        let mut f = Framer::new();
        let keepalive = header(19, 4);
        let mut stream = Vec::new();
        for _ in 0..1000 {
            stream.extend_from_slice(&keepalive);
        }
        let mut n = 0;
        for chunk in stream.chunks(777) {
            f.feed(chunk);
            while f.next_frame().unwrap().is_some() {
                n += 1;
            }
            assert!(f.buffered() < HEADER_LEN);
            assert!(f.buf.len() <= 777 + HEADER_LEN);
        }
        assert_eq!(n, 1000);
    }

    #[test]
    fn an_error_poisons_the_framer() {
        let mut f = Framer::new();
        f.feed(&header(19, 9));
        assert_eq!(f.next_frame(), Err(DecodeError::BadType(9)));
        f.feed(&header(19, 4));
        assert_eq!(f.next_frame(), Err(DecodeError::BadType(9)));
        assert_eq!(f.buffered(), 0);
    }
}
