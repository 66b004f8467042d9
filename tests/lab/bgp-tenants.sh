#!/usr/bin/env bash
# tests/lab/bgp-tenants.sh SEED_CONF TENANT_USER: two tenants' Cloud Routers on one router.
# The seed (l2: AWS by BIRD, Azure by FRR; seed-bgp.sh) plus the Zenlayer variant of the seed
# scenario, which the operator commits as a second logical system `zen`: AS 62610, irb.7 on
# VLAN 7 of eth1 with 10.0.0.2/24, peering with Tencent (AS 45090; two BIRDs in namespace
# `tencent`, one per address) at primary 10.0.0.1 -- the address of l2's AWS peer -- and
# secondary 10.0.0.3, under an MD5 key of its own; Tencent announces 10.100.0.0/16.
# Demonstrated: all four sessions Established at once, each in its own VRF (show bgp neighbor's
# routing instance, two kernel connections to 10.0.0.1:179, one from each tenant's address);
# each VRF table holds only its own tenant's routes, each cloud only its own Cloud Router's;
# each tenant's show bgp summary lists only its own peers. Then a
# scripted peer (bgp-script-peer, AS 64999 at 10.0.0.4, no key) as a third neighbor of zen:
# a route it announces reaches zen's table; the same route in an UPDATE with a malformed
# attribute (ORIGIN 7, RFC 7606 treat-as-withdraw) is withdrawn while the session stays up
# without a flap. Prints `figure:` lines and ends with BGP-TENANTS-OK.
set -euo pipefail
LAB=$(cd "$(dirname "$0")" && pwd)
. "$LAB/lib.sh"
CONF=$1
TENANT=$2
. "$LAB/seed-bgp.sh"
Z=3f0b9c4e-5a1d-4c2b-9e7f-62610c10d001 # zen's routing instance
zen() { op "set cli logical-system zen; $1"; }
birdc_tencent() { # birdc_tencent 1|3 ARGS: the BIRD at 10.0.0.1 or 10.0.0.3
    local i=$1; shift
    birdc -s "$W/tencent$i.ctl" "$@"
}
probe_out() { cat "$W/probe.out"; }
probe() { # probe COMMAND EXPECTED: one stdin line to the scripted peer, until its answer
    echo "$1" >&7
    wait_for 20 probe_out "$2" >/dev/null || fail "bgp-script-peer: no '$2' after '$1': $(probe_out)"
}
command -v bgp-script-peer >/dev/null || fail "bgp-script-peer is not built: cargo build -p lsys-tests --bins"

step "Tencent on VLAN 7: BIRD (AS 45090) at 10.0.0.1/24 and at 10.0.0.3/24, MD5, announces 10.100.0.0/16"
ip netns add tencent
ip -n tencent link set lo up
ip -n peers link add link eth0 name eth0.7 type vlan id 7
ip -n peers link set eth0.7 netns tencent
for a in 10.0.0.1 10.0.0.3 10.0.0.4; do ip -n tencent addr add $a/24 dev eth0.7; done
ip -n tencent link set eth0.7 up
# Two BIRDs, one per address (BIRD locks a neighbor address to one protocol at a time), each
# listening on its own address only (strict bind).
for i in 1 3; do
    cat >"$W/tencent$i.conf" <<EOF
router id 10.0.0.$i;
protocol device {}
protocol static { ipv4; route 10.100.0.0/16 blackhole; }
protocol bgp zen {
    local 10.0.0.$i as 45090; neighbor 10.0.0.2 as 62610; password "tencent-md5"; strict bind yes;
    connect delay time 1; connect retry time 2; error wait time 1, 4;
    ipv4 { import all; export where source = RTS_STATIC; };
}
EOF
    ip netns exec tencent bird -c "$W/tencent$i.conf" -s "$W/tencent$i.ctl" -P "$W/tencent$i.pid"
    CLEANUP+=("kill \"\$(cat \"\$W/tencent$i.pid\")\"")
done

