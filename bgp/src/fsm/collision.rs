//! Connection collision resolution (RFC 4271 §6.8).
//!
//! When both speakers open a connection at once, the connection opened by the speaker with the
//! higher BGP identifier survives. Identifiers compare as 32-bit unsigned integers in host
//! order. If they are equal (allowed between ASes by RFC 6286), the speaker with the larger AS
//! number wins (RFC 6286 §2.3).
//!
//! The session settles a collision as soon as it knows the peer's identifier: on the first
//! valid OPEN (against every other connection, whether in OpenSent or still connecting), and
//! for a connection accepted in OpenConfirm. So from OpenConfirm on one connection is left.

use std::net::Ipv4Addr;

use super::negotiate::Negotiated;
use super::notification::Cease;
use super::session::{secs, Conn, Phase, Session, Why};
use super::{ConnId, Event, Initiator, Output, State, TimerKind};

/// Which connection to keep: the one we opened (`Outgoing`) or the one the peer opened.
pub fn surviving_initiator(
    local_id: Ipv4Addr,
    local_as: u32,
    peer_id: Ipv4Addr,
    peer_as: u32,
) -> Initiator {
    if (u32::from(local_id), local_as) > (u32::from(peer_id), peer_as) {
        Initiator::Outgoing
    } else {
        Initiator::Incoming
    }
}

impl Session {
    /// An incoming connection: refused in Idle and Established; in OpenConfirm it must win the
    /// collision at once (we know the peer's identifier) or be turned away.
    pub(super) fn accepted(&mut self, id: ConnId, out: &mut Vec<Output>) -> Option<Event> {
        if self.stage(id).is_some() {
            return None;
        }
        if id.initiator != Initiator::Incoming {
            out.push(Output::CloseConnection(id));
            return None;
        }
        match self.state() {
            State::Idle | State::Established => {
                self.refuse(id, Cease::ConnectionRejected, out);
                return None;
            }
            State::OpenConfirm => {
                let (existing, keep) = self.conns.iter().find_map(|c| match &c.phase {
                    Phase::OpenConfirm(n) => Some((c.id, self.winner(n))),
                    _ => None,
                })?;
                if existing.initiator == Initiator::Incoming || keep == Initiator::Outgoing {
                    self.refuse(id, Cease::ConnectionCollision, out);
                    return None;
                }
                self.drop_conn(existing, Why::Collision, out);
            }
            State::Connect | State::Active | State::OpenSent => {
                // A second connection from the peer replaces its first (likely half-dead) one.
                let older = self
                    .conns
                    .iter()
                    .find(|c| c.id.initiator == Initiator::Incoming)
                    .map(|c| c.id);
                if let Some(older) = older {
                    self.drop_conn(older, Why::Collision, out);
                }
            }
        }
        self.conns.push(Conn {
            id,
            phase: Phase::OpenSent,
        });
        self.send_open(id, out);
        Some(Event::Open)
    }

    /// A valid OPEN on `id`: settle the collision with every other connection, then OpenConfirm.
    pub(super) fn open_accepted(
        &mut self,
        id: ConnId,
        negotiated: Negotiated,
        out: &mut Vec<Output>,
    ) {
        let keep = self.winner(&negotiated);
        let others: Vec<(ConnId, bool)> = self
            .conns
            .iter()
            .filter(|c| c.id != id)
            .map(|c| (c.id, matches!(c.phase, Phase::Connecting)))
            .collect();
        for (other, connecting) in others {
            if connecting {
                self.drop_conn(other, Why::Abort, out);
            } else if id.initiator == keep {
                self.drop_conn(other, Why::Collision, out);
            } else {
                // The other connection wins; it will bring its own OPEN.
                self.drop_conn(id, Why::Collision, out);
                return;
            }
        }
        let (hold, keepalive) = (negotiated.hold_time, negotiated.keepalive);
        if let Some(c) = self.conns.iter_mut().find(|c| c.id == id) {
            c.phase = Phase::OpenConfirm(negotiated);
        }
        self.send_keepalive(id, out);
        if keepalive > 0 {
            self.timers
                .start(TimerKind::Keepalive, secs(keepalive), out);
        }
        if hold > 0 {
            self.timers.start(TimerKind::Hold, secs(hold), out);
        } else {
            self.timers.stop(TimerKind::Hold, out);
        }
    }

    fn winner(&self, negotiated: &Negotiated) -> Initiator {
        surviving_initiator(
            self.config.local_bgp_id,
            self.config.local_as,
            negotiated.peer_bgp_id,
            negotiated.peer_as,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_identifier_keeps_its_own_connection() {
        let lo = Ipv4Addr::new(10, 0, 0, 1);
        let hi = Ipv4Addr::new(10, 0, 0, 2);
        assert_eq!(surviving_initiator(hi, 1, lo, 2), Initiator::Outgoing);
        assert_eq!(surviving_initiator(lo, 2, hi, 1), Initiator::Incoming);
        // Numeric, not textual: 9.x < 10.x.
        assert_eq!(
            surviving_initiator(Ipv4Addr::new(9, 255, 255, 255), 1, lo, 1),
            Initiator::Incoming
        );
    }

    #[test]
    fn equal_identifiers_fall_back_to_as_number() {
        let id = Ipv4Addr::new(192, 0, 2, 1);
        assert_eq!(
            surviving_initiator(id, 65001, id, 65000),
            Initiator::Outgoing
        );
        assert_eq!(
            surviving_initiator(id, 65000, id, 65001),
            Initiator::Incoming
        );
    }
}
