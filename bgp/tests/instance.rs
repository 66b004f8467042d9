//! The seed's Cloud Router as one speaker (in the main table of a throwaway namespace): BIRD
//! plays AWS (AS 64512 on 10.0.0.0/31, MD5, announces 172.31.0.0/16) and Azure (AS 12076 on
//! 10.0.0.12/30, MD5, announces 10.6.0.0/16 and 10.7.0.0/16). The speaker learns all three,
//! hands them to the routing table, and re-advertises each cloud's prefixes to the other with
//! next-hop self and its AS prepended; `show bgp summary` counts 1/1/1/0 and 2/2/2/0. The real
//! VRF and the kernel routes are the lab's test; this is the speaker's.

mod bird_support;
mod net_support;
mod speaker_support;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;
use lsys_bgp::instance::{Command, Output, Selected};
use net_support::in_netns;
use speaker_support::{apply, drained, instance_config, spawned, until};
use tokio::time::timeout;

const BOUND: Duration = Duration::from_secs(30);

const AWS: &str = "router id 10.0.0.1;
    protocol device {}
    protocol static { ipv4; route 172.31.0.0/16 blackhole; }
    protocol bgp cloudrouter {
        local 10.0.0.1 as 64512; neighbor 10.0.0.0 as 65000;
        password \"abcdefgh\"; connect delay time 1;
        ipv4 { import all; export where source = RTS_STATIC; };
    }";

const AZURE: &str = "router id 10.0.0.14;
    protocol device {}
    protocol static { ipv4; route 10.6.0.0/16 blackhole; route 10.7.0.0/16 blackhole; }
    protocol bgp cloudrouter {
        local 10.0.0.14 as 12076; neighbor 10.0.0.13 as 65000;
        password \"abcdefg\"; connect delay time 1;
        ipv4 { import all; export where source = RTS_STATIC; };
    }";

/// The tenant's BGP as the seed configures it (the routing instance's statements).
const SEED: &str = "routing-options { autonomous-system 65000; }
    protocols { bgp {
        group aws { type external; peer-as 64512;
            neighbor 10.0.0.1 { local-address 10.0.0.0; authentication-key abcdefgh; } }
        group azure { type external; peer-as 12076;
            neighbor 10.0.0.14 { local-address 10.0.0.13; authentication-key abcdefg; } }
    } }";

/// The speaker's BGP identifier: its address towards Azure.
const ROUTER_ID: &str = "10.0.0.13";

