#!/usr/bin/env bash
# tests/lab/bgp.sh SEED_CONF TENANT_USER: the seed Cloud Router end to end on a real VRF kernel.
# lsysd commits the seed; BIRD 2 plays AWS (AS 64512, VLAN 4, 10.0.0.1/31, MD5, announces
# 172.31.0.0/16) and FRR plays Azure (AS 12076, QinQ 1000/100, 10.0.0.14/30, MD5, announces
# 10.6.0.0/16 and 10.7.0.0/16), each in a namespace of its own on the seed's wire (seed-bgp.sh).
# Demonstrated, once both sessions are up:
# - the tenant's show bgp summary / show route / show interfaces terse against the goldens in
#   tests/lab/golden/seed-*.out, packet counters and ages masked (`golden` below: the masked text
#   is printed between `golden: NAME begin|end` lines, diffed here, and written by the Rust test
#   under LSYS_BLESS=1); lsysd's resident memory;
# - the tenant's show arp (both clouds' routers with their MACs);
# - the routes in the VRF table (proto 211), each cloud learning the other's prefixes with
#   next-hop self, traffic from the AWS VPC to the Azure VNet through the VRF, a static route
#   winning over BGP, and BGP winning back with an import policy's `then preference 3` and then
#   the group's `preference 4`;
# - an import policy on the Azure group that rejects 10.7.0.0/16: gone from show route and the
#   kernel, neither session reset (flap counts before/after printed), back once removed;
# - prefix-limit maximum 1 teardown on Azure (2 prefixes): Cease / Maximum Number of Prefixes
#   Reached in show bgp neighbor, the routes leave the kernel; the limit raised, Azure back;
# - a wrong MD5 key keeps AWS down and show bgp neighbor says the peer may use a different key;
# - AWS's BIRD killed: the session goes down and 172.31.0.0/16 leaves the VRF; BIRD restarted:
#   the session comes back;
# - a restart of lsysd: the kernel keeps the BGP routes while the sessions come back.
# Prints `figure:` lines and ends with BGP-OK.
set -euo pipefail
LAB=$(cd "$(dirname "$0")" && pwd)
. "$LAB/lib.sh"
CONF=$1
TENANT=$2
. "$LAB/seed-bgp.sh"

tenant_commit() { # tenant_commit STATEMENT...: one private commit of `set`/`delete` lines
    local cmds="configure private" s
    for s in "$@"; do cmds+="; $s"; done
    has "$(tenant "$cmds; commit and-quit")" "commit complete"
}
# Masks: InPkt, OutPkt and Last Up/Dwn of `show bgp summary` peer lines become placeholders
# in their own columns, and only where each field sits right-aligned in its column (a line
# out of alignment stays as it is and fails the diff); route ages in `show route`.
mask_summary() {
    awk '$0 ~ /^[0-9a-f.:]+ +[0-9]+ / {
        inp = substr($0, 28, 11); outp = substr($0, 39, 11); age = substr($0, 66, 13)
        if (inp ~ /^ +[0-9]+$/ && outp ~ /^ +[0-9]+$/ && age ~ /^ +[0-9]([0-9wd: ]*[0-9])? $/)
            $0 = substr($0, 1, 27) sprintf(" %10s %10s", "<pkts>", "<pkts>") substr($0, 50, 16) \
                sprintf(" %11s ", "<age>") substr($0, 79)
    } { print }'
}
mask_route() {
    sed -E 's/\] ([0-9]+w[0-9]+d |[0-9]+d )?[0-9]{2}:[0-9]{2}:[0-9]{2}/] <age>/;'
}
golden() { # golden NAME: stdin (masked) against tests/lab/golden/NAME, diff -u on mismatch
    local text
    text=$(cat)
    printf 'golden: %s begin\n%s\ngolden: %s end\n' "$1" "$text" "$1"
    [[ ${LSYS_BLESS:-0} == 1 ]] && return
    [[ -f $LAB/golden/$1 ]] || fail "no tests/lab/golden/$1: bless with" \
        "LSYS_BLESS=1 cargo test -p lsys-tests --test dataplane_lab the_seed_cloud_router"
    printf '%s\n' "$text" >"$W/$1" # (no /dev/fd in the lab for a process substitution)
    diff -u "$LAB/golden/$1" "$W/$1" ||
        fail "$1 differs from tests/lab/golden/$1 (diff above; re-bless with LSYS_BLESS=1)"
}

