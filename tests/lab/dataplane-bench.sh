#!/bin/bash
# tests/lab/dataplane-bench.sh [N]: N logical systems (default 200), each with 2 circuits (one
# 802.1q, one QinQ) on 4 veth ports, committed through lsysd from an empty kernel; then one
# incremental change; then a restart on the converged kernel. Prints `figure: ...` lines
# (wall time of the commit, the kernel part of it, netlink writes and round trips) and ends
# with DATAPLANE-BENCH-OK.
set -euo pipefail
N=${1:-200}
ST=/tmp/lsys-state
export LSYS_SOCKET=/tmp/lsysd.sock
fail() { echo "FAIL: $*"; tail -20 /tmp/lsysd*.log; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
LOGN=0
start_lsysd() {
    LOGN=$((LOGN + 1))
    LSYSD_LOG=info lsysd --state-dir "$ST" --socket "$LSYS_SOCKET" </dev/null 2>"/tmp/lsysd$LOGN.log" &
    LSYSD=$!
    for _ in $(seq 600); do lsys -c "show version" >/dev/null 2>&1 && return; sleep 0.05; done
    fail "lsysd did not start"
}
stop_lsysd() { kill "$LSYSD"; wait "$LSYSD" 2>/dev/null || true; }
last_plan() { # the kernel part of the last commit, from lsysd's log
    grep "kernel plan applied" "/tmp/lsysd$LOGN.log" | tail -1 |
        sed -n 's/.*writes=\([0-9]*\) round_trips=\([0-9]*\) steps=\([0-9]*\) ms=\([0-9.]*\) ok=\(true\|false\).*/\1 writes, \2 round trips, \3 steps, kernel part \4 ms, ok=\5/p'
}
commit() { # commit LABEL: commands on stdin, one per line
    local t0 out
    t0=$(now)
    out=$(lsys 2>&1) || true
    [[ $out == *"commit complete"* ]] || fail "$1: $out"
    echo "figure: $1: $(secs "$t0" "$(now)") s wall; $(last_plan)"
}

for p in 1 2 3 4; do
    ip link add "eth$p" type veth peer name "peer$p"
    ip link set "peer$p" up
done
config-gen "$N" >/tmp/bench.conf
echo "figure: configuration: $N logical systems, $(wc -c </tmp/bench.conf) bytes"
start_lsysd
printf 'configure\nload override /tmp/bench.conf\ncommit\n' | commit "commit $N logical systems from empty"
devices=$(ip -o link show | grep -c 'lsys:' || true)
echo "figure: lsys devices in the kernel: $devices"
[[ $devices -ge $((N * 6)) ]] || fail "expected at least $((N * 6)) lsys devices, found $devices"
printf 'configure\nset logical-systems ls0007 interfaces irb unit 15 family inet address 10.250.7.1/24\ncommit\n' |
    commit "incremental: one address on one irb"
# (a here-string, not a pipe: with pipefail, grep -q exiting early can SIGPIPE ip)
grep -q 10.250.7.1/24 <<<"$(ip addr show dev irb.15)" || fail "address not programmed"
commit "incremental: one more circuit in one logical system" <<'EOF'
configure
set logical-systems ls0011 interfaces eth1 unit 4000 encapsulation vlan-bridge
set logical-systems ls0011 interfaces eth1 unit 4000 vlan-id 4000
set logical-systems ls0011 bridge-domains extra vlan-id 4000
set logical-systems ls0011 bridge-domains extra interface eth1.4000
set logical-systems ls0011 bridge-domains extra routing-interface irb.9000
set logical-systems ls0011 interfaces irb unit 9000 family inet address 10.251.0.1/24
commit
EOF
ip link show irb.9000 >/dev/null || fail "irb.9000 missing"
stop_lsysd
t0=$(now)
start_lsysd
line=$(grep "kernel reconciled" "/tmp/lsysd$LOGN.log" || true)
[[ $line == *"writes=0 "* ]] || fail "restart wrote: $line"
echo "figure: restart on the converged kernel: ready in $(secs "$t0" "$(now)") s, $(sed -n 's/.*\(writes=[0-9]*\) \(round_trips=[0-9]*\).*/\1 \2/p' <<<"$line")"
stop_lsysd
echo DATAPLANE-BENCH-OK