#[test]
fn the_seed_cloud_router_joins_aws_and_azure() {
    if !bird_support::available() {
        return;
    }
    in_netns(|| async {
        let aws = bird_support::Bird::start(AWS, "aws0", "10.0.0.0/31", "aws1", "10.0.0.1/31");
        let azure = bird_support::Bird::start(AZURE, "az0", "10.0.0.13/30", "az1", "10.0.0.14/30");
        let (speaker, mut out) = spawned("d87ed303");
        let (config, policies) = instance_config(SEED, ROUTER_ID);
        speaker.send(Command::Configure { config, policies }).await;

        // The routing table gets all three clouds' prefixes, each via its cloud.
        let mut table: BTreeMap<IpNet, Selected> = BTreeMap::new();
        let mut synced = Vec::new();
        let got = timeout(BOUND, async {
            while table.len() < 3 {
                let routes = match out.recv().await {
                    Some(Output::Routes(routes)) => routes,
                    Some(Output::Synced(f)) => {
                        synced.push(f);
                        continue;
                    }
                    None => continue,
                };
                apply(&mut table, routes);
            }
        })
        .await;
        if got.is_err() {
            let peers = speaker.status().await;
            let states: Vec<String> = peers
                .iter()
                .map(|p| format!("{} {:?} {:?}", p.address, p.status.state, p.status.record))
                .collect();
            panic!(
                "routes: {:?}\nspeaker: {states:#?}\nAWS: {}\nAzure: {}",
                table.keys().collect::<Vec<_>>(),
                aws.birdc(&["show", "protocols", "all", "cloudrouter"]),
                azure.birdc(&["show", "protocols", "all", "cloudrouter"])
            );
        }
        let via = |p: &str| table[&p.parse::<IpNet>().unwrap()].next_hops.clone();
        let ip = |a: &str| a.parse::<IpAddr>().unwrap();
        assert_eq!(via("172.31.0.0/16"), vec![ip("10.0.0.1")]);
        assert_eq!(via("10.6.0.0/16"), vec![ip("10.0.0.14")]);
        assert_eq!(via("10.7.0.0/16"), vec![ip("10.0.0.14")]);

        // Each cloud learns the other's prefixes from us: AS path 65000 <theirs>, next hop self.
        let at_aws = aws
            .route("10.6.0.0/16", "BGP.as_path: 65000 12076", BOUND)
            .await
            .expect("AWS learns Azure's VNet");
        assert!(at_aws.contains("BGP.next_hop: 10.0.0.0"), "{at_aws}");
        let at_azure = azure
            .route("172.31.0.0/16", "BGP.as_path: 65000 64512", BOUND)
            .await
            .expect("Azure learns the AWS VPC");
        assert!(at_azure.contains("BGP.next_hop: 10.0.0.13"), "{at_azure}");
        // Never back to where it came from.
        assert!(!azure
            .birdc(&["show", "route", "for", "10.6.0.0/16", "all"])
            .contains("65000"));

        // show bgp summary: the seed's counts.
        let peers = speaker.status().await;
        let counts: Vec<(String, String)> = peers
            .iter()
            .map(|p| {
                let t = &p.tables[0];
                (
                    p.address.to_string(),
                    format!("{}/{}/{}/{}", t.active, t.received, t.accepted, t.damped),
                )
            })
            .collect();
        assert_eq!(
            counts,
            vec![
                ("10.0.0.1".to_string(), "1/1/1/0".to_string()),
                ("10.0.0.14".to_string(), "2/2/2/0".to_string())
            ]
        );
        let summary = lsys_bgp::show::summary(&lsys_bgp::show::SummaryView {
            groups: 2,
            peers,
            tables: vec![],
        });
        assert!(
            summary.contains("Groups: 2 Peers: 2 Down peers: 0"),
            "{summary}"
        );
        assert!(summary.contains("  d87ed303.inet.0: 2/2/2/0"), "{summary}");

        // A policy change is soft: AWS's import now rejects 172.31/16, the session stays.
        let (config, policies) = instance_config(
            &format!(
                "{SEED} protocols {{ bgp {{ group aws {{ import no-vpc; }} }} }}
             policy-options {{ policy-statement no-vpc {{ from {{ route-filter 172.31.0.0/16 exact; }} then reject; }} }}"
            ),
            ROUTER_ID,
        );
        speaker.send(Command::Configure { config, policies }).await;
        let gone = timeout(BOUND, async {
            loop {
                let output = out.recv().await;
                if let Some(Output::Synced(f)) = output {
                    synced.push(f);
                    continue;
                }
                if let Some(Output::Routes(routes)) = output {
                    if routes
                        .iter()
                        .any(|(p, s)| p.to_string() == "172.31.0.0/16" && s.is_none())
                    {
                        return;
                    }
                }
            }
        })
        .await;
        assert!(gone.is_ok(), "172.31.0.0/16 stays after the import change");
        let withdrawn = until(BOUND, async || {
            !azure
                .birdc(&["show", "route", "for", "172.31.0.0/16"])
                .contains("172.31.0.0/16")
        })
        .await;
        assert!(withdrawn, "Azure still has 172.31.0.0/16");
        let peers = speaker.status().await;
        assert_eq!(peers[0].status.record.flaps, 0, "a policy change reset AWS");
        assert_eq!(peers[0].tables[0].accepted, 0);
        assert_eq!(peers[0].tables[0].received, 1);

        // Both peers have sent their routes (End-of-RIB, or quiet for a while): the table is
        // told, once per family (IPv6 too: no peer negotiated it).
        let all = timeout(BOUND, async {
            while synced.len() < 2 {
                if let Some(Output::Synced(f)) = out.recv().await {
                    synced.push(f);
                }
            }
        })
        .await;
        assert!(all.is_ok(), "synced: {synced:?}");
        synced.sort();
        use lsys_bgp::net::Family;
        assert_eq!(synced, vec![Family::Ipv4, Family::Ipv6]);
    });
}