step "the tenant's show bgp summary, show route and show interfaces terse against the goldens"
# The kernel's IPv6 link-local addresses on the irbs are no routes (the tenant has no inet6).
out=$(wait_for 20 "tenant 'show route'" "$INSTANCE.inet.0: 7 destinations, 7 routes") || fail "$out"
hasnt "$out" "inet6.0" "fe80::"
tenant 'show bgp summary' | mask_summary | golden seed-bgp-summary.out
tenant 'show route' | mask_route | golden seed-route.out
tenant 'show interfaces terse' | golden seed-interfaces-terse.out
echo "figure: lsysd resident memory with both sessions up: $(awk '/^VmRSS:/ { print $2 }' "/proc/$LSYSD/status") kB"

step "the tenant's show route and show bgp neighbor: BGP routes with AS path and next hop"
out=$(tenant 'show route')
has "$out" "10.6.0.0/16        *[BGP/170]" "AS path: 12076 I" "> to 10.0.0.14 via irb.2" \
    "172.31.0.0/16      *[BGP/170]" "AS path: 64512 I" "> to 10.0.0.1 via irb.4"
has "$(tenant 'show bgp neighbor 10.0.0.14')" "Peer: 10.0.0.14+" "AS 12076 Local: 10.0.0.13+" "State: Established" \
    "Active prefixes:              2"

step "the tenant's show arp: both clouds' routers, with the MACs of their interfaces"
mac_of() { ip -n "$1" -o link show "$2" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }
out=$(tenant 'show arp no-resolve')
echo "$out" | sed 's/^/  | /'
has "$out" "MAC Address       Address         Interface                Flags" \
    "$(mac_of aws eth0.4) 10.0.0.1        irb.4                    none" \
    "$(mac_of azure eth0.1000.100) 10.0.0.14       irb.2                    none" "Total entries: 2"
has "$(tenant 'show arp interface irb.2')" "10.0.0.14       10.0.0.14                 irb.2 "

step "the VRF table holds the BGP routes (protocol 211)"
out=$(wait_for 10 "ip route show table $TABLE proto 211" "10.6.0.0/16 via 10.0.0.14 dev irb.2") || fail "kernel: $out"
has "$out" "10.7.0.0/16 via 10.0.0.14 dev irb.2" "172.31.0.0/16 via 10.0.0.1 dev irb.4"

step "each cloud learns the other's prefixes, next hop the Cloud Router"
out=$(wait_for 20 "birdc_aws show route for 10.6.0.0/16 all" "BGP.as_path: 65000 12076") || fail "AWS: $out"
has "$out" "BGP.next_hop: 10.0.0.0"
out=$(wait_for 20 "vtysh_azure 'show bgp ipv4 unicast 172.31.0.0/16'" "65000 64512") || fail "Azure: $out"
has "$out" "10.0.0.13"

step "traffic from the AWS VPC to the Azure VNet crosses the tenant's VRF"
out=$(wait_for 10 "ip netns exec aws ip route show 10.6.0.0/16" "via 10.0.0.0") || fail "BIRD did not install: $out"
ip netns exec aws "${PING[@]}" -c 3 -W 2 -I 172.31.0.1 10.6.0.1 | sed 's/^/  | /' || fail "no transit"

step "a static route wins over BGP for the same prefix (preference 5 against 170); import preference 3 and group preference 4 win over it"
tenant_commit "set routing-instances $INSTANCE routing-options static route 10.7.0.0/16 discard"
out=$(wait_for 10 "tenant 'show route 10.7.0.0/16 exact'" "*[Static/5]") || fail "$out"
has "$out" "[BGP/170]"
out=$(wait_for 10 "ip route show table $TABLE 10.7.0.0/16" "blackhole") || fail "kernel: $out"
# Junos exports active routes: the BGP path the static beat is no longer advertised to AWS.
out=$(wait_gone 20 "birdc_aws show route for 10.7.0.0/16 all" "BGP.as_path: 65000 12076") ||
    fail "AWS keeps 10.7.0.0/16 while a static is active: $out"
