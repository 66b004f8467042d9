//! One TCP connection of a peer: a reader task that frames and decodes, and a writer task
//! that drains a bounded queue of encoded messages. Both end when the connection does or
//! when their handles are dropped.
//!
//! The reader works out its own decode context: a connection's first message is the peer's
//! OPEN, and from it (and whether the peer is internal) follows how its UPDATEs are read.
//! Everything it reads goes to the driver through one bounded channel shared by the peer's
//! connections, so a peer that sends faster than the instance takes routes is slowed down by
//! TCP, not buffered.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::fsm::ConnId;
use crate::packet::{Capability, CodecContext, DecodeError, Framer, Message};

/// Bytes read from the socket at a time.
const READ_CHUNK: usize = 64 * 1024;
/// Encoded messages (or batches) queued for the writer.
pub(crate) const WRITE_QUEUE: usize = 64;

/// What a reader reports.
#[derive(Debug)]
pub(crate) enum Read {
    /// A decoded message and its size on the wire.
    Message(Box<Message>, usize),
    /// The codec refused what arrived: the session resets with this error's NOTIFICATION.
    Error(DecodeError),
    /// The peer closed the connection or it broke.
    Closed,
}

/// A live connection: its writer queue and both tasks (aborted on drop).
pub(crate) struct Conn {
    pub writer: mpsc::Sender<Vec<u8>>,
    reader_task: JoinHandle<()>,
    writer_task: JoinHandle<()>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        // The writer sends what is queued (the NOTIFICATION before a close) and then shuts the
        // connection down; the reader keeps draining meanwhile, because closing a socket with
        // unread data sends a RST, and a peer that gets a RST drops our NOTIFICATION unread.
        // Both end on their own when the peer closes; they are aborted if it has not in 2 s.
        let reader = self.reader_task.abort_handle();
        let writer = self.writer_task.abort_handle();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            reader.abort();
            writer.abort();
        });
    }
}

impl Conn {
    /// Starts the tasks of `stream`; what it reads goes to `reads` tagged with `id`.
    pub(crate) fn start(
        id: ConnId,
        stream: TcpStream,
        ibgp: bool,
        reads: mpsc::Sender<(ConnId, Read)>,
    ) -> Conn {
        let (rd, wr) = stream.into_split();
        let (writer, queue) = mpsc::channel(WRITE_QUEUE);
        Conn {
            writer,
            reader_task: tokio::spawn(read_loop(id, rd, ibgp, reads)),
            writer_task: tokio::spawn(write_loop(wr, queue)),
        }
    }
}

async fn read_loop(
    id: ConnId,
    mut rd: OwnedReadHalf,
    ibgp: bool,
    reads: mpsc::Sender<(ConnId, Read)>,
) {
    let mut framer = Framer::new();
    let mut ctx = CodecContext {
        four_octet_as: false,
        ibgp,
    };
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        let n = match rd.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = reads.send((id, Read::Closed)).await;
                return;
            }
            Ok(n) => n,
        };
        framer.feed(&buf[..n]);
        loop {
            let before = framer.buffered();
            let item = match framer.next_message(&ctx) {
                Ok(None) => break,
                Ok(Some(m)) => {
                    if let Message::Open(o) = &m {
                        // We always offer 4-octet AS numbers: the peer decides.
                        ctx.four_octet_as = o
                            .capabilities
                            .iter()
                            .any(|c| matches!(c, Capability::FourOctetAs(_)));
                    }
                    let size = before.saturating_sub(framer.buffered());
                    Read::Message(Box::new(m), size)
                }
                Err(e) => Read::Error(e),
            };
            let fatal = matches!(item, Read::Error(_));
            if reads.send((id, item)).await.is_err() || fatal {
                return;
            }
        }
    }
}

async fn write_loop(mut wr: OwnedWriteHalf, mut queue: mpsc::Receiver<Vec<u8>>) {
    while let Some(bytes) = queue.recv().await {
        if wr.write_all(&bytes).await.is_err() {
            return;
        }
    }
    let _ = wr.shutdown().await;
}
