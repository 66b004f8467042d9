#!/bin/bash
# tests/lab/netlink-seed.sh SEED_CONF: the seed scenario's circuits realized by lsys-netlink-apply
# over a veth "port" (eth1), the peers in a network namespace answering pings through the VRF;
# a second apply makes zero writes; foreign devices survive; removing a circuit removes its devices.
# Prints `figure: ...` lines and ends with NETLINK-SEED-OK.
set -euo pipefail
CONF=$(realpath -e "$1")
step() { echo "step: $*"; }
fail() { echo "FAIL: $*"; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
has() { # has TEXT PATTERN...: every fixed-string PATTERN occurs in TEXT
    local text=$1; shift
    for p in "$@"; do [[ $text == *"$p"* ]] || fail "expected '$p' in: $text"; done
}
apply() { # apply CONF OUTFILE: runs lsys-netlink-apply, prints its output and elapsed time
    local t0 t1
    t0=$(now)
    lsys-netlink-apply "$1" >"$2" || { cat "$2"; fail "lsys-netlink-apply $1"; }
    t1=$(now)
    sed 's/^/  | /' "$2"
    echo "elapsed: $(secs "$t0" "$t1") s"
}
writes() { sed -n 's/^writes: //p' "$1"; }
if command -v ping >/dev/null; then PING=(ping); else PING=(busybox ping); fi
vping() { ip vrf exec vrf1000 "${PING[@]}" -c 1 -W 5 "$1" >/dev/null || fail "no answer from $1 through vrf1000"; }

step "topology: veth port eth1, peers in namespace 'peers'"
ip link add eth1 type veth peer name peer0
ip netns add peers
ip link set peer0 netns peers
ip -n peers link set peer0 name eth0
ip -n peers link set lo up
ip -n peers link set eth0 up
ip -n peers link add link eth0 name eth0.4 type vlan id 4
ip -n peers addr add 10.0.0.1/31 dev eth0.4
ip -n peers link add link eth0 name eth0.1000 type vlan proto 802.1ad id 1000
ip -n peers link add link eth0.1000 name eth0.1000.100 type vlan id 100
ip -n peers addr add 10.0.0.14/30 dev eth0.1000.100
for d in eth0.4 eth0.1000 eth0.1000.100; do ip -n peers link set "$d" up; done
ip link set eth1 up

step "first apply"
apply "$CONF" /tmp/apply1
echo "figure: first apply $(writes /tmp/apply1) writes"
[[ $(writes /tmp/apply1) -gt 0 ]] || fail "first apply wrote nothing"

step "kernel state"
has "$(ip -d link show vrf1000)" "vrf table 1000" "lsys:l2:instance:d87ed303-8b9d-48a5-9f08-aa42b4b50cd8" ",UP"
has "$(ip -d link show irb.4)" "master vrf1000" "bridge" "lsys:l2:bridge-domain:bd-aws" ",UP"
has "$(ip -d link show irb.2)" "master vrf1000" "bridge" ",UP"
has "$(ip -d link show eth1.4)" "eth1.4@eth1" "master irb.4" "vlan protocol 802.1Q id 4 " ",UP"
has "$(ip -d link show eth1.1000)" "eth1.1000@eth1" "vlan protocol 802.1ad id 1000 " ",UP"
has "$(ip -d link show eth1.2)" "eth1.2@eth1.1000" "master irb.2" "vlan protocol 802.1Q id 100 " ",UP"
[[ $(ip -d link show eth1.1000) != *master* ]] || fail "eth1.1000 has a master"
has "$(ip addr show dev irb.4)" "inet 10.0.0.0/31"
has "$(ip addr show dev irb.2)" "inet 10.0.0.13/30"
has "$(ip route show vrf vrf1000)" "10.0.0.0/31 dev irb.4" "10.0.0.12/30 dev irb.2"
[[ $(ip route show table main) != *10.0.0.* ]] || fail "tenant routes leaked into the main table"

step "pings through the VRF"
t0=$(now)
vping 10.0.0.1
vping 10.0.0.14
echo "figure: both pings answered in $(secs "$t0" "$(now)") s"

step "second apply: converged, zero writes"
apply "$CONF" /tmp/apply2
[[ $(writes /tmp/apply2) == 0 ]] || fail "second apply wrote: $(cat /tmp/apply2)"
echo "figure: second apply $(writes /tmp/apply2) writes"

step "foreign VRF and bridge survive a re-apply"
ip link add vrf-foreign type vrf table 77
ip link add brforeign type bridge
ip link set brforeign master vrf-foreign
ip link set vrf-foreign up
ip route add 192.0.2.0/24 dev brforeign vrf vrf-foreign 2>/dev/null || true
apply "$CONF" /tmp/apply3
[[ $(writes /tmp/apply3) == 0 ]] || fail "apply with foreign devices wrote: $(cat /tmp/apply3)"
has "$(ip -d link show brforeign)" "master vrf-foreign"

step "remove the Azure circuit"
grep -v 'interface eth1.2;' "$CONF" >/tmp/no-azure.conf
apply /tmp/no-azure.conf /tmp/apply4
has "$(cat /tmp/apply4)" "delete eth1.2" "delete eth1.1000"
echo "figure: removing the circuit $(writes /tmp/apply4) writes"
! ip link show eth1.2 >/dev/null 2>&1 || fail "eth1.2 still exists"
! ip link show eth1.1000 >/dev/null 2>&1 || fail "eth1.1000 still exists"
ip link show vrf-foreign >/dev/null || fail "vrf-foreign was deleted"
ip link show brforeign >/dev/null || fail "brforeign was deleted"
ip link show eth1.4 >/dev/null || fail "eth1.4 was deleted"
vping 10.0.0.1
apply /tmp/no-azure.conf /tmp/apply5
[[ $(writes /tmp/apply5) == 0 ]] || fail "re-apply after removal wrote: $(cat /tmp/apply5)"

echo NETLINK-SEED-OK
