#!/bin/bash
# tests/lab/routing.sh SEED_CONF TENANT_USER: routing on the real kernel.
# The seed Cloud Router (tests/lab/seed-peers.sh) plus a network behind Azure (namespace 'far',
# 10.6.0.0/24 one hop past 10.0.0.14) and a second tenant (l3) with a VRF of its own:
# ping and traceroute as the tenant in its instance, isolation between tenants in the kernel,
# static routes (next hops, floating, ECMP with and without load-balance, discard, reject) in
# the VRF table with lsys's protocol id, interface next hops (`next-hop irb.2`: a device route
# that leaves the kernel while irb.2 is down), `show route` against `show route
# forwarding-table`, a restart with zero route writes, a route deleted by hand put back, a
# foreign route left alone. Prints `figure: ...` lines and ends with ROUTING-OK.
set -euo pipefail
CONF=$(realpath -e "$1")
TENANT=$2
. "$(dirname "$(realpath "$0")")/lib.sh"
I=d87ed303-8b9d-48a5-9f08-aa42b4b50cd8
tenant_commit() { # tenant_commit STATEMENT...: one private commit of `set`/`delete` lines
    local cmds="configure private"
    for s in "$@"; do cmds+="; $s"; done
    local out
    out=$(tenant "$cmds; commit and-quit" || true)
    has "$out" "commit complete"
}
table() { ip route show table 1000 "$@"; }
until_table() { # until_table PATTERN [ip route args]: waits (≤ 10 s) until the VRF table matches
    local pat=$1; shift
    local out
    for _ in $(seq 100); do
        out=$(table "$@")
        [[ $out =~ $pat ]] && return
        sleep 0.1
    done
    fail "table 1000 never matched /$pat/: $out"
}
until_gone() { # until_gone TEXT [ip route args]: waits (≤ 10 s) until the VRF table lacks TEXT
    local text=$1; shift
    local out
    for _ in $(seq 100); do
        out=$(table "$@")
        [[ $out != *"$text"* ]] && return
        sleep 0.1
    done
    fail "table 1000 still holds '$text': $out"
}

step "topology: the seed's peers, a network one hop behind Azure, l3's circuit"
. "$(dirname "$(realpath "$0")")/seed-peers.sh"
ip netns add far
ip link add far0 netns peers type veth peer name eth0 netns far
ip -n peers addr add 10.6.0.1/24 dev far0
ip -n peers link set far0 up
ip -n far link set lo up
ip -n far addr add 10.6.0.2/24 dev eth0
ip -n far link set eth0 up
ip -n far route add default via 10.6.0.1
ip netns exec peers sysctl -qw net.ipv4.ip_forward=1
# l3's far end: VLAN 30 in the peers namespace, the same address l2 would never reach.
ip -n peers link add link eth0 name eth0.30 type vlan id 30
ip -n peers addr add 10.99.0.2/24 dev eth0.30
ip -n peers link set eth0.30 up

step "the seed configuration, a second tenant l3 with its own VRF, a foreign route"
start_lsysd
has "$(op "configure; load override $CONF; commit")" "commit complete"
out=$(lsys 2>&1 <<EOF
configure
set logical-systems l3 interfaces eth1 unit 30 encapsulation vlan-bridge
set logical-systems l3 interfaces eth1 unit 30 vlan-id 30
set logical-systems l3 bridge-domains bd30 vlan-id 30
set logical-systems l3 bridge-domains bd30 interface eth1.30
set logical-systems l3 bridge-domains bd30 routing-interface irb.30
set logical-systems l3 interfaces irb unit 30 family inet address 10.99.0.1/24
set logical-systems l3 routing-instances blue instance-type vrf
set logical-systems l3 routing-instances blue interface irb.30
set logical-systems l3 routing-instances blue route-distinguisher 65000:3
set logical-systems l3 routing-instances blue vrf-target target:65000:3
commit
EOF
)
has "$out" "commit complete"
has "$(ip -d link show irb.30)" "master vrf"
ip route add 192.0.2.0/24 via 10.0.0.1 table 1000 proto static

step "ping in the tenant's instance reaches Azure"
out=$(tenant "ping 10.0.0.14 routing-instance $I count 3")
echo "$out" | sed 's/^/  | /'
has "$out" "PING 10.0.0.14 (10.0.0.14): 56 data bytes" "64 bytes from 10.0.0.14: icmp_seq=0 ttl=64 time=" \
    "3 packets transmitted, 3 packets received, 0% packet loss" "round-trip min/avg/max/stddev = "