/// A tenant's peer that sends more than its `prefix-limit` is torn down (Cease / Maximum
/// Number of Prefixes Reached) and, with `idle-timeout forever`, stays down; its routes leave
/// the table. AWS allows 100 prefixes per interface: here AWS sends 3 against a limit of 2.
#[test]
fn a_prefix_limit_tears_the_session_down() {
    if !bird_support::available() {
        return;
    }
    in_netns(|| async {
        let aws = bird_support::Bird::start(
            &AWS.replace(
                "route 172.31.0.0/16 blackhole;",
                "route 172.31.0.0/16 blackhole; route 172.30.0.0/16 blackhole; route 172.29.0.0/16 blackhole;",
            ),
            "aws0",
            "10.0.0.0/31",
            "aws1",
            "10.0.0.1/31",
        );
        let (speaker, mut out) = spawned("cust");
        let (config, policies) = instance_config(
            "routing-options { autonomous-system 65000; }
             protocols { bgp { group aws { type external; peer-as 64512;
                 family inet { unicast { prefix-limit { maximum 2; teardown idle-timeout forever; } } }
                 neighbor 10.0.0.1 { local-address 10.0.0.0; authentication-key abcdefgh; } } } }",
            ROUTER_ID,
        );
        speaker.send(Command::Configure { config, policies }).await;
        let mut down = None;
        let torn_down = until(BOUND, async || {
            let p = speaker.status().await.swap_remove(0);
            let gone = p.status.record.flaps >= 1 || p.status.record.last_error.is_some();
            down = Some(p);
            gone
        })
        .await;
        assert!(torn_down, "the session is torn down");
        let down = down.expect("asked at least once");
        let e = down.status.record.last_error.clone().expect("last error");
        assert_eq!(
            (e.notification.code, e.notification.subcode),
            (6, 1),
            "Cease / Maximum Number of Prefixes Reached: {e:?}"
        );
        // It stays down (idle-timeout forever) and nothing of AWS stays in the table.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let peers = speaker.status().await;
        assert_ne!(peers[0].status.state, lsys_bgp::fsm::State::Established);
        let mut table: BTreeMap<IpNet, Selected> = BTreeMap::new();
        while let Ok(output) = out.try_recv() {
            if let Output::Routes(routes) = output {
                apply(&mut table, routes);
            }
        }
        assert!(
            table.is_empty(),
            "routes left: {:?}",
            table.keys().collect::<Vec<_>>()
        );
        // BIRD heard a NOTIFICATION (the limit's, or, once it tried again, Connection Rejected:
        // the session stays down) rather than a broken connection.
        let bird = aws.birdc(&["show", "protocols", "all", "cloudrouter"]);
        assert!(
            bird.contains("Received: Maximum number of prefixes reached")
                || bird.contains("Received: Connection rejected"),
            "{bird}"
        );
    });
}

