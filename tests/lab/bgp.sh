#!/usr/bin/env bash
# tests/lab/bgp.sh SEED_CONF TENANT_USER: the seed Cloud Router end to end on a real VRF kernel.
# lsysd commits the seed; BIRD 2 plays AWS (AS 64512, VLAN 4, 10.0.0.1/31, MD5, announces
# 172.31.0.0/16) and FRR plays Azure (AS 12076, QinQ 1000/100, 10.0.0.14/30, MD5, announces
# 10.6.0.0/16 and 10.7.0.0/16), each in a namespace of its own on the seed's wire. The tenant's
# show bgp summary / show route, the routes in the VRF table (proto 211), each cloud learning the
# other's prefixes with next-hop self, traffic from the AWS VPC to the Azure VNet through the
# VRF, a wrong MD5 key, a static route winning over BGP, and a restart. Prints `figure:` lines
# and ends with BGP-OK.
set -euo pipefail
LAB=$(cd "$(dirname "$0")" && pwd)
. "$LAB/lib.sh"
CONF=$1
TENANT=$2
INSTANCE=d87ed303-8b9d-48a5-9f08-aa42b4b50cd8
W=/tmp/bgp-lab
rm -rf "$W" "$ST"
mkdir -p "$W/frr"

wait_for() { # wait_for SECONDS COMMAND PATTERN: until COMMAND's output holds PATTERN; prints it
    local until=$((SECONDS + $1)) out
    while :; do
        out=$(eval "$2" 2>&1 || true)
        [[ $out == *"$3"* ]] && { printf '%s\n' "$out"; return 0; }
        ((SECONDS < until)) || { printf '%s\n' "$out"; return 1; }
        sleep 0.2
    done
}
birdc_aws() { birdc -s "$W/aws.ctl" "$@"; }
vtysh_azure() { vtysh --vty_socket "$W/frr" -c "$1"; }

step "topology: the seed's wire; AWS (BIRD) and Azure (FRR) in namespaces of their own"
. "$LAB/seed-peers.sh"
for ns in aws azure; do ip netns add $ns; ip -n $ns link set lo up; done
ip -n peers link set eth0.4 netns aws
ip -n aws addr add 10.0.0.1/31 dev eth0.4
ip -n aws link set eth0.4 up
ip -n aws addr add 172.31.0.1/32 dev lo
ip -n peers link set eth0.1000.100 netns azure
ip -n azure addr add 10.0.0.14/30 dev eth0.1000.100
ip -n azure link set eth0.1000.100 up
ip -n azure addr add 10.6.0.1/32 dev lo
# FRR runs without zebra here: its way back to AWS is put in by hand.
ip -n azure route add 172.31.0.0/16 via 10.0.0.13
cat >"$W/aws.conf" <<EOF
router id 10.0.0.1;
protocol device {}
protocol static { ipv4; route 172.31.0.0/16 blackhole; }
protocol kernel { ipv4 { import none; export where source = RTS_BGP; }; }
protocol bgp cloudrouter {
    local 10.0.0.1 as 64512; neighbor 10.0.0.0 as 65000;
    password "abcdefgh"; connect delay time 1; connect retry time 2; error wait time 1, 4;
    ipv4 { import all; export where source = RTS_STATIC; };
}
EOF
cat >"$W/frr/bgpd.conf" <<EOF
frr defaults traditional
hostname azure
ip prefix-list vnet seq 5 permit 10.6.0.0/16
ip prefix-list vnet seq 10 permit 10.7.0.0/16
router bgp 12076
 bgp router-id 10.0.0.14
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.0.13 remote-as 65000
 neighbor 10.0.0.13 password abcdefg
 neighbor 10.0.0.13 timers connect 2
 address-family ipv4 unicast
  network 10.6.0.0/16
  network 10.7.0.0/16
  neighbor 10.0.0.13 prefix-list vnet out
 exit-address-family
EOF
ip netns exec aws bird -c "$W/aws.conf" -s "$W/aws.ctl"
ip netns exec azure /usr/lib/frr/bgpd -d -Z -S -n -f "$W/frr/bgpd.conf" -i "$W/frr/bgpd.pid" \
    --vty_socket "$W/frr" --log "file:$W/frr/bgpd.log"
