//! Bounds on what one client can make lsysd hold or do. Every buffer and queue a client feeds
//! is bounded by one of these.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections at once, in total and per uid (root is not capped per uid).
    pub connections: usize,
    pub connections_per_uid: usize,
    /// Connections that have not said hello yet, and how long they get to say it.
    pub unauthenticated: usize,
    pub hello_timeout: Duration,
    /// Requests a client may have queued while one is being answered.
    pub inbox: usize,
    /// The text one `load` may send, and all loads in flight together.
    pub load_bytes: usize,
    pub load_bytes_total: usize,
    /// Commits waiting for the pipeline.
    pub commit_queue: usize,
    /// How long one minute of `set cli idle-timeout` lasts (a minute; tests shorten it).
    pub idle_minute: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connections: 512,
            connections_per_uid: 32,
            unauthenticated: 64,
            hello_timeout: Duration::from_secs(5),
            inbox: 16,
            load_bytes: 16 << 20,
            load_bytes_total: 128 << 20,
            commit_queue: 256,
            idle_minute: Duration::from_secs(60),
        }
    }
}