out=$(tenant "ping 10.0.0.1 routing-instance $I rapid count 5")
has "$out" "!!!!!" "5 packets transmitted, 5 packets received, 0% packet loss"

out=$(tenant "show interfaces irb.4")
echo "$out" | sed 's/^/  | /'
has "$out" "Logical interface irb.4 (Index " "Flags: Up" "Input packets : " "Protocol inet, MTU: " \
    "Destination: 10.0.0.0/31, Local: 10.0.0.0"
hasnt "$out" "eth1" "irb.30"
has "$(tenant "show interfaces irb.4 extensive")" "Traffic statistics:" "Input  bytes  :" "Output errors:"

step "isolation: l3's address is unreachable from l2's VRF; l3's instance is not l2's to name"
has "$(op "set cli logical-system l3; ping 10.99.0.2 routing-instance blue count 1")" "1 packets received"
out=$(tenant "ping 10.99.0.2 routing-instance $I count 2 wait 1")
echo "$out" | sed 's/^/  | /'
has "$out" "2 packets transmitted, 0 packets received, 100% packet loss"
out=$(tenant "ping 10.99.0.2 routing-instance blue count 1" || true)
has "$out" "error: routing instance blue not found"
out=$(tenant "ping 10.99.0.2 routing-instance no-such count 1" || true)
has "$out" "error: routing instance no-such not found"
out=$(tenant "ping 10.0.0.14 routing-instance $I count 5000" || true)
has "$out" "above this login class's limit of 1000"
out=$(tenant "ping 10.0.0.14 routing-instance $I interval 0.01" || true)
has "$out" "value 0.01 is not within range (0.1..10000)"

step "static routes of the tenant go into its VRF table with lsys's protocol id"
t0=$(now)
tenant_commit \
    "set routing-instances $I routing-options static route 10.6.0.0/16 next-hop 10.0.0.14" \
    "set routing-instances $I routing-options static route 172.16.0.0/16 next-hop 10.0.0.1" \
    "set routing-instances $I routing-options static route 172.16.0.0/16 qualified-next-hop 10.0.0.14 preference 7" \
    "set routing-instances $I routing-options static route 10.50.0.0/16 next-hop 10.0.0.1" \
    "set routing-instances $I routing-options static route 10.50.0.0/16 next-hop 10.0.0.14" \
    "set routing-instances $I routing-options static route 10.66.0.0/16 discard" \
    "set routing-instances $I routing-options static route 10.67.0.0/16 reject" \
    "set routing-instances $I routing-options static route 10.68.0.0/16 next-hop 10.0.0.200"
until_table "unreachable 10.67.0.0/16" proto 210
echo "figure: 5 static routes in the kernel $(secs "$t0" "$(now)") s after the commit started"
out=$(table proto 210)
echo "$out" | sed 's/^/  | /'
has "$out" "10.6.0.0/16 via 10.0.0.14 dev irb.2" "172.16.0.0/16 via 10.0.0.1 dev irb.4" \
    "blackhole 10.66.0.0/16" "unreachable 10.67.0.0/16"
hasnt "$out" "10.68.0.0" "nexthop"
[[ $(grep -c '^10.50.0.0/16 via' <<<"$out") == 1 ]] || fail "ECMP without load-balance: one next hop expected"

step "IPv6: a static in rib <instance>.inet6.0 goes into the same VRF table"
tenant_commit "set routing-instances $I routing-options rib $I.inet6.0 static route 2001:db8:66::/48 discard"
for _ in $(seq 100); do [[ $(ip -6 route show table 1000 proto 210) == *2001:db8:66::/48* ]] && break; sleep 0.1; done
has "$(ip -6 route show table 1000 proto 210)" "blackhole 2001:db8:66::/48"
has "$(tenant "show route table $I.inet6.0")" "2001:db8:66::/48   *[Static/5]" "Discard"

step "show route as the tenant, against the forwarding table"
out=$(tenant "show route")
echo "$out" | sed 's/^/  | /'
has "$out" "$I.inet.0: " "10.0.0.0/31        *[Direct/0] " "10.0.0.13/32       *[Local/0] " \
    "10.6.0.0/16        *[Static/5] " "> to 10.0.0.14 via irb.2" "[Static/7] " "Discard" "Reject"
