#!/bin/bash
# tests/lab/dataplane.sh SEED_CONF TENANT_USER: lsysd programs the kernel inside the commit.
# The seed scenario's circuits over a veth "port" (eth1) with the peers in namespaces (AWS and
# Azure each in its own): `show interfaces terse` as the tenant, pings through the VRF, AWS
# pinging Azure through the VRF (forwarding on the irbs only, IPv4 and IPv6; put back when
# turned off by hand, at restart, on a recreated device; a refused write undone), the peer
# going down and up in the Link column, foreign objects surviving a commit and a restart, a
# restart with zero netlink writes, a Junos port name mapped onto eth1 (same kernel), two
# tenants claiming one irb unit / one VLAN, a missing port. Prints `figure: ...` lines and
# ends with DATAPLANE-OK.
set -euo pipefail
CONF=$(realpath -e "$1")
TENANT=$2
. "$(dirname "$(realpath "$0")")/lib.sh"
vping() { ip vrf exec vrf1000 "${PING[@]}" -c 1 -W 5 "$1" >/dev/null || fail "no answer from $1 through vrf1000"; }
# tping ADDRESS [WAIT]: AWS (namespace aws) pings ADDRESS in Azure, through the router
tping() { ip netns exec aws "${PING[@]}" -c 1 -W "${2:-5}" "$1" >/dev/null; }
fwd() { cat "/proc/sys/net/ipv4/conf/$1/forwarding"; }   # fwd DEVICE|all
fwd6() { cat "/proc/sys/net/ipv6/conf/$1/forwarding"; }
no_tentative() { # waits (≤ 30 s) until IPv6 duplicate address detection is over
    for _ in $(seq 300); do grep -q tentative <<<"$(ip addr)" || return 0; sleep 0.1; done
    fail "IPv6 addresses still tentative: $(ip addr)"
}
kernel() { # everything lsys could have touched, for before/after comparisons
    # IPv6 duplicate address detection finishes by itself: wait for it (≤ 30 s; under qemu
    # TCG on a loaded machine it took longer than 5 s).
    for _ in $(seq 300); do grep -q tentative <<<"$(ip addr)" || break; sleep 0.1; done
    # (bridge timers tick by themselves: left out)
    ip -d link show | sed -E 's/ qlen [0-9]+//; s/ [a-z_]*timer +[0-9.]+//g'
    ip addr show
    ip route show table all
}
same_kernel() { # same_kernel BEFORE WHAT: fails with the difference when the kernel changed
    kernel >/tmp/kernel.now
    echo "$1" >/tmp/kernel.before
    cmp -s /tmp/kernel.before /tmp/kernel.now || fail "$2: $(diff /tmp/kernel.before /tmp/kernel.now)"
}

batch() { lsys 2>&1; }  # commands on stdin, one per line
circuit7() { # circuit7 PORT [INSTANCE-STATEMENTS...]: commits a circuit on PORT unit 7 (irb.7) in l2
    local port=$1; shift
    {
        printf '%s\n' configure "rollback 0" "set interfaces $port flexible-vlan-tagging"
        printf 'set logical-systems l2 %s\n' \
            "interfaces $port unit 7 encapsulation vlan-bridge" \
            "interfaces $port unit 7 vlan-id 7" \
            "bridge-domains bd7 vlan-id 7" \
            "bridge-domains bd7 interface $port.7" \
            "bridge-domains bd7 routing-interface irb.7" \
            "interfaces irb unit 7 family inet address 10.7.0.1/24" "$@"
        echo commit
    } | batch || true
}
terse_until() { # terse_until PATTERN: waits (≤ 10 s) until the tenant's terse output matches
    local out
    for _ in $(seq 100); do
        out=$(tenant "show interfaces terse")
        [[ $out =~ $1 ]] && { echo "$out"; return; }
        sleep 0.1
    done
    fail "show interfaces terse never matched /$1/: $out"
}

step "topology: veth port eth1, peers in namespace 'peers', AWS and Azure in namespaces of their own"
. "$(dirname "$(realpath "$0")")/seed-peers.sh"
# Each cloud's VLAN device leaves 'peers' (its parent stays there) for a namespace of its own,
# with a route to the other cloud via the router: traffic between them has to cross the VRF.
cloud() { # cloud NAMESPACE DEVICE ADDRESS
    ip netns add "$1"
    ip -n peers link set "$2" netns "$1"
    ip -n "$1" link set lo up
    ip -n "$1" addr add "$3" dev "$2"
    ip -n "$1" link set "$2" up
}
# The VLAN devices go down with their parent (peers' eth0), and their routes with them.
cloud_routes() {
    ip -n aws route replace 10.0.0.12/30 via 10.0.0.0
    ip -n azure route replace 10.0.0.0/31 via 10.0.0.13
}
cloud aws eth0.4 10.0.0.1/31
cloud azure eth0.1000.100 10.0.0.14/30
cloud_routes

