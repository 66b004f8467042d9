#!/bin/bash
# Lab smoke test, run inside the VM by tests/lab/run (see tests/tests/lab.rs):
# VRF, dummy in a VRF with its connected route, VLAN-filtering bridge, 802.1q and 802.1ad+802.1q
# devices, a namespace pinged over veth, and the freshly built lsysd/lsys on PATH.
set -euo pipefail
step() { echo "step: $*"; }

step "kernel $(uname -r)"

step "vrf with a dummy device and its connected route"
ip link add vrf-a type vrf table 100
ip link set vrf-a up
ip link add dum0 type dummy
ip link set dum0 master vrf-a
ip addr add 192.0.2.1/24 dev dum0
ip link set dum0 up
routes=$(ip route show table 100)
echo "$routes"
grep -q '^192.0.2.0/24 dev dum0 proto kernel scope link src 192.0.2.1' <<<"$routes"
grep -q 'local 192.0.2.1 dev dum0' <<<"$routes"

step "vlan-filtering bridge, 802.1q, 802.1ad + inner 802.1q"
ip link add bridge0 type bridge vlan_filtering 1
ip link set bridge0 up
ip link add port0 type dummy
ip link set port0 up
ip link add link port0 name port0.4 type vlan id 4
ip link add link port0 name port0.1000 type vlan protocol 802.1ad id 1000
ip link add link port0.1000 name port0.1000.100 type vlan protocol 802.1Q id 100
ip link set port0.4 master bridge0
bridge vlan add dev port0.4 vid 4 pvid untagged
grep -q 'vlan protocol 802.1ad id 1000' <<<"$(ip -d link show port0.1000)"
grep -q 'vlan protocol 802.1Q id 100' <<<"$(ip -d link show port0.1000.100)"
[[ $(cat /sys/class/net/bridge0/bridge/vlan_filtering) == 1 ]]
grep -q '4 PVID' <<<"$(bridge vlan show dev port0.4)"

step "namespace over veth, ping"
ip netns add peer
ip link add v-host type veth peer name v-peer
ip link set v-peer netns peer
ip addr add 198.51.100.0/31 dev v-host
ip link set v-host up
ip -n peer addr add 198.51.100.1/31 dev v-peer
ip -n peer link set v-peer up
ip -n peer link set lo up
if command -v ping >/dev/null; then PING=(ping); else PING=(busybox ping); fi
"${PING[@]}" -c 1 -W 5 198.51.100.1

step "BGP peers for the lab scenarios: BIRD 2 and FRR run inside"
grep -q "BIRD version 2" <<<"$(bird --version 2>&1)" || { echo "bird 2 does not run"; exit 1; }
grep -q "bgpd version" <<<"$(/usr/lib/frr/bgpd --version)" || { echo "FRR bgpd does not run"; exit 1; }

step "lsysd and lsys from PATH"
command -v lsysd lsys
set +e
usage=$(lsysd --help 2>&1)
rc=$?
set -e
[[ $rc == 0 && $usage == *"usage: lsysd"* ]] || { echo "lsysd --help: exit $rc: $usage"; exit 1; }
state=$(mktemp -d)
LSYSD_LOG=warn lsysd --state-dir "$state/state" --socket "$state/sock" --no-dataplane </dev/null &
daemon=$!
for _ in $(seq 200); do [[ -S $state/sock ]] && break; sleep 0.05; done
lsys --socket "$state/sock" -c "configure; set system host-name lab1; commit"
lsys --socket "$state/sock" -c "show configuration | display set" | tee "$state/out"
grep -q 'set system host-name lab1' "$state/out"
kill "$daemon"
wait "$daemon" || true

echo "LSYS-LAB-SMOKE-OK"
