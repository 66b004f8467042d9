//! `show route receive-protocol | advertising-protocol bgp A` from a running speaker (in a
//! throwaway namespace), against BIRD: AWS (AS 64512) sends 172.31/16, 172.29/16 (which the
//! speaker's import policy rejects) and 172.30/16 with our AS 65000 in its path (hidden as a
//! loop); Azure (AS 12076) sends 10.6/16. What the speaker received from AWS, hid, and sent
//! each cloud (next-hop self, the prepended local AS left out of the listing) is what the
//! `Command::Routes` query answers.

mod bird_support;
mod net_support;
mod speaker_support;

use std::net::IpAddr;
use std::time::Duration;

use lsys_bgp::instance::{Command, RouteLine, RouteSide};
use lsys_bgp::show::{routes, RouteTable};
use net_support::in_netns;
use speaker_support::{drained, instance_config, until};

const BOUND: Duration = Duration::from_secs(30);

const AWS: &str = "router id 10.0.0.1;
    protocol device {}
    protocol static { ipv4; route 172.31.0.0/16 blackhole; route 172.30.0.0/16 blackhole;
        route 172.29.0.0/16 blackhole; }
    protocol bgp cloudrouter {
        local 10.0.0.1 as 64512; neighbor 10.0.0.0 as 65000;
        password \"abcdefgh\"; connect delay time 1;
        ipv4 { import all; export filter {
            if source != RTS_STATIC then reject;
            if net = 172.30.0.0/16 then bgp_path.prepend(65000);
            accept;
        }; };
    }";

const AZURE: &str = "router id 10.0.0.14;
    protocol device {}
    protocol static { ipv4; route 10.6.0.0/16 blackhole; }
    protocol bgp cloudrouter {
        local 10.0.0.14 as 12076; neighbor 10.0.0.13 as 65000;
        password \"abcdefg\"; connect delay time 1;
        ipv4 { import all; export where source = RTS_STATIC; };
    }";

const SPEAKER: &str = "routing-options { autonomous-system 65000; }
    protocols { bgp {
        group aws { type external; peer-as 64512; import no-29;
            neighbor 10.0.0.1 { local-address 10.0.0.0; authentication-key abcdefgh; } }
        group azure { type external; peer-as 12076;
            neighbor 10.0.0.14 { local-address 10.0.0.13; authentication-key abcdefg; } }
    } }
    policy-options { policy-statement no-29 {
        from { route-filter 172.29.0.0/16 exact; } then reject; } }";

fn ip(a: &str) -> IpAddr {
    a.parse().unwrap()
}

/// (prefix, next hop or `Self`, AS path) of each line.
fn brief(lines: &[RouteLine]) -> Vec<(String, String, String)> {
    lines
        .iter()
        .map(|l| {
            let nh = if l.next_hop_self {
                "Self".to_string()
            } else {
                l.next_hop.map(|a| a.to_string()).unwrap_or_default()
            };
            (l.prefix.to_string(), nh, l.as_path.clone())
        })
        .collect()
}

fn s(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.into(), b.into(), c.into())
}

#[test]
fn received_hidden_and_advertised_routes_of_a_neighbor() {
    if !bird_support::available() {
        return;
    }
    in_netns(|| async {
        let _aws = bird_support::Bird::start(AWS, "aws0", "10.0.0.0/31", "aws1", "10.0.0.1/31");
        let _azure = bird_support::Bird::start(AZURE, "az0", "10.0.0.13/30", "az1", "10.0.0.14/30");
        // The routing table is not part of this test: its output is drained.
        let speaker = drained("cust");
        let (config, policies) = instance_config(SPEAKER, "10.0.0.13");
        speaker.send(Command::Configure { config, policies }).await;

        let hidden = RouteSide::Received { hidden: true };
        let settled = until(BOUND, async || {
            let h = speaker
                .routes(ip("10.0.0.1"), hidden)
                .await
                .unwrap_or_default();
            let to_aws = speaker
                .routes(ip("10.0.0.1"), RouteSide::Advertised)
                .await
                .unwrap_or_default();
            let to_azure = speaker
                .routes(ip("10.0.0.14"), RouteSide::Advertised)
                .await
                .unwrap_or_default();
            h.len() == 2 && !to_aws.is_empty() && !to_azure.is_empty()
        })
        .await;
        let peers = speaker.status().await;
        assert!(
            settled,
            "not settled: {:?}",
            peers
                .iter()
                .map(|p| (p.address, p.status.state))
                .collect::<Vec<_>>()
        );

        // From AWS: the accepted route as sent, the best of its prefix.
        let received = speaker
            .routes(ip("10.0.0.1"), RouteSide::Received { hidden: false })
            .await
            .expect("AWS is a neighbor");
        assert_eq!(
            brief(&received),
            vec![s("172.31.0.0/16", "10.0.0.1", "64512 I")]
        );
        assert!(received[0].active && !received[0].hidden);
        // Hidden: the policy's reject and the loop.
        let h = speaker.routes(ip("10.0.0.1"), hidden).await.unwrap();
        assert_eq!(
            brief(&h),
            vec![
                s("172.29.0.0/16", "10.0.0.1", "64512 I"),
                s("172.30.0.0/16", "10.0.0.1", "64512 65000 I"),
            ]
        );
        assert!(h.iter().all(|l| l.hidden && !l.active));
        // Each cloud is sent the other's routes, next hop self, AS path without our 65000.
        let to_aws = speaker
            .routes(ip("10.0.0.1"), RouteSide::Advertised)
            .await
            .unwrap();
        assert_eq!(brief(&to_aws), vec![s("10.6.0.0/16", "Self", "12076 I")]);
        let to_azure = speaker
            .routes(ip("10.0.0.14"), RouteSide::Advertised)
            .await
            .unwrap();
        assert_eq!(
            brief(&to_azure),
            vec![s("172.31.0.0/16", "Self", "64512 I")]
        );
        let text = routes(&[RouteTable {
            name: "cust.inet.0".into(),
            lines: to_azure,
            ..RouteTable::default()
        }]);
        assert!(
            text.ends_with(
                "* 172.31.0.0/16           Self                                    64512 I\n"
            ),
            "{text}"
        );
        // A neighbor the instance does not have.
        assert!(speaker
            .routes(ip("10.0.0.99"), RouteSide::Advertised)
            .await
            .is_none());
    });
}