step "foreign objects made by hand"
ip link add vrf-foreign type vrf table 77
ip link add brforeign type bridge
ip link set brforeign master vrf-foreign
ip link set vrf-foreign up
ip link set brforeign up
ip route add blackhole 192.0.2.0/24 table 77
foreign() {
    has "$(ip -d link show brforeign)" "master vrf-foreign"
    has "$(ip -d link show vrf-foreign)" "vrf table 77"
    has "$(ip route show table 77)" "blackhole 192.0.2.0/24"
}

step "before the commit: AWS cannot reach Azure; forwarding is off everywhere"
! tping 10.0.0.14 2 || fail "AWS reached Azure before lsysd programmed anything"
has "$(fwd all) $(fwd default) $(fwd eth1) $(fwd brforeign) $(fwd vrf-foreign)" "0 0 0 0 0"
# A foreign device with forwarding on: lsys must leave it on, as it leaves the others off.
echo 1 >/proc/sys/net/ipv4/conf/vrf-foreign/forwarding
echo "  | AWS -> Azure before the commit: no answer"

step "lsysd programs the kernel: commit the seed configuration"
start_lsysd
t0=$(now)
out=$(op "configure; load override $CONF; commit")
has "$out" "commit complete"
echo "figure: seed commit through lsysd $(secs "$t0" "$(now)") s"
has "$(ip -d link show vrf1000)" "vrf table 1000" "lsys:l2:instance:d87ed303-8b9d-48a5-9f08-aa42b4b50cd8"
has "$(ip -d link show irb.4)" "master vrf1000" "bridge" ",UP"
has "$(ip -d link show eth1.2)" "eth1.2@eth1.1000" "master irb.2" "vlan protocol 802.1Q id 100 "
has "$(ip -d link show eth1.1000)" "vlan protocol 802.1ad id 1000 "
has "$(ip link show eth1)" "mtu 9000" ",UP"
has "$(ip route show vrf vrf1000)" "10.0.0.0/31 dev irb.4" "10.0.0.12/30 dev irb.2"
foreign

step "show interfaces terse, as the tenant"
out=$(terse_until 'irb\.4 +up +up')
echo "$out" | sed 's/^/  | /'
expected="Interface               Admin Link Proto    Local                 Remote
irb
irb.2                   up    up   inet     10.0.0.13/30
                                   multiservice
irb.4                   up    up   inet     10.0.0.0/31
                                   multiservice"
[[ $(echo "$out" | grep -v '^eth1\.' | grep -v '^ *bridge$') == "$expected" ]] || fail "terse output differs from the seed's"

step "pings through the VRF"
t0=$(now)
vping 10.0.0.1
vping 10.0.0.14
echo "figure: both pings answered in $(secs "$t0" "$(now)") s"

step "AWS pings Azure through the VRF: forwarding on the irbs, nowhere else"
has "irb.4=$(fwd irb.4) irb.2=$(fwd irb.2)" "irb.4=1 irb.2=1"
# The global switch, the VRF device (not needed: the kernel asks the device a packet came in
# on), the members, the operator's port and foreign devices keep their values.
has "all=$(fwd all) default=$(fwd default) vrf1000=$(fwd vrf1000) eth1.4=$(fwd eth1.4)" \
    "all=0 default=0 vrf1000=0 eth1.4=0"
has "eth1=$(fwd eth1) brforeign=$(fwd brforeign) vrf-foreign=$(fwd vrf-foreign)" \
    "eth1=0 brforeign=0 vrf-foreign=1"
has "v6: all=$(fwd6 all) irb.4=$(fwd6 irb.4)" "v6: all=0 irb.4=0"  # no IPv6 configured: untouched
t0=$(now)
tping 10.0.0.14 || fail "AWS did not reach Azure through vrf1000"
echo "figure: AWS -> Azure through the VRF answered in $(secs "$t0" "$(now)") s"
ip netns exec azure "${PING[@]}" -c 1 -W 5 10.0.0.1 >/dev/null || fail "Azure did not reach AWS"

