//! The driver: an event socket, a dump at start and after every missed event, and the shared
//! state the show commands read.

use std::sync::{Arc, RwLock};

use futures::{StreamExt, TryStreamExt};
use rtnetlink::packet_core::NetlinkPayload;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::sys::AsyncSocket;
use rtnetlink::{Handle, MulticastGroup};

use super::{Applied, LiveError, LiveState};

/// Receive buffer of the event socket: room for a burst of a few thousand link events.
const EVENT_RCVBUF: i32 = 4 << 20;

/// A fresh state: every link, then every address.
pub async fn dump(handle: &Handle) -> Result<LiveState, LiveError> {
    let mut state = LiveState::default();
    let mut links = handle.link().get().execute();
    while let Some(m) = links.try_next().await.map_err(LiveError::Dump)? {
        state.apply(&RouteNetlinkMessage::NewLink(m));
    }
    let mut addrs = handle.address().get().execute();
    while let Some(m) = addrs.try_next().await.map_err(LiveError::Dump)? {
        state.apply(&RouteNetlinkMessage::NewAddress(m));
    }
    Ok(state)
}

/// The state the watcher keeps, with counters for tests and diagnostics.
/// [`dump`] on a connection of its own (opened and closed here): the kernel's links and
/// addresses as of now, for a reader that must not act on a state the watcher has not caught
/// up with yet (the RIB's reconcile at start).
pub async fn dump_now() -> Result<LiveState, LiveError> {
    let (conn, handle, _) = rtnetlink::new_connection()?;
    let _conn = AbortOnDrop(tokio::spawn(conn));
    dump(&handle).await
}

#[derive(Debug, Clone, Default)]
pub struct Live {
    pub state: LiveState,
    /// Link and address events applied since the watcher started.
    pub events: u64,
    /// Full dumps taken: 1 after the initial dump, one more per resync.
    pub dumps: u64,
}

pub type SharedLive = Arc<RwLock<Live>>;

/// An empty shared state for [`watch`] to fill.
pub fn shared() -> SharedLive {
    Arc::new(RwLock::new(Live::default()))
}

fn write(shared: &SharedLive) -> std::sync::RwLockWriteGuard<'_, Live> {
    // A panic while holding the lock leaves a state that is at worst one event old: keep it.
    shared.write().unwrap_or_else(|p| p.into_inner())
}

/// Aborts the connection task when its user ends.
pub(super) struct AbortOnDrop(pub(super) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Keeps `shared` equal to the kernel of the current network namespace: subscribes to link and
/// address events, dumps, then applies every event. Resyncs with a full dump when the socket
/// overruns (ENOBUFS) or an event refers to an unknown link. Runs until the socket closes
/// (an error) or the future is dropped.
pub async fn watch(shared: SharedLive) -> Result<(), LiveError> {
    watch_with(shared, None).await
}

/// What changed in the kernel, for subscribers that follow it (the RIB): sent once the live
/// state has applied it, so a subscriber reads the new state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveEvent {
    /// A link appeared, changed (admin/oper state, master, name) or went away.
    Link { index: u32 },
    /// An address was added to or removed from a link.
    Address { index: u32 },
    /// Events were missed and the whole state was dumped again: resynchronise from it.
    Resync,
}

impl LiveEvent {
    fn of(m: &RouteNetlinkMessage) -> Option<LiveEvent> {
        Some(match m {
            RouteNetlinkMessage::NewLink(l) | RouteNetlinkMessage::DelLink(l) => LiveEvent::Link {
                index: l.header.index,
            },
            RouteNetlinkMessage::NewAddress(a) | RouteNetlinkMessage::DelAddress(a) => {
                LiveEvent::Address {
                    index: a.header.index,
                }
            }
            _ => return None,
        })
    }
}

/// [`watch`], also publishing every applied change on `events` (a bounded broadcast: a
/// subscriber that falls behind gets `Lagged` and resynchronises from the shared state).
pub async fn watch_with(
    shared: SharedLive,
    events_tx: Option<tokio::sync::broadcast::Sender<LiveEvent>>,
) -> Result<(), LiveError> {
    let publish = |e: LiveEvent| {
        if let Some(tx) = &events_tx {
            // No subscriber is not an error.
            let _ = tx.send(e);
        }
    };
    let (mut conn, handle, mut events) = rtnetlink::new_multicast_connection(&[
        MulticastGroup::Link,
        MulticastGroup::Ipv4Ifaddr,
        MulticastGroup::Ipv6Ifaddr,
    ])?;
    conn.socket_mut().socket_ref().set_rx_buf_sz(EVENT_RCVBUF)?;
    let _conn = AbortOnDrop(tokio::spawn(conn));
    loop {
        // Events that arrive while dumping queue up in `events` (one socket, read in order).
        let mut fresh = dump(&handle).await?;
        // Replay what queued during the dump. Each event carries its object's whole state, so
        // replaying onto a newer snapshot converges; a stale event may name a link deleted
        // since, so inconsistencies are expected here and ignored.
        let mut replayed = 0;
        let mut overrun = false;
        while let Ok((msg, _)) = events.try_recv() {
            match msg.payload {
                NetlinkPayload::InnerMessage(m) => {
                    replayed += u64::from(fresh.apply(&m) != Applied::Ignored)
                }
                NetlinkPayload::Overrun(_) => overrun = true,
                _ => {}
            }
        }
        {
            let mut live = write(&shared);
            live.state = fresh;
            live.dumps += 1;
            live.events += replayed;
        }
        if overrun {
            tracing::warn!("netlink event socket overran during a dump; dumping again");
            continue;
        }
        publish(LiveEvent::Resync);
        loop {
            let Some((msg, _)) = events.next().await else {
                return Err(LiveError::Closed);
            };
            let m = match msg.payload {
                NetlinkPayload::InnerMessage(m) => m,
                NetlinkPayload::Overrun(_) => {
                    tracing::warn!("netlink event socket overran (ENOBUFS); dumping again");
                    break;
                }
                _ => continue,
            };
            let mut live = write(&shared);
            match live.state.apply(&m) {
                Applied::Applied => {
                    live.events += 1;
                    drop(live);
                    if let Some(e) = LiveEvent::of(&m) {
                        publish(e);
                    }
                }
                Applied::Ignored => {}
                Applied::Inconsistent => {
                    live.events += 1;
                    tracing::warn!(event = ?m, "event about an unknown link; dumping again");
                    break;
                }
            }
        }
    }
}