hasnt "$out" "10.68.0.0" "10.99." "irb.30" "blue"
hidden=$(tenant "show route hidden")
has "$hidden" "10.68.0.0/16"
fwd=$(tenant "show route forwarding-table table $I")
for p in 10.6.0.0/16 172.16.0.0/16 10.50.0.0/16 10.66.0.0/16 10.67.0.0/16; do
    has "$fwd" "$p "
done
has "$(tenant "show route 10.6.1.1")" "10.6.0.0/16        *[Static/5]"
has "$(tenant "show route 10.6.0.0/16 exact")" "10.6.0.0/16"
has "$(tenant "show route protocol static | count")" "Count:"
has "$(tenant "show route summary")" "Static:" "Direct:"
tenant "show route | display json" | python3 -c 'import json,sys; json.load(sys.stdin)' || fail "show route json"
has "$(tenant "show route table blue" || true)" "routing table blue not found"

step "ping and traceroute through a static route: two hops"
out=$(tenant "ping 10.6.0.2 routing-instance $I count 2")
has "$out" "2 packets transmitted, 2 packets received, 0% packet loss"
out=$(tenant "traceroute 10.6.0.2 routing-instance $I wait 2")
echo "$out" | sed 's/^/  | /'
has "$out" "traceroute to 10.6.0.2 (10.6.0.2), 30 hops max" " 1  10.0.0.14" " 2  10.6.0.2"

out=$(tenant "ping 10.6.0.2 routing-instance $I count 1 ttl 1 wait 2")
echo "$out" | sed 's/^/  | /'
has "$out" "from 10.0.0.14: Time to live exceeded" "1 packets transmitted, 0 packets received, 100% packet loss"
out=$(tenant "ping 10.0.0.14 routing-instance $I count 2 rapid")
has "$out" "!!" "2 packets transmitted, 2 packets received, 0% packet loss"

step "floating static: 172.16/16 moves to Azure when AWS's link goes down, and back"
ip link set eth1.4 down
t0=$(now)
until_table "172.16.0.0/16 via 10.0.0.14 dev irb.2" proto 210
echo "figure: floating static took over $(secs "$t0" "$(now)") s after the AWS link went down"
has "$(tenant "show route 172.16.0.0/16 exact")" "*[Static/7]"
ip link set eth1.4 up
t0=$(now)
until_table "172.16.0.0/16 via 10.0.0.1 dev irb.4" proto 210
echo "figure: preferred static back $(secs "$t0" "$(now)") s after the AWS link came up"

step "interface next hop: a static out of irb.2 is a device route; it follows irb.2 down and up"
# Azure's end also answers for 10.77.0.1: reachable on the link, through no gateway.
ip -n peers addr add 10.77.0.1/16 dev eth0.1000.100
t0=$(now)
tenant_commit "set routing-instances $I routing-options static route 10.77.0.0/16 next-hop irb.2" \
    "set routing-instances $I routing-options rib $I.inet6.0 static route 2001:db8:77::/48 next-hop irb.2"
until_table "10.77.0.0/16 dev irb.2 scope link" proto 210
echo "figure: interface route in the kernel $(secs "$t0" "$(now)") s after the commit started"
out=$(table proto 210)
echo "$out" | sed 's/^/  | /'
has "$out" "10.77.0.0/16 dev irb.2 scope link"
hasnt "$out" "10.77.0.0/16 via"
# Unfiltered, iproute2 prints the protocol too.
out=$(table)
echo "$out" | sed 's/^/  | /'
has "$out" "10.77.0.0/16 dev irb.2 proto 210 scope link"
for _ in $(seq 100); do [[ $(ip -6 route show table 1000 proto 210) == *2001:db8:77::/48* ]] && break; sleep 0.1; done
out=$(ip -6 route show table 1000 proto 210)
echo "$out" | sed 's/^/  | /'
has "$out" "2001:db8:77::/48 dev irb.2 metric 1024"
out=$(ip route get 10.77.0.1 vrf vrf1000)
echo "$out" | sed 's/^/  | /'
has "$out" "10.77.0.1 dev irb.2 table 1000 src 10.0.0.13"
out=$(tenant "ping 10.77.0.1 routing-instance $I count 2")
has "$out" "2 packets transmitted, 2 packets received, 0% packet loss"
out=$(tenant "show route 10.77.0.0/16 exact")
echo "$out" | sed 's/^/  | /'
has "$out" "10.77.0.0/16       *[Static/5] " "> via irb.2"
has "$(tenant "show route 10.77.0.0/16 exact extensive")" "Next hop type: Interface" "Next hop: via irb.2, selected"
has "$(tenant "show route 10.77.0.0/16 exact | display json")" '"via": "irb.2"'
ip link set eth1.2 down
t0=$(now)
until_gone "10.77.0.0/16" proto 210
echo "figure: interface route left the kernel $(secs "$t0" "$(now)") s after irb.2 went down"
for _ in $(seq 100); do [[ $(ip -6 route show table 1000 proto 210) != *2001:db8:77::/48* ]] && break; sleep 0.1; done
hasnt "$(ip -6 route show table 1000 proto 210)" "2001:db8:77::/48"
has "$(table proto 210)" "172.16.0.0/16 via 10.0.0.1 dev irb.4"
out=$(tenant "show route hidden extensive")
has "$out" "10.77.0.0/16 (1 entry, 0 announced)" "Next hop: via irb.2 (unresolved)"
ip link set eth1.2 up
t0=$(now)
until_table "10.77.0.0/16 dev irb.2 scope link" proto 210
echo "figure: interface route back $(secs "$t0" "$(now)") s after irb.2 came up"
until_table "10.6.0.0/16 via 10.0.0.14 dev irb.2" proto 210
has "$(tenant "ping 10.77.0.1 routing-instance $I count 1")" "1 packets received"