step "forwarding turned off behind lsysd's back is turned on again"
t0=$(now)
echo 0 >/proc/sys/net/ipv4/conf/irb.4/forwarding
for _ in $(seq 250); do [[ $(fwd irb.4) == 1 ]] && break; sleep 0.02; done
[[ $(fwd irb.4) == 1 ]] || fail "irb.4 forwarding was not turned on again"
back=$(secs "$t0" "$(now)")
line=$(grep "turned on again" "/tmp/lsysd$LOGN.log" || true)
echo "  | ${line#*WARN }"
has "$line" "set irb.4 ipv4 forwarding on"
echo "figure: forwarding on irb.4 back on $back s after it was turned off (seen by polling every 20 ms; lsysd's repair: $(sed -n 's/.* ms=\([0-9]*\.[0-9]\).*/\1/p' <<<"$line") ms)"
tping 10.0.0.14 || fail "AWS did not reach Azure after the repair"

step "IPv6 through the VRF: the irbs' values and the global switch; other devices keep theirs"
ip -n aws addr add 2001:db8:4::2/64 dev eth0.4 nodad
ip -n aws route add 2001:db8:2::/64 via 2001:db8:4::1
ip -n azure addr add 2001:db8:2::2/64 dev eth0.1000.100 nodad
ip -n azure route add 2001:db8:4::/64 via 2001:db8:2::1
v6=(eth1 brforeign vrf1000 eth1.4 lo)
v6before=$(for d in default "${v6[@]}"; do printf '%s=%s ' "$d" "$(fwd6 "$d")"; done)
t0=$(now)
out=$(op "configure; set logical-systems l2 interfaces irb unit 4 family inet6 address 2001:db8:4::1/64; set logical-systems l2 interfaces irb unit 2 family inet6 address 2001:db8:2::1/64; commit")
has "$out" "commit complete"
echo "figure: IPv6 commit $(secs "$t0" "$(now)") s"
has "all=$(fwd6 all) irb.4=$(fwd6 irb.4) irb.2=$(fwd6 irb.2)" "all=1 irb.4=1 irb.2=1"
v6after=$(for d in default "${v6[@]}"; do printf '%s=%s ' "$d" "$(fwd6 "$d")"; done)
echo "  | other devices' IPv6 forwarding: $v6after"
[[ $v6after == "$v6before" ]] || fail "turning on IPv6 forwarding changed other devices: $v6before -> $v6after"
has "all=$(fwd all) irb.4=$(fwd irb.4)" "all=0 irb.4=1"
no_tentative
t0=$(now)
ip netns exec aws "${PING[@]}" -6 -c 1 -W 5 2001:db8:2::2 >/dev/null || fail "AWS did not reach Azure over IPv6"
echo "figure: AWS -> Azure over IPv6 through the VRF answered in $(secs "$t0" "$(now)") s"
out=$(op "configure; delete logical-systems l2 interfaces irb unit 4 family inet6; delete logical-systems l2 interfaces irb unit 2 family inet6; commit")
has "$out" "commit complete"
[[ $(ip addr show dev irb.4) != *2001:db8* ]] || fail "IPv6 address not removed"

step "the peer end goes down, then up again"
ip -n peers link set eth0 down
t0=$(now)
out=$(terse_until 'irb\.4 +up +down')
echo "figure: link down shown after $(secs "$t0" "$(now)") s"
echo "$out" | sed 's/^/  | /'
ip -n peers link set eth0 up
t0=$(now)
out=$(terse_until 'irb\.2 +up +up .*irb\.4 +up +up')
echo "figure: link up shown after $(secs "$t0" "$(now)") s"
vping 10.0.0.1
cloud_routes
tping 10.0.0.14 || fail "AWS did not reach Azure after the link came back"

step "a tenant commit that changes the kernel; foreign objects stay"
out=$(tenant "configure private; set interfaces irb unit 4 family inet address 10.0.0.100/31; commit and-quit" || true)
has "$out" "commit complete"
has "$(ip addr show dev irb.4)" "10.0.0.100/31" "10.0.0.0/31"
out=$(tenant "configure private; delete interfaces irb unit 4 family inet address 10.0.0.100/31; commit and-quit" || true)
has "$out" "commit complete"
[[ $(ip addr show dev irb.4) != *10.0.0.100* ]] || fail "address not removed"
foreign

step "a tenant cannot make lsysd touch a host interface the operator did not give it"
ip link add spare0 type dummy
before=$(kernel)
out=$(tenant "configure private; set interfaces spare0 unit 0 family inet address 10.9.9.1/24; commit" || true)
echo "$out" | sed 's/^/  | /'
has "$out" "interface spare0 is not available in this logical system" "error: configuration check-out failed"
[[ $(ip link show spare0) != *",UP"* ]] || fail "spare0 was brought up"
same_kernel "$before" "a refused tenant commit changed the kernel"
ip link del spare0