# An import policy's `then preference 3` puts Azure's path ahead of the static's 5 (the
# preference is compared first), then the group's `preference 4` does, for all its paths.
az_flaps=$(peer_col "$(tenant 'show bgp summary')" 10.0.0.14 6)
tenant_commit "set policy-options policy-statement pref3 term t from route-filter 10.7.0.0/16 exact" \
    "set policy-options policy-statement pref3 term t then preference 3" \
    "set routing-instances $INSTANCE protocols bgp group azure import pref3"
out=$(wait_for 10 "tenant 'show route 10.7.0.0/16 exact'" "*[BGP/3]") || fail "$out"
has "$out" " [Static/5]"
has "$(tenant 'show route 10.6.0.0/16 exact')" "*[BGP/170]"
out=$(wait_for 10 "ip route show table $TABLE 10.7.0.0/16" "via 10.0.0.14") || fail "kernel: $out"
tenant_commit "delete routing-instances $INSTANCE protocols bgp group azure import" \
    "delete policy-options policy-statement pref3" \
    "set routing-instances $INSTANCE protocols bgp group azure preference 4"
out=$(wait_for 10 "tenant 'show route 10.6.0.0/16 exact'" "*[BGP/4]") || fail "$out"
has "$(tenant 'show route 10.7.0.0/16 exact')" "*[BGP/4]" " [Static/5]"
has "$(tenant 'show bgp neighbor 10.0.0.14')" "Preference: 4 "
tenant_commit "delete routing-instances $INSTANCE protocols bgp group azure preference"
out=$(wait_for 10 "tenant 'show route 10.7.0.0/16 exact'" "*[Static/5]") || fail "static not back: $out"
out=$(wait_for 10 "ip route show table $TABLE 10.7.0.0/16" "blackhole") || fail "kernel: $out"
[[ $(peer_col "$(tenant 'show bgp summary')" 10.0.0.14 6) == "$az_flaps" ]] ||
    fail "the preference edits reset Azure's session"
tenant_commit "delete routing-instances $INSTANCE routing-options static route 10.7.0.0/16"
wait_for 10 "ip route show table $TABLE proto 211" "10.7.0.0/16 via 10.0.0.14" >/dev/null || fail "BGP route not back"
wait_for 20 "birdc_aws show route for 10.7.0.0/16 all" "BGP.as_path: 65000 12076" >/dev/null ||
    fail "AWS did not get 10.7.0.0/16 back"

step "advertised subnets: a static goes to AWS through an export policy (from protocol static), not to Azure"
t0=$(now)
tenant_commit "set routing-instances $INSTANCE routing-options static route 192.168.50.0/24 discard" \
    "set policy-options policy-statement subnets term s from protocol static" \
    "set policy-options policy-statement subnets term s from route-filter 192.168.50.0/24 exact" \
    "set policy-options policy-statement subnets term s then accept" \
    "set routing-instances $INSTANCE protocols bgp group aws export subnets"
out=$(wait_for 20 "birdc_aws show route for 192.168.50.0/24 all" "BGP.as_path: 65000") ||
    fail "AWS did not learn the advertised subnet: $out"
has "$out" "BGP.next_hop: 10.0.0.0" "BGP.origin: IGP"
echo "figure: the advertised subnet at AWS $(secs "$t0" "$(now)") s after the commit started"
# AWS still gets Azure's VNet (the chain ends in the default: BGP routes accepted).
has "$(birdc_aws show route for 10.6.0.0/16 all)" "BGP.as_path: 65000 12076"
hasnt "$(vtysh_azure 'show bgp ipv4 unicast 192.168.50.0/24')" "65000"
out=$(tenant "show route advertising-protocol bgp 10.0.0.1")
echo "$out" | sed 's/^/  | /'
has "$out" "  Prefix                  Nexthop              MED     Lclpref    AS path" \
    "* 192.168.50.0/24         Self                                    I" \
    "* 10.6.0.0/16             Self                                    12076 I"