/// The "advertised subnets" of a Cloud Router: static routes go out through an export policy
/// (`from protocol static`), and a prefix whose active route in the table is a static is
/// exported as that static or not at all — never as the BGP path it beat (Junos exports active
/// routes): the default chain accepts BGP routes only.
#[test]
fn statics_are_exported_through_policy_and_beat_bgp_paths() {
    use lsys_bgp::instance::LocalRoute;
    use lsys_bgp::policy::Protocol;
    if !bird_support::available() {
        return;
    }
    in_netns(|| async {
        let aws = bird_support::Bird::start(AWS, "aws0", "10.0.0.0/31", "aws1", "10.0.0.1/31");
        let azure = bird_support::Bird::start(AZURE, "az0", "10.0.0.13/30", "az1", "10.0.0.14/30");
        // Nobody reads the table here: drain it so the speaker never waits.
        let speaker = drained("cust");
        let (config, policies) = instance_config(
            &format!(
                "{SEED} protocols {{ bgp {{ group aws {{ export subnets; }} }} }}
             policy-options {{ policy-statement subnets {{
                 term statics {{ from {{ protocol static; route-filter 192.168.0.0/16 orlonger; }} then accept; }} }} }}"
            ),
            ROUTER_ID,
        );
        speaker.send(Command::Configure { config, policies }).await;
        let route = |protocol, preference| LocalRoute {
            protocol,
            preference,
            metric: None,
            tag: None,
            next_hops: vec![],
            interfaces: vec!["irb.4".into()],
        };
        let net = |p: &str| p.parse::<IpNet>().unwrap();
        speaker
            .send(Command::Local {
                routes: vec![
                    (net("10.0.0.0/31"), Some(route(Protocol::Direct, 0))),
                    (net("192.168.10.0/24"), Some(route(Protocol::Static, 5))),
                ],
                full: true,
            })
            .await;
        let at_aws = aws
            .route("192.168.10.0/24", "BGP.as_path: 65000", BOUND)
            .await
            .expect("AWS learns the advertised subnet");
        assert!(at_aws.contains("BGP.next_hop: 10.0.0.0"), "{at_aws}");
        assert!(at_aws.contains("BGP.origin: IGP"), "{at_aws}");
        aws.route("10.7.0.0/16", "BGP.as_path: 65000 12076", BOUND)
            .await
            .expect("AWS learns Azure's VNet");
        // The direct subnet matches no term, and the default chain takes BGP routes only.
        assert!(!aws
            .birdc(&["show", "route", "for", "10.0.0.0/31", "all"])
            .contains("65000"));
        // Azure's default export (no policy) does not take the static either.
        assert!(!azure
            .birdc(&["show", "route", "for", "192.168.10.0/24"])
            .contains("192.168.10.0/24"));

        // A static for 10.7.0.0/16 wins in the table: AWS loses the BGP path it beat.
        let absent = |bird: &bird_support::Bird, prefix: &str| {
            !bird
                .birdc(&["show", "route", "for", prefix, "all"])
                .contains("BGP.as_path: 65000")
        };
        speaker
            .send(Command::Local {
                routes: vec![(net("10.7.0.0/16"), Some(route(Protocol::Static, 5)))],
                full: false,
            })
            .await;
        assert!(
            until(BOUND, async || absent(&aws, "10.7.0.0/16")).await,
            "AWS keeps 10.7.0.0/16"
        );
        assert!(!absent(&aws, "10.6.0.0/16"), "AWS lost 10.6.0.0/16");
        // The static goes: the BGP path is active, and exported, again.
        speaker
            .send(Command::Local {
                routes: vec![(net("10.7.0.0/16"), None)],
                full: false,
            })
            .await;
        assert!(
            until(BOUND, async || !absent(&aws, "10.7.0.0/16")).await,
            "10.7.0.0/16 not back at AWS"
        );
        // The subnet goes: withdrawn.
        speaker
            .send(Command::Local {
                routes: vec![(net("192.168.10.0/24"), None)],
                full: false,
            })
            .await;
        assert!(
            until(BOUND, async || absent(&aws, "192.168.10.0/24")).await,
            "AWS keeps 192.168.10.0/24"
        );
        let peers = speaker.status().await;
        assert!(
            peers.iter().all(|p| p.status.record.flaps == 0),
            "a session was reset"
        );
    });
}