step "the operator commits logical system zen: irb.7 10.0.0.2/24 on VLAN 7, AS 62610, Tencent x2"
t0=$(now)
out=$(lsys 2>&1 <<EOF
configure
set logical-systems zen interfaces eth1 unit 7 description "Tencent Cloud"
set logical-systems zen interfaces eth1 unit 7 encapsulation vlan-bridge
set logical-systems zen interfaces eth1 unit 7 vlan-id 7
set logical-systems zen interfaces irb unit 7 family inet address 10.0.0.2/24
set logical-systems zen bridge-domains bd-tencent vlan-id 7
set logical-systems zen bridge-domains bd-tencent interface eth1.7
set logical-systems zen bridge-domains bd-tencent routing-interface irb.7
set logical-systems zen routing-options autonomous-system 62610
set logical-systems zen routing-instances $Z instance-type vrf
set logical-systems zen routing-instances $Z interface irb.7
set logical-systems zen routing-instances $Z route-distinguisher 62610:1
set logical-systems zen routing-instances $Z vrf-target target:62610:1
set logical-systems zen routing-instances $Z protocols bgp group tencent type external
set logical-systems zen routing-instances $Z protocols bgp group tencent peer-as 45090
set logical-systems zen routing-instances $Z protocols bgp group tencent authentication-key tencent-md5
set logical-systems zen routing-instances $Z protocols bgp group tencent neighbor 10.0.0.1 description "Tencent primary"
set logical-systems zen routing-instances $Z protocols bgp group tencent neighbor 10.0.0.3 description "Tencent secondary"
commit
EOF
)
has "$out" "commit complete"
out=$(wait_for 60 "zen 'show bgp summary'" "Down peers: 0") || {
    birdc_tencent 1 show protocols all zen || true
    birdc_tencent 3 show protocols all zen || true
    fail "Tencent's sessions not up: $out"
}
out=$(wait_for 30 "zen 'show route'" "10.100.0.0/16") || fail "no Tencent route: $out"
echo "figure: Tencent's two sessions Established and 10.100.0.0/16 received $(secs "$t0" "$(now)") s after the commit started"
ZVRF=$(ip -o link show irb.7 | grep -o 'master [^ ]*' | cut -d' ' -f2)
ZTABLE=$(ip -d link show "$ZVRF" | grep -o 'vrf table [0-9]*' | cut -d' ' -f3)
[[ -n $ZTABLE && $ZTABLE != "$TABLE" ]] || fail "irb.7 is not in a VRF of its own: $(ip -d link show irb.7)"

step "all four sessions Established at once, each in its own VRF"
out=$(tenant 'show bgp summary')
echo "$out" | sed 's/^/  l2  | /'
has "$out" "Groups: 2 Peers: 2 Down peers: 0" "10.0.0.1              64512" "10.0.0.14             12076" \
    "$INSTANCE.inet.0: 1/1/1/0" "$INSTANCE.inet.0: 2/2/2/0"
hasnt "$out" "45090" "10.0.0.3 " "$Z"
out=$(zen 'show bgp summary')
echo "$out" | sed 's/^/  zen | /'
has "$out" "Groups: 1 Peers: 2 Down peers: 0" "10.0.0.1              45090" "10.0.0.3              45090" "$Z.inet.0: "
hasnt "$out" "64512" "12076" "10.0.0.14" "$INSTANCE"
has "$(tenant 'show bgp neighbor 10.0.0.1')" "AS 64512 Local: 10.0.0.0+" "Routing-Instance: $INSTANCE" "State: Established"
has "$(zen 'show bgp neighbor 10.0.0.1')" "AS 45090 Local: 10.0.0.2+" "Routing-Instance: $Z" "State: Established"
has "$(zen 'show bgp neighbor 10.0.0.3')" "AS 45090 Local: 10.0.0.2+" "Routing-Instance: $Z" "State: Established"
hasnt "$(tenant 'show bgp neighbor 10.0.0.3' || true)" "45090" "State: Established"
# The kernel's connections: two to 10.0.0.1:179 at once, from l2's 10.0.0.0 and zen's 10.0.0.2
# (this kernel's sock_diag does not report the VRF a socket is bound to).
out=$(ss -Htn state established '( sport = :179 or dport = :179 )')
echo "$out" | sed 's/^/  ss  | /'
[[ $(grep -cE ' 10\.0\.0\.(0|2):[0-9]+ +10\.0\.0\.1:179' <<<"$out") == 2 ]] || fail "not two sessions to 10.0.0.1"
for i in 1 3; do has "$(birdc_tencent $i show protocols zen)" "Established"; done
echo "figure: lsysd resident memory with two tenants and four sessions up: $(awk '/^VmRSS:/ { print $2 }' "/proc/$LSYSD/status") kB"