step "forwarding carries the traffic: turned off while lsysd is stopped, restored at start"
stop_lsysd
echo 0 >/proc/sys/net/ipv4/conf/irb.4/forwarding
! tping 10.0.0.14 2 || fail "AWS reached Azure with forwarding off on irb.4"
echo "  | AWS -> Azure with irb.4 forwarding off: no answer"
t0=$(now)
start_lsysd
ready=$(now)
line=$(grep "kernel reconciled" "/tmp/lsysd$LOGN.log" || true)
echo "  | $line"
[[ $line == *"writes=1 "* ]] || fail "start did not write forwarding back (alone): $line"
[[ $(fwd irb.4) == 1 ]] || fail "forwarding on irb.4 not restored at start"
tping 10.0.0.14 || fail "AWS did not reach Azure after the restart"
echo "figure: restart restoring forwarding: lsysd ready $(secs "$t0" "$ready") s after its start, AWS -> Azure answered $(secs "$ready" "$(now)") s later"

step "restart on a converged kernel: zero netlink writes"
before=$(kernel)
stop_lsysd
start_lsysd
line=$(grep "kernel reconciled" "/tmp/lsysd$LOGN.log" || true)
echo "  | $line"
[[ $line == *"writes=0 "* ]] || fail "restart wrote to the kernel: $line"
echo "figure: restart on a converged kernel: $(sed -n 's/.*\(writes=[0-9]*\) \(round_trips=[0-9]*\).*/\1 \2/p' <<<"$line")"
same_kernel "$before" "the kernel changed across a restart"
foreign
has "irb.4=$(fwd irb.4) irb.2=$(fwd irb.2) vrf-foreign=$(fwd vrf-foreign)" "irb.4=1 irb.2=1 vrf-foreign=1"

step "Junos port names: the seed written with ge-0/0/1 (linux-name eth1) is the same kernel"
before=$(kernel)
sed 's#eth1#ge-0/0/1#g' "$CONF" >/tmp/junos-seed.conf
has "$(cat /tmp/junos-seed.conf)" "ge-0/0/1.4"
out=$(op "configure; load override /tmp/junos-seed.conf; commit" || true)
has "$out" "interface ge-0/0/1 has no linux-name" "error: configuration check-out failed"
out=$(op "configure; load override /tmp/junos-seed.conf; set interfaces ge-0/0/1 linux-name eth1; commit")
has "$out" "commit complete"
same_kernel "$before" "naming the port ge-0/0/1 changed the kernel"
out=$(op "show interfaces terse")
echo "$out" | sed 's/^/  | /'
has "$out" "ge-0/0/1                up    up" "ge-0/0/1.4              up    up   bridge" "ge-0/0/1.2 "
hasnt "$out" "eth1"
has "$(op "show interfaces ge-0/0/1.4")" "Logical interface ge-0/0/1.4"
out=$(op "configure; load override $CONF; commit")
has "$out" "commit complete"
same_kernel "$before" "naming the port eth1 again changed the kernel"

step "restart after a device vanished: reconcile puts it back"
ip link del irb.2
stop_lsysd
start_lsysd
line=$(grep "kernel reconciled" "/tmp/lsysd$LOGN.log" || true)
echo "  | $line"
has "$(ip -d link show irb.2)" "master vrf1000" "lsys:l2:bridge-domain"
vping 10.0.0.14
[[ $(fwd irb.2) == 1 ]] || fail "the recreated irb.2 does not forward"
tping 10.0.0.14 || fail "AWS did not reach Azure through the recreated irb.2"

step "a refused forwarding write is a kernel error: undone, nothing committed"
before=$(kernel)
seq_before=$(op "show system commit" | sed -n 1p)
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
out=$(circuit7 eth1 "routing-instances d87ed303-8b9d-48a5-9f08-aa42b4b50cd8 interface irb.7")
umount /proc/sys
echo "$out" | sed 's/^/  | /'
has "$out" "error: kernel: set irb.7 ipv4 forwarding on: /proc/sys/net/ipv4/conf/irb.7/forwarding: Read-only file system" "error: configuration check-out failed"
same_kernel "$before" "the commit whose forwarding write was refused changed the kernel"
[[ $(op "show system commit" | sed -n 1p) == "$seq_before" ]] || fail "the refused commit was recorded"

