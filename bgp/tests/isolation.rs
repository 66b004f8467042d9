//! One tenant's peer flooding routes does not slow another tenant's speaker: two instances
//! (each its own actor, as lsysd runs one per routing instance) on one runtime — a single
//! thread here, the harshest case — while tenant A's BIRD sends 200,000 prefixes, tenant B's
//! session (hold time 3 s, so a keepalive every second) stays up and its `show bgp` view
//! answers throughout. Prints `figure:` lines (the time A took, B's slowest answer).

mod bird_support;
mod net_support;
mod speaker_support;

use std::time::{Duration, Instant};

use lsys_bgp::fsm::State;
use lsys_bgp::instance::Command;
use net_support::in_netns;
use speaker_support::{drained, instance_config, until};

const FLOOD: usize = 200_000;
const BOUND: Duration = Duration::from_secs(120);

#[test]
fn a_flooding_peer_does_not_slow_another_tenant() {
    if !bird_support::available() {
        return;
    }
    in_netns(|| async {
        let routes: String = (0..FLOOD)
            .map(|i| {
                format!(
                    "route {}.{}.{}.0/24 blackhole;\n",
                    20 + i / 65536,
                    i / 256 % 256,
                    i % 256
                )
            })
            .collect();
        let flood = bird_support::Bird::start(
            &format!(
                "router id 10.0.0.1;
                 protocol device {{}}
                 protocol static {{ ipv4; {routes} }}
                 protocol bgp lsys {{
                     local 10.0.0.1 as 64512; neighbor 10.0.0.0 as 65000; connect delay time 1;
                     ipv4 {{ import all; export where source = RTS_STATIC; }};
                 }}"
            ),
            "a0",
            "10.0.0.0/31",
            "a1",
            "10.0.0.1/31",
        );
        let _quiet = bird_support::Bird::start(
            "router id 10.0.1.1;
             protocol device {}
             protocol static { ipv4; route 172.31.0.0/16 blackhole; }
             protocol bgp lsys {
                 local 10.0.1.1 as 45090; neighbor 10.0.1.0 as 62610; connect delay time 1;
                 hold time 3;
                 ipv4 { import all; export where source = RTS_STATIC; };
             }",
            "b0",
            "10.0.1.0/31",
            "b1",
            "10.0.1.1/31",
        );
        let a = drained("a");
        let b = drained("b");
        // B first: its session is up before the flood starts.
        let (config, policies) = instance_config(
            "routing-options { autonomous-system 62610; }
             protocols { bgp { group tencent { type external; peer-as 45090; hold-time 3;
                 neighbor 10.0.1.1 { local-address 10.0.1.0; } } } }",
            "10.0.1.0",
        );
        b.send(Command::Configure { config, policies }).await;
        let up = until(BOUND, async || {
            b.status().await[0].status.state == State::Established
        })
        .await;
        assert!(up, "B never came up");
        let (config, policies) = instance_config(
            "routing-options { autonomous-system 65000; }
             protocols { bgp { group aws { type external; peer-as 64512;
                 neighbor 10.0.0.1 { local-address 10.0.0.0; } } } }",
            "10.0.0.0",
        );
        // B's show bgp, every 20 ms, in a task of its own while A takes its table.
        let b_commands = b.commands().clone();
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let poller = tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let asked = Instant::now();
                let (tx, rx) = tokio::sync::oneshot::channel();
                b_commands.send(Command::Status(tx)).await.expect("B runs");
                let peers = rx.await.expect("B answers");
                latencies.push(asked.elapsed());
                assert_eq!(peers[0].status.state, State::Established, "B went down");
                tokio::select! {
                    _ = &mut stopped => return latencies,
                    _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                }
            }
        });
        let flood_start = Instant::now();
        a.send(Command::Configure { config, policies }).await;
        let mut received = 0;
        let flooded = until(BOUND, async || {
            received = a.status().await[0].tables[0].received;
            received as usize >= FLOOD
        })
        .await;
        let took = flood_start.elapsed();
        assert!(flooded, "A received {received} of {FLOOD}");
        // A few more hold times of B with A's table in place.
        tokio::time::sleep(Duration::from_secs(4)).await;
        let _ = stop.send(());
        let mut latencies = poller.await.expect("poller");
        latencies.sort();
        let answers = latencies.len();
        let slowest = latencies[answers - 1];
        let median = latencies[answers / 2];
        let peers = b.status().await;
        assert_eq!(peers[0].status.state, State::Established);
        assert_eq!(
            peers[0].status.record.flaps, 0,
            "B flapped during A's flood"
        );
        assert_eq!(peers[0].tables[0].received, 1);
        drop(flood);
        eprintln!(
            "figure: tenant A took {FLOOD} prefixes in {:.2} s; tenant B stayed up (hold 3 s, flaps 0), \
             its show bgp answered {answers} times, median {:.2} ms, slowest {:.1} ms",
            took.as_secs_f64(),
            median.as_secs_f64() * 1000.0,
            slowest.as_secs_f64() * 1000.0
        );
    });
}