cleanup() {
    kill "$(cat "$W/frr/bgpd.pid" 2>/dev/null)" 2>/dev/null || true
    birdc_aws down >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "lsysd commits the seed; both sessions come up (MD5, inside the tenant's VRF)"
start_lsysd
t0=$(now)
has "$(op "configure; load override $CONF; commit")" "commit complete"
out=$(wait_for 60 "tenant 'show bgp summary'" "10.0.0.14             12076") || fail "no Azure peer: $out"
out=$(wait_for 60 "tenant 'show bgp summary'" "$INSTANCE.inet.0: 2/2/2/0") || {
    birdc_aws show protocols all cloudrouter || true
    vtysh_azure "show bgp summary" || true
    fail "sessions not up: $out"
}
wait_for 30 "tenant 'show bgp summary'" "$INSTANCE.inet.0: 1/1/1/0" >/dev/null || fail "AWS not up"
echo "figure: both sessions Established and routes received $(secs "$t0" "$(now)") s after the commit started"
out=$(tenant 'show bgp summary')
echo "$out" | sed 's/^/  | /'
has "$out" "Groups: 2 Peers: 2 Down peers: 0" "10.0.0.1              64512" "Establ"

step "the tenant's show route: BGP routes with AS path and next hop"
out=$(tenant 'show route')
echo "$out" | sed 's/^/  | /'
has "$out" "10.6.0.0/16        *[BGP/170]" "AS path: 12076 I" "> to 10.0.0.14 via irb.2" \
    "172.31.0.0/16      *[BGP/170]" "AS path: 64512 I" "> to 10.0.0.1 via irb.4"
has "$(tenant 'show bgp neighbor 10.0.0.14')" "Peer: 10.0.0.14+" "AS 12076 Local: 10.0.0.13+" "State: Established" \
    "Active prefixes:              2"

step "the VRF table holds the BGP routes (protocol 211)"
table=1000
has "$(ip -d link show vrf1000)" "vrf table $table"
out=$(wait_for 10 "ip route show table $table proto 211" "10.6.0.0/16 via 10.0.0.14 dev irb.2") || fail "kernel: $out"
has "$out" "10.7.0.0/16 via 10.0.0.14 dev irb.2" "172.31.0.0/16 via 10.0.0.1 dev irb.4"

step "each cloud learns the other's prefixes, next hop the Cloud Router"
out=$(wait_for 20 "birdc_aws show route for 10.6.0.0/16 all" "BGP.as_path: 65000 12076") || fail "AWS: $out"
has "$out" "BGP.next_hop: 10.0.0.0"
out=$(wait_for 20 "vtysh_azure 'show bgp ipv4 unicast 172.31.0.0/16'" "65000 64512") || fail "Azure: $out"
has "$out" "10.0.0.13"

step "traffic from the AWS VPC to the Azure VNet crosses the tenant's VRF"
out=$(wait_for 10 "ip netns exec aws ip route show 10.6.0.0/16" "via 10.0.0.0") || fail "BIRD did not install: $out"
ip netns exec aws "${PING[@]}" -c 3 -W 2 -I 172.31.0.1 10.6.0.1 | sed 's/^/  | /' || fail "no transit"

step "a static route wins over BGP for the same prefix (preference 5 against 170)"
has "$(tenant "configure private; set routing-instances $INSTANCE routing-options static route 10.7.0.0/16 discard; commit and-quit")" "commit complete"
out=$(wait_for 10 "tenant 'show route 10.7.0.0/16 exact'" "*[Static/5]") || fail "$out"
has "$out" "[BGP/170]"
out=$(wait_for 10 "ip route show table $table 10.7.0.0/16" "blackhole") || fail "kernel: $out"
has "$(tenant "configure private; delete routing-instances $INSTANCE routing-options static route 10.7.0.0/16; commit and-quit")" "commit complete"
wait_for 10 "ip route show table $table proto 211" "10.7.0.0/16 via 10.0.0.14" >/dev/null || fail "BGP route not back"

step "a wrong MD5 key: the AWS session goes down and stays down; the right one brings it back"
has "$(op "configure; set logical-systems l2 routing-instances $INSTANCE protocols bgp group aws neighbor 10.0.0.1 authentication-key wrongkey; commit")" "commit complete"
out=$(wait_for 30 "tenant 'show bgp summary'" "Down peers: 1") || fail "AWS stayed up with a wrong key: $out"
sleep 5
has "$(tenant 'show bgp summary')" "Down peers: 1"
out=$(wait_for 10 "ip route show table $table proto 211" "10.6.0.0") && hasnt "$out" "172.31.0.0/16"
t0=$(now)
has "$(op "configure; rollback 1; commit")" "commit complete"
wait_for 60 "tenant 'show bgp summary'" "Down peers: 0" >/dev/null || fail "AWS did not come back"
echo "figure: AWS back $(secs "$t0" "$(now)") s after the right key was committed"

step "restart: the kernel keeps the BGP routes while the sessions come back"
stop_lsysd
has "$(ip route show table $table proto 211)" "172.31.0.0/16 via 10.0.0.1"
t0=$(now)
start_lsysd
wait_for 60 "tenant 'show bgp summary'" "$INSTANCE.inet.0: 2/2/2/0" >/dev/null || fail "no session after restart"
echo "figure: sessions back $(secs "$t0" "$(now)") s after lsysd started"
has "$(ip route show table $table proto 211)" "172.31.0.0/16 via 10.0.0.1" "10.6.0.0/16 via 10.0.0.14"
stop_lsysd
echo "BGP-OK"