step "two tenants claiming the same irb unit or VLAN: commit error, kernel unchanged"
before=$(kernel)
out=$(op "configure; set logical-systems l3 interfaces irb unit 4 family inet address 10.9.0.1/24; commit" || true)
echo "$out" | sed 's/^/  | /'
has "$out" "Logical interface irb.4 is also configured in another logical system" "error: configuration check-out failed"
out=$(op "configure; rollback 0; set logical-systems l3 interfaces eth1 unit 14 vlan-id 4; commit" || true)
echo "$out" | sed 's/^/  | /'
has "$out" "vlan-id 4 on eth1 is also used by a unit in another logical system" "error: configuration check-out failed"
same_kernel "$before" "a refused commit changed the kernel"

step "a circuit on a port that does not exist: kernel error, undone, nothing committed"
seq_before=$(op "show system commit" | sed -n 1p)
out=$(circuit7 eth9 "routing-instances d87ed303-8b9d-48a5-9f08-aa42b4b50cd8 interface irb.7")
echo "$out" | sed 's/^/  | /'
has "$out" "error: kernel: interface eth9 does not exist" "error: configuration check-out failed"
same_kernel "$before" "a failed kernel commit changed the kernel"
[[ $(op "show system commit" | sed -n 1p) == "$seq_before" ]] || fail "the failed commit was recorded"

step "a kernel failure halfway is undone: a new VRF is made, then a VLAN on lo is refused"
before=$(kernel)
out=$(circuit7 lo "routing-instances extra instance-type virtual-router" "routing-instances extra interface irb.7")
echo "$out" | sed 's/^/  | /'
has "$out" "error: kernel: create lo.7" "error: configuration check-out failed"
failed=$(grep "kernel plan applied" "/tmp/lsysd$LOGN.log" | grep "ok=false" | tail -1)
echo "  | $failed"
[[ $failed =~ writes=([0-9]+) && ${BASH_REMATCH[1]} -ge 2 ]] || fail "the failure did not come after some writes: $failed"
same_kernel "$before" "the half-applied commit was not undone"
foreign

step "per-scope isolation: l3's port vanishes; l2 still commits; l3's error names only l3"
ip link add eth9 type veth peer name eth9p
ip link set eth9p up
out=$(batch <<EOF
configure
set interfaces eth9 flexible-vlan-tagging
set logical-systems l3 interfaces eth9 unit 7 encapsulation vlan-bridge
set logical-systems l3 interfaces eth9 unit 7 vlan-id 7
set logical-systems l3 bridge-domains bd7 vlan-id 7
set logical-systems l3 bridge-domains bd7 interface eth9.7
set logical-systems l3 bridge-domains bd7 routing-interface irb.7
set logical-systems l3 interfaces irb unit 7 family inet address 10.7.0.1/24
set system login class l3-tenant logical-system l3
set system login class l3-tenant permissions all
commit
EOF
)
has "$out" "commit complete"
has "$(ip -d link show eth9.7)" "master irb.7"
ip link del eth9  # the operator's port goes away (and eth9.7 with it)
t0=$(now)
out=$(tenant "configure private; set interfaces irb unit 4 family inet address 10.0.0.40/31; commit and-quit" || true)
echo "$out" | sed 's/^/  | /'
has "$out" "commit complete"
has "$(ip addr show dev irb.4)" "10.0.0.40/31"
echo "figure: l2 commit while l3's port is absent $(secs "$t0" "$(now)") s"
# The same Unix user becomes l3's tenant (its open sessions would be closed: it moved).
has "$(op "configure; set system login user $TENANT class l3-tenant; commit")" "commit complete"
before=$(kernel)
out=$(tenant "configure private; set interfaces irb unit 7 family inet address 10.7.0.9/24; commit" || true)
echo "$out" | sed 's/^/  | /'
has "$out" "error: kernel: a circuit of this logical system is not available" "error: configuration check-out failed"
[[ $out != *eth9* && $out != *eth1* && $out != *l2* ]] || fail "l3's error names something outside l3: $out"
same_kernel "$before" "l3's failed commit changed the kernel"
has "$(op "configure; set system login user $TENANT class l2-tenant; delete logical-systems l3; delete interfaces eth9; delete system login class l3-tenant; commit")" "commit complete"
vping 10.0.0.1

step "removing the Azure circuit by commit deletes its two devices"
out=$(op "configure; delete logical-systems l2 bridge-domains bd-azure interface eth1.2; commit" || true)
has "$out" "commit complete"
! ip link show eth1.2 >/dev/null 2>&1 || fail "eth1.2 still exists"
! ip link show eth1.1000 >/dev/null 2>&1 || fail "eth1.1000 still exists"
vping 10.0.0.1
foreign

stop_lsysd
echo DATAPLANE-OK