step "each VRF table holds only its own tenant's routes"
out=$(ip route show table "$TABLE")
echo "$out" | sed "s/^/  table $TABLE (l2)  | /"
has "$out" "172.31.0.0/16 via 10.0.0.1 dev irb.4" "10.6.0.0/16 via 10.0.0.14 dev irb.2"
hasnt "$out" "10.100.0.0/16" "irb.7"
out=$(ip route show table "$ZTABLE")
echo "$out" | sed "s/^/  table $ZTABLE (zen) | /"
has "$out" "10.100.0.0/16 via 10.0.0." "dev irb.7 proto 211"
hasnt "$out" "172.31.0.0/16" "10.6.0.0/16" "10.7.0.0/16" "irb.4" "irb.2"
out=$(zen 'show route')
has "$out" "10.100.0.0/16      *[BGP/170]" "AS path: 45090 I"
hasnt "$out" "172.31.0.0/16" "10.6.0.0/16" "10.7.0.0/16"
hasnt "$(tenant 'show route')" "10.100.0.0/16"

step "each cloud learns only its own Cloud Router's routes"
out=$(wait_for 20 "birdc_aws show route" "10.6.0.0/16") || fail "AWS: $out"
hasnt "$out" "10.100.0.0/16"
for i in 1 3; do
    out=$(birdc_tencent $i show route)
    echo "$out" | sed "s/^/  tencent 10.0.0.$i | /"
    has "$out" "10.100.0.0/16"
    hasnt "$out" "172.31.0.0/16" "10.6.0.0/16" "10.7.0.0/16"
done
hasnt "$(vtysh_azure 'show bgp ipv4 unicast')" "10.100.0.0/16"

step "a scripted peer of zen (AS 64999, 10.0.0.4, no key): a malformed UPDATE withdraws, the session stays"
has "$(op "configure; set logical-systems zen routing-instances $Z protocols bgp group probe type external; set logical-systems zen routing-instances $Z protocols bgp group probe peer-as 64999; set logical-systems zen routing-instances $Z protocols bgp group probe neighbor 10.0.0.4; commit")" "commit complete"
mkfifo "$W/probe.in"
ip netns exec tencent bgp-script-peer --local 10.0.0.4 --peer 10.0.0.2 --as 64999 --peer-as 62610 \
    --router-id 10.0.0.4 <"$W/probe.in" >"$W/probe.out" 2>"$W/probe.err" &
PROBE=$!
CLEANUP+=('kill "$PROBE"')
exec 7>"$W/probe.in"
out=$(wait_for 60 probe_out ESTABLISHED) || fail "bgp-script-peer: $out $(cat "$W/probe.err")"
out=$(wait_for 20 "zen 'show bgp summary'" "Down peers: 0") || fail "zen: $out"
has "$out" "Groups: 2 Peers: 3" "10.0.0.4              64999"
probe "announce 192.0.2.0/24" "SENT announce 192.0.2.0/24"
out=$(wait_for 20 "zen 'show route'" "192.0.2.0/24") || fail "the announced route is not in zen's RIB: $out"
has "$out" "AS path: 64999 I" "> to 10.0.0.4 via irb.7"
wait_for 10 "ip route show table $ZTABLE" "192.0.2.0/24 via 10.0.0.4 dev irb.7" >/dev/null || fail "not in the kernel"
t0=$(now)
probe "malformed 192.0.2.0/24" "SENT malformed 192.0.2.0/24"
out=$(wait_gone 20 "zen 'show route'" "192.0.2.0/24") || fail "the malformed UPDATE did not withdraw: $out"
out=$(wait_gone 10 "ip route show table $ZTABLE" "192.0.2.0/24") || fail "still in the kernel: $out"
echo "figure: 192.0.2.0/24 withdrawn from zen's table $(secs "$t0" "$(now)") s after the malformed UPDATE"
probe "wait 3" "UP"
out=$(zen 'show bgp summary')
echo "$out" | sed 's/^/  zen | /'
line=$(awk '$1 == "10.0.0.4"' <<<"$out")
[[ $line == *Establ* && $(peer_col "$out" 10.0.0.4 6) == 0 ]] || fail "the probe's session flapped: $line"
out=$(zen 'show bgp neighbor 10.0.0.4')
has "$out" "State: Established" "Number of flaps: 0"
probe "received" "RECEIVED" # what zen advertises to it: Tencent's 10.100.0.0/16
has "$(birdc_tencent 1 show protocols zen)" "Established"
probe "quit" "BYE"
exec 7>&-
wait "$PROBE" || fail "bgp-script-peer exited $?: $(cat "$W/probe.err")"
sed 's/^/  probe | /' "$W/probe.out"
stop_lsysd
echo "BGP-TENANTS-OK"
