#!/bin/bash
# tests/lab/demo.sh SEED_CONF TENANT: runs inside the lab (scripts/demo boots it interactively).
# The seed Cloud Router with its clouds, as tests/lab/bgp.sh has it (seed-bgp.sh): the seed's
# circuits over a veth port, BIRD 2 as AWS (AS 64512, VLAN 4) and FRR as Azure (AS 12076, QinQ
# 1000/100), both with MD5; lsysd commits the seed and both BGP sessions come up. Then three
# shells in turn: the tenant's lsys, the operator's lsys (root), and a root shell inside the lab;
# leaving the last one powers the VM off.
set -euo pipefail
LAB=$(cd "$(dirname "$(realpath "$0")")" && pwd)
CONF=$(realpath -e "$1")
TENANT=$2
hostname nxp-fra-01
. "$LAB/lib.sh"
echo "starting the seed Cloud Router, its clouds and their BGP sessions..."
. "$LAB/seed-bgp.sh"
set +e

cat <<TXT

lsys lab: the seed Cloud Router on a real kernel. Tenant l2's routing instance
$INSTANCE peers with AWS (BIRD 2) and Azure (FRR).

1. Now: the tenant's shell, as $TENANT. Try: show bgp summary, show route, show interfaces terse,
   ping 10.0.0.14 routing-instance $INSTANCE, configure, show | compare, ?.
2. exit: the operator's shell (root: every logical system, the ports, the system);
   set cli logical-system l2 looks at the tenant's state from there.
3. exit again: a root shell inside the lab -- lsysd's log is /tmp/lsysd1.log; try
   ip vrf exec vrf$TABLE ping -c 1 10.0.0.14, birdc -s $W/aws.ctl show route,
   ip -n peers link set eth0 down.
   Leaving it powers the lab off.

TXT
setpriv --reuid="$TENANT" --regid="$(id -g "$TENANT")" --clear-groups lsys
printf '\n--- the operator'"'"'s shell (root; set cli logical-system l2 to look at the tenant).\n'
printf '    exit: on to a root shell inside the lab.\n\n'
lsys
printf '\n--- a root shell inside the lab: lsys (the operator), lsysd'"'"'s log /tmp/lsysd1.log,\n'
printf '    ip, birdc -s %s/aws.ctl, vtysh --vty_socket %s/frr. exit: powers the lab off.\n\n' "$W" "$W"
PS1='root@lab:\w# ' bash --norc -i
echo "powering the lab off"