/// MP-BGP IPv6 unicast (RFC 4760) with BIRD over an IPv6 session: its prefix reaches the
/// table via its address, and an advertised IPv6 subnet reaches BIRD with our address as next
/// hop and the family's End-of-RIB/quiet sync is reported for IPv6.
#[test]
fn ipv6_unicast_with_bird() {
    use lsys_bgp::instance::LocalRoute;
    use lsys_bgp::policy::Protocol;
    if !bird_support::available() {
        return;
    }
    in_netns(|| async {
        let bird = bird_support::Bird::start(
            "router id 10.0.0.1;
             protocol device {}
             protocol static { ipv6; route 2001:db8:100::/48 blackhole; }
             protocol bgp lsys {
                 local fd00::1 as 64512; neighbor fd00:: as 65000; connect delay time 1;
                 ipv6 { import all; export where source = RTS_STATIC; };
             }",
            "v60",
            "fd00::/64 nodad",
            "v61",
            "fd00::1/64 nodad",
        );
        let (speaker, mut out) = spawned("cust");
        let (config, policies) = instance_config(
            "routing-options { autonomous-system 65000; }
             protocols { bgp { group v6 { type external; peer-as 64512; export all;
                 family inet6 { unicast; }
                 neighbor fd00::1 { local-address fd00::; } } } }
             policy-options { policy-statement all { then accept; } }",
            ROUTER_ID,
        );
        speaker.send(Command::Configure { config, policies }).await;
        speaker
            .send(Command::Local {
                routes: vec![(
                    "2001:db8:200::/48".parse().unwrap(),
                    Some(LocalRoute {
                        protocol: Protocol::Static,
                        preference: 5,
                        metric: None,
                        tag: None,
                        next_hops: vec![],
                        interfaces: vec![],
                    }),
                )],
                full: true,
            })
            .await;
        let learned = timeout(BOUND, async {
            loop {
                if let Some(Output::Routes(routes)) = out.recv().await {
                    if let Some((_, Some(s))) = routes
                        .into_iter()
                        .find(|(p, _)| p.to_string() == "2001:db8:100::/48")
                    {
                        return s;
                    }
                }
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "no IPv6 route: {}",
                bird.birdc(&["show", "protocols", "all", "lsys"])
            )
        });
        assert_eq!(
            learned.next_hops,
            vec!["fd00::1".parse::<IpAddr>().unwrap()]
        );
        let at_bird = bird
            .route("2001:db8:200::/48", "BGP.as_path: 65000", BOUND)
            .await
            .expect("BIRD learns the IPv6 subnet");
        assert!(at_bird.contains("BGP.next_hop: fd00::"), "{at_bird}");
        // show bgp summary's table line is the IPv6 table's, with IPv6's counts.
        let peers = speaker.status().await;
        let tables: Vec<(&str, u64, u64)> = peers[0]
            .tables
            .iter()
            .map(|t| (t.table.as_str(), t.received, t.advertised))
            .collect();
        assert_eq!(tables, [("cust.inet6.0", 1, 1)]);
    });
}

/// A prefix limit lowered below what an established peer already sent applies at the commit
/// (Junos does), not at the peer's next UPDATE — found by the lab (tests/lab/bgp.sh), where
/// Azure sends its two prefixes once and then only keepalives.
#[test]
fn a_lowered_prefix_limit_applies_at_commit() {
    if !bird_support::available() {
        return;
    }
    in_netns(|| async {
        let _aws = bird_support::Bird::start(
            &AWS.replace(
                "route 172.31.0.0/16 blackhole;",
                "route 172.31.0.0/16 blackhole; route 172.30.0.0/16 blackhole;",
            ),
            "aws0",
            "10.0.0.0/31",
            "aws1",
            "10.0.0.1/31",
        );
        let speaker = drained("cust");
        let group = |limit: &str| {
            instance_config(
                &format!(
                    "routing-options {{ autonomous-system 65000; }}
                     protocols {{ bgp {{ group aws {{ type external; peer-as 64512; {limit}
                         neighbor 10.0.0.1 {{ local-address 10.0.0.0; authentication-key abcdefgh; }} }} }} }}"
                ),
                ROUTER_ID,
            )
        };
        let (config, policies) = group("");
        speaker.send(Command::Configure { config, policies }).await;
        let both = until(BOUND, async || {
            speaker.status().await[0].tables[0].received == 2
        })
        .await;
        assert!(both, "AWS's two prefixes never arrived");
        let (config, policies) = group(
            "family inet { unicast { prefix-limit { maximum 1; teardown idle-timeout forever; } } }",
        );
        speaker.send(Command::Configure { config, policies }).await;
        let torn_down = until(Duration::from_secs(5), async || {
            speaker.status().await[0].status.record.last_error.is_some()
        })
        .await;
        let p = speaker.status().await.swap_remove(0);
        assert!(
            torn_down,
            "still up after the lower limit: {:?}",
            p.status.state
        );
        let e = p.status.record.last_error.expect("last error");
        assert_eq!((e.notification.code, e.notification.subcode), (6, 1));
    });
}