out=$(tenant "show route receive-protocol bgp 10.0.0.14")
echo "$out" | sed 's/^/  | /'
has "$out" "* 10.6.0.0/16             10.0.0.14            0                  12076 I"
out=$(tenant "show bgp group")
echo "$out" | sed 's/^/  | /'
has "$out" "Name: aws" "Name: azure" "Export: [ subnets ]" "Groups: 2  Peers: 2"
has "$(tenant 'show bgp summary | display json')" '"bgp-information"' '"peer-address"' '"10.0.0.14"'
tenant_commit "delete routing-instances $INSTANCE protocols bgp group aws export" \
    "delete policy-options" "delete routing-instances $INSTANCE routing-options static route 192.168.50.0/24"
out=$(wait_gone 20 "birdc_aws show route for 192.168.50.0/24" "192.168.50.0/24") || fail "AWS kept the subnet: $out"

step "an import policy on the Azure group rejects 10.7.0.0/16; neither session is reset"
out=$(tenant 'show bgp summary')
aws0=$(peer_col "$out" 10.0.0.1 6) az0=$(peer_col "$out" 10.0.0.14 6)
t0=$(now)
tenant_commit "set policy-options prefix-list vnet2 10.7.0.0/16" \
    "set policy-options policy-statement no-vnet2 term drop from prefix-list vnet2" \
    "set policy-options policy-statement no-vnet2 term drop then reject" \
    "set routing-instances $INSTANCE protocols bgp group azure import no-vnet2"
out=$(wait_gone 20 "ip route show table $TABLE" "10.7.0.0/16") || fail "10.7.0.0/16 still in the kernel: $out"
echo "figure: 10.7.0.0/16 out of the kernel $(secs "$t0" "$(now)") s after the policy commit started"
has "$out" "10.6.0.0/16 via 10.0.0.14" "172.31.0.0/16 via 10.0.0.1"
out=$(tenant 'show route')
has "$out" "10.6.0.0/16        *[BGP/170]" "172.31.0.0/16      *[BGP/170]"
hasnt "$out" "10.7.0.0/16"
out=$(tenant 'show bgp summary')
echo "$out" | mask_summary | sed 's/^/  | /'
has "$out" "Down peers: 0" "$INSTANCE.inet.0: 1/2/1/0"
aws1=$(peer_col "$out" 10.0.0.1 6) az1=$(peer_col "$out" 10.0.0.14 6)
echo "figure: flaps before/after policy edit: aws $aws0/$aws1 azure $az0/$az1"
[[ $aws0 == "$aws1" && $az0 == "$az1" ]] || fail "a session was reset by the policy edit"
tenant_commit "delete routing-instances $INSTANCE protocols bgp group azure import" "delete policy-options"
out=$(wait_for 20 "ip route show table $TABLE proto 211" "10.7.0.0/16 via 10.0.0.14") || fail "10.7 not back: $out"
has "$(tenant 'show route')" "10.7.0.0/16        *[BGP/170]"
out=$(tenant 'show bgp summary')
has "$out" "$INSTANCE.inet.0: 2/2/2/0"
[[ $(peer_col "$out" 10.0.0.1 6) == "$aws0" && $(peer_col "$out" 10.0.0.14 6) == "$az0" ]] ||
    fail "a session was reset by removing the policy: $out"

step "prefix-limit maximum 1 teardown: Azure's 2 prefixes end its session; raised, Azure is back"
tenant_commit "set routing-instances $INSTANCE protocols bgp group azure family inet unicast prefix-limit maximum 1 teardown"
# As in Junos, a lowered limit applies at commit to what the peer already sent.
out=$(wait_for 10 "tenant 'show bgp neighbor 10.0.0.14'" "Maximum Number of Prefixes Reached") ||
    fail "no prefix-limit error at commit: $out"
