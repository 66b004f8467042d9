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
. "$(dirname "$(realpath "$0")")/seed-peers.sh"
LSYSD_LOG=${LSYSD_LOG:-info} lsysd --state-dir /tmp/lsys-state 2>/tmp/lsysd.log </dev/null &
for _ in $(seq 200); do lsys -c "show version" >/dev/null 2>&1 && break; sleep 0.05; done
lsys -c "configure; load override $CONF; commit comment \"seed scenario\"" | tail -1
cat <<TXT

lsys lab: the seed Cloud Router (tenant l2) on a real kernel, lsysd log in /tmp/lsysd.log.
Try: show interfaces terse, show route forwarding-table, configure, show | compare, ?, exit.
As root inside the lab: ip vrf exec vrf1000 ping 10.0.0.14, ip -n peers link set eth0 down.
TXT
setpriv --reuid="$TENANT" --regid="$(id -g "$TENANT")" --clear-groups lsys || true
