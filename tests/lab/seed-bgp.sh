# Sourced by bgp.sh, bgp-tenants.sh and ntc.sh (after lib.sh, with CONF set): the seed Cloud Router
# with its clouds. BIRD 2 plays AWS (AS 64512, VLAN 4, 10.0.0.1/31, MD5, announces 172.31.0.0/16)
# and FRR bgpd (without zebra) plays Azure (AS 12076, QinQ 1000/100, 10.0.0.14/30, MD5, announces
# 10.6.0.0/16 and 10.7.0.0/16), each in a namespace of its own on the seed's wire (seed-peers.sh);
# lsysd commits the seed and both sessions come up. Defines INSTANCE, TABLE (the tenant's VRF
# table), W (work directory), wait_for/wait_gone, peer_col, birdc_aws, vtysh_azure, start_aws, and
# the EXIT trap that stops every daemon and removes the namespaces (the including script adds its
# own clean-up by appending to CLEANUP).
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
wait_gone() { # wait_gone SECONDS COMMAND PATTERN: until COMMAND's output lacks PATTERN; prints it
    local until=$((SECONDS + $1)) out
    while :; do
        out=$(eval "$2" 2>&1 || true)
        [[ $out != *"$3"* ]] && { printf '%s\n' "$out"; return 0; }
        ((SECONDS < until)) || { printf '%s\n' "$out"; return 1; }
        sleep 0.2
    done
}
peer_col() { # peer_col TEXT PEER N: column N of PEER's line in a `show bgp summary` (6: Flaps)
    awk -v p="$2" -v n="$3" '$1 == p { print $n }' <<<"$1"
}
birdc_aws() { birdc -s "$W/aws.ctl" "$@"; }
vtysh_azure() { vtysh --vty_socket "$W/frr" -c "$1"; }
start_aws() { ip netns exec aws bird -c "$W/aws.conf" -s "$W/aws.ctl" -P "$W/aws.pid"; }

CLEANUP=()
cleanup() { # everything this run started, whatever state it ended in
    local c
    for c in "${CLEANUP[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
    kill "$(cat "$W/frr/bgpd.pid" 2>/dev/null)" 2>/dev/null || true
    kill "$(cat "$W/aws.pid" 2>/dev/null)" 2>/dev/null || true
    if [[ -n ${LSYSD:-} && $(cat "/proc/$LSYSD/comm" 2>/dev/null) == lsysd ]]; then stop_lsysd; fi
    for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns" 2>/dev/null || true; done
    ip link del eth1 2>/dev/null || true
}
trap cleanup EXIT

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
start_aws
ip netns exec azure /usr/lib/frr/bgpd -d -Z -S -n -f "$W/frr/bgpd.conf" -i "$W/frr/bgpd.pid" \
    --vty_socket "$W/frr" --log "file:$W/frr/bgpd.log"

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
TABLE=1000
has "$(ip -d link show vrf1000)" "vrf table $TABLE"