echo "$out" | sed 's/^/  | /'
has "$out" "Last Error: Cease" "Error: 'Cease' Sent: " "Last error sent: Maximum Number of Prefixes Reached"
# Without idle-timeout lsys restarts the session after its backoff (1 s, doubling), and Azure's
# 2 prefixes end it again: it is down most of the time.
out=$(wait_for 20 "tenant 'show bgp summary'" "Down peers: 1") || fail "Azure not down: $out"
out=$(wait_gone 10 "ip route show table $TABLE" "10.6.0.0/16") || fail "Azure's routes stayed: $out"
hasnt "$out" "10.7.0.0/16"
has "$out" "172.31.0.0/16 via 10.0.0.1"
t0=$(now)
tenant_commit "set routing-instances $INSTANCE protocols bgp group azure family inet unicast prefix-limit maximum 10"
how="by itself"
if ! wait_for 20 "tenant 'show bgp summary'" "Down peers: 0" >/dev/null; then
    how="after clear bgp neighbor"
    tenant 'clear bgp neighbor 10.0.0.14' | sed 's/^/  | /'
fi
out=$(wait_for 30 "tenant 'show bgp summary'" "$INSTANCE.inet.0: 2/2/2/0") || fail "Azure not back: $out"
has "$out" "Down peers: 0"
wait_for 10 "ip route show table $TABLE proto 211" "10.7.0.0/16 via 10.0.0.14" >/dev/null || fail "routes not back"
echo "figure: Azure back $(secs "$t0" "$(now)") s after the limit was raised ($how)"

step "a wrong MD5 key: the AWS session goes down and stays down, saying why; the right key brings it back"
has "$(op "configure; set logical-systems l2 routing-instances $INSTANCE protocols bgp group aws neighbor 10.0.0.1 authentication-key wrongkey; commit")" "commit complete"
out=$(wait_for 30 "tenant 'show bgp summary'" "Down peers: 1") || fail "AWS stayed up with a wrong key: $out"
out=$(wait_for 30 "tenant 'show bgp neighbor 10.0.0.1'" "may use a different authentication key") ||
    fail "show bgp neighbor does not say why: $out"
{ grep -i "error" <<<"$out" || true; } | sed "s/^/  | /"
has "$(tenant 'show bgp summary')" "Down peers: 1"
out=$(wait_for 10 "ip route show table $TABLE proto 211" "10.6.0.0") && hasnt "$out" "172.31.0.0/16"
t0=$(now)
has "$(op "configure; rollback 1; commit")" "commit complete"
wait_for 60 "tenant 'show bgp summary'" "Down peers: 0" >/dev/null || fail "AWS did not come back"
echo "figure: AWS back $(secs "$t0" "$(now)") s after the right key was committed"

step "AWS's BIRD killed: the session goes down and its route leaves the VRF; restarted, it is back"
wait_for 30 "tenant 'show bgp summary'" "$INSTANCE.inet.0: 1/1/1/0" >/dev/null || fail "AWS has no route"
kill -9 "$(cat "$W/aws.pid")"
out=$(wait_for 30 "tenant 'show bgp summary'" "Down peers: 1") || fail "AWS still up without BIRD: $out"
out=$(wait_gone 10 "ip route show table $TABLE" "172.31.0.0/16") || fail "172.31.0.0/16 stayed: $out"
has "$out" "10.6.0.0/16 via 10.0.0.14"
rm -f "$W/aws.ctl" "$W/aws.pid"
t0=$(now)
start_aws
out=$(wait_for 60 "tenant 'show bgp summary'" "$INSTANCE.inet.0: 1/1/1/0") || fail "AWS not back: $out"
has "$out" "Down peers: 0"
echo "figure: AWS back $(secs "$t0" "$(now)") s after BIRD restarted"
wait_for 10 "ip route show table $TABLE proto 211" "172.31.0.0/16 via 10.0.0.1" >/dev/null || fail "172.31 not back"

step "restart: the kernel keeps the BGP routes while the sessions come back"
stop_lsysd
has "$(ip route show table $TABLE proto 211)" "172.31.0.0/16 via 10.0.0.1"
t0=$(now)
start_lsysd
wait_for 60 "tenant 'show bgp summary'" "$INSTANCE.inet.0: 2/2/2/0" >/dev/null || fail "no session after restart"
echo "figure: sessions back $(secs "$t0" "$(now)") s after lsysd started"
has "$(ip route show table $TABLE proto 211)" "172.31.0.0/16 via 10.0.0.1" "10.6.0.0/16 via 10.0.0.14"
stop_lsysd
echo "BGP-OK"
