#!/bin/bash
# tests/lab/demo.sh SEED_CONF TENANT: runs inside the lab (scripts/demo boots it interactively).
# The seed scenario's circuits over a veth port eth1 to a namespace 'peers' that answers as AWS
# (10.0.0.1, VLAN 4) and Azure (10.0.0.14, QinQ 1000/100); lsysd programs the kernel; the seed
# configuration is committed; then the tenant's shell. BGP peers come when lsys speaks BGP.
set -euo pipefail
CONF=$(realpath -e "$1")
TENANT=$2
export LSYS_SOCKET=/run/lsys/lsysd.sock
hostname nxp-fra-01
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
LSYSD_LOG=${LSYSD_LOG:-info} lsysd --state-dir /tmp/lsys-state 2>/tmp/lsysd.log </dev/null &
for _ in $(seq 200); do lsys -c "show version" >/dev/null 2>&1 && break; sleep 0.05; done
lsys -c "configure; load override $CONF; commit comment \"seed scenario\"" | tail -1
cat <<TXT

lsys lab: the seed Cloud Router (tenant l2) on a real kernel, lsysd log in /tmp/lsysd.log.
Try: show interfaces terse, show route forwarding-table, configure, show | compare, ?, exit.
As root inside the lab: ip vrf exec vrf1000 ping 10.0.0.14, ip -n peers link set eth0 down.
TXT
setpriv --reuid="$TENANT" --regid="$(id -g "$TENANT")" --clear-groups lsys || true