step "ECMP: both next hops only with a load-balance per-packet export"
tenant_commit "set policy-options policy-statement lb then load-balance per-packet" \
    "set routing-instances $I routing-options forwarding-table export lb"
until_table "nexthop via 10.0.0.1 dev irb.4" 10.50.0.0/16
has "$(table 10.50.0.0/16)" "nexthop via 10.0.0.14 dev irb.2"
tenant_commit "set routing-instances $I routing-options static route 10.79.0.0/16 next-hop 10.0.0.1" \
    "set routing-instances $I routing-options static route 10.79.0.0/16 next-hop irb.2"
until_table "nexthop via 10.0.0.1 dev irb.4" 10.79.0.0/16
out=$(table 10.79.0.0/16)
echo "$out" | sed 's/^/  | /'
has "$out" "nexthop dev irb.2"

step "a route deleted by hand is put back; a foreign route is left alone"
ip route del 10.66.0.0/16 table 1000
t0=$(now)
until_table "blackhole 10.66.0.0/16" proto 210
echo "figure: hand-deleted route back after $(secs "$t0" "$(now)") s"
has "$(table)" "192.0.2.0/24 via 10.0.0.1 dev irb.4 proto static"

step "restart on a converged kernel: zero route writes; foreign route still there"
before=$(ip route show table all)
stop_lsysd
start_lsysd
line=""
for _ in $(seq 100); do line=$(grep "routes reconciled" "/tmp/lsysd$LOGN.log" || true); [[ -n $line ]] && break; sleep 0.1; done
echo "  | $line"
[[ $line == *" 0 route writes"* ]] || fail "restart wrote routes: $line"
[[ $before == "$(ip route show table all)" ]] || fail "routes changed across a restart: $(diff <(echo "$before") <(ip route show table all))"
has "$(table)" "192.0.2.0/24 via 10.0.0.1 dev irb.4 proto static"

step "a route removed from the configuration leaves the kernel; the foreign one stays"
tenant_commit "delete routing-instances $I routing-options static route 10.66.0.0/16"
for _ in $(seq 100); do [[ $(table) != *10.66.0.0* ]] && break; sleep 0.1; done
hasnt "$(table)" "10.66.0.0"
has "$(table)" "192.0.2.0/24 via 10.0.0.1 dev irb.4 proto static"

step "restart after lsys routes went stale while lsysd was down: removed; the foreign one stays"
stop_lsysd
ip route add 10.123.0.0/16 via 10.0.0.1 table 1000 proto 210
ip route add 10.124.0.0/16 via 10.0.0.1 table 1000 proto static
start_lsysd
for _ in $(seq 100); do grep -q "routes reconciled" "/tmp/lsysd$LOGN.log" && break; sleep 0.1; done
line=$(grep "routes reconciled" "/tmp/lsysd$LOGN.log" || true)
echo "  | $line"
hasnt "$(table)" "10.123.0.0"
has "$(table)" "10.124.0.0/16 via 10.0.0.1 dev irb.4 proto static" "192.0.2.0/24 via 10.0.0.1 dev irb.4 proto static"

stop_lsysd
echo ROUTING-OK
