#!/bin/bash
# tests/lab/routing-bench.sh [N]: N static routes (default 100000) committed into one tenant VRF
# through lsysd, on the seed scenario's wire (tests/lab/seed-peers.sh): logical system l2 with
# the AWS circuit (eth1.4 → irb.4, 10.0.0.0/31) in instance CUST, N × `static route
# 11.X.Y.0/24 next-hop 10.0.0.1` loaded with `load set` and committed as root. Prints
# `figure: ...` lines: the load and the commit command's wall time, the time from the commit's
# start until all N routes are in CUST's kernel table, lsysd's VmRSS before/after (per route);
# then a restart of lsysd, whose route reconcile must make 0 writes. Ends with
# ROUTING-BENCH-OK.
#
# Run: LSYS_LAB_BIN=target/release tests/lab/run tests/lab/routing-bench.sh [N]
# (100,000 routes under TCG can outlast the VM's default 300 s: LSYS_LAB_TIMEOUT=900; the
# `load` text is capped at 16 MiB, about 160,000 routes.)
set -euo pipefail
N=${1:-100000}
ST=/tmp/lsys-state
SOCK=/tmp/lsysd.sock
export LSYS_SOCKET=$SOCK
BOUND=300 # seconds any wait may take
fail() {
    echo "FAIL: $*"
    echo "--- lsysd log"; cat /tmp/lsysd*.log 2>/dev/null | tail -40
    exit 1
}
now() { echo "$EPOCHREALTIME"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
elapsed() { awk -v a="$1" -v b="$(now)" -v m="$2" 'BEGIN { exit !(b - a > m) }'; }
LOGN=0
start_lsysd() {
    LOGN=$((LOGN + 1))
    LSYSD_LOG=info lsysd --state-dir "$ST" --socket "$SOCK" </dev/null 2>"/tmp/lsysd$LOGN.log" &
    LSYSD=$!
    local t0
    t0=$(now)
    until [[ -S $SOCK ]] && lsys -c "show version" >/dev/null 2>&1; do
        kill -0 "$LSYSD" 2>/dev/null || fail "lsysd exited at start"
        elapsed "$t0" "$BOUND" && fail "lsysd did not start in $BOUND s"
        sleep 0.05
    done
}
stop_lsysd() { kill "$LSYSD"; wait "$LSYSD" 2>/dev/null || true; rm -f "$SOCK"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$LSYSD/status"; }
count() { ip route show table "$TABLE" proto 210 | wc -l; }

. "$(dirname "$(realpath "$0")")/seed-peers.sh"
cat >/tmp/seed.set <<'EOF'
set interfaces eth1 flexible-vlan-tagging
set logical-systems l2 interfaces eth1 unit 4 encapsulation vlan-bridge
set logical-systems l2 interfaces eth1 unit 4 vlan-id 4
set logical-systems l2 interfaces irb unit 4 family inet address 10.0.0.0/31
set logical-systems l2 bridge-domains bd-aws vlan-id 4
set logical-systems l2 bridge-domains bd-aws interface eth1.4
set logical-systems l2 bridge-domains bd-aws routing-interface irb.4
set logical-systems l2 routing-instances CUST instance-type vrf
set logical-systems l2 routing-instances CUST interface irb.4
set logical-systems l2 routing-instances CUST route-distinguisher 65000:1
set logical-systems l2 routing-instances CUST vrf-target target:65000:1
set logical-systems l2 routing-instances CUST routing-options maximum-prefixes 1000000
EOF
start_lsysd
out=$(lsys -c "configure; load set /tmp/seed.set; commit" 2>&1) || true
[[ $out == *"commit complete"* ]] || fail "seed commit: $out"

# CUST's kernel table: the VRF whose alias ends with :instance:CUST.
TABLE=""
VRF=""
while IFS= read -r line; do
    if [[ $line =~ alias\ [^\ ]*:instance:CUST([\ \\]|$) && $line =~ vrf\ table\ ([0-9]+) ]]; then
        TABLE=${BASH_REMATCH[1]}
        VRF=$(awk -F': ' '{ print $2 }' <<<"$line")
    fi
done <<<"$(ip -d -o link show type vrf)"
[[ -n $TABLE ]] || fail "no VRF for CUST: $(ip -d link show type vrf)"
echo "figure: CUST is $VRF, kernel table $TABLE"

# 11.X.Y.0/24 (12.X.Y.0/24 past 65,536, ...), in prefix order; the last one is probed below.
awk -v n="$N" 'BEGIN {
    for (i = 0; i < n; i++)
        printf "set logical-systems l2 routing-instances CUST routing-options static route %d.%d.%d.0/24 next-hop 10.0.0.1\n", 11 + int(i / 65536), int(i / 256) % 256, i % 256
}' >/tmp/routes.set
i=$((N - 1))
LAST="$((11 + i / 65536)).$((i / 256 % 256)).$((i % 256)).0/24"
PROBE="${LAST%.0/24}.1"
echo "figure: $N static routes, $(wc -c </tmp/routes.set) bytes of set commands"

rss0=$(rss_kib)
# One session: load, then commit; each reply line is timestamped as it arrives, so the commit
# starts when "load complete" is read and ends when "commit complete" is.
printf 'configure\nload set /tmp/routes.set\ncommit\n' >/tmp/commit.in
: >/tmp/commit.out
t0=$(now)
{ lsys </tmp/commit.in 2>&1 | while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done >/tmp/commit.out; } &
CLIENT=$!
t_load="" t_commit="" t_kernel="" polls=0 dumps=0
while :; do
    log=$(</tmp/commit.out)
    if [[ -z $t_load && $log =~ ([0-9.]+)\ load\ complete ]]; then t_load=${BASH_REMATCH[1]}; fi
    if [[ -z $t_commit && $log =~ ([0-9.]+)\ commit\ complete ]]; then t_commit=${BASH_REMATCH[1]}; fi
    if [[ -z $t_commit ]] && ! kill -0 "$CLIENT" 2>/dev/null; then
        wait "$CLIENT" || true
        log=$(</tmp/commit.out)
        [[ $log == *"commit complete"* ]] || fail "commit: $(tail -20 <<<"$log")"
        continue
    fi
    # A full dump of the table holds the kernel's RTNL lock and takes long at this size, so
    # every 0.1 s only the last prefix (written last: the RIB sends prefixes in order) is looked
    # up; once it is there, or every 5 s, a dump counts the table.
    if [[ -z $t_kernel ]]; then
        t=$(now)
        polls=$((polls + 1))
        got=$(ip route get fibmatch "$PROBE" vrf "$VRF" 2>&1 || true)
        if [[ $got == "$LAST "*"proto 210"* ]] || ((polls % 50 == 0)); then
            dumps=$((dumps + 1))
            [[ $(count) -ge $N ]] && t_kernel=$t
        fi
    fi
    [[ -n $t_commit && -n $t_kernel ]] && break
    elapsed "$t0" "$BOUND" && fail "after $BOUND s: load ${t_load:-no}, commit ${t_commit:-no}, $(count) of $N routes in table $TABLE"
    sleep 0.1
done
wait "$CLIENT" || true
grep -v "load complete\|commit complete\|^[0-9.]* *$" /tmp/commit.out | sed 's/^[0-9.]* /  | /' || true
[[ -n $t_load ]] || fail "no 'load complete': $(</tmp/commit.out)"
echo "figure: load set of $N routes: $(secs "$t0" "$t_load") s (client start to load complete)"
echo "figure: commit of $N static routes: $(secs "$t_load" "$t_commit") s (commit sent to commit complete)"
echo "figure: all $N routes in kernel table $TABLE $(secs "$t_load" "$t_kernel") s after the commit started ($polls lookups, $dumps dumps)"
rss1=$(rss_kib)
echo "figure: lsysd VmRSS ${rss0} KiB before, ${rss1} KiB after: $(awk -v a="$rss0" -v b="$rss1" -v n="$N" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }') B per route"

stop_lsysd
t0=$(now)
start_lsysd
started=$(now)
line=""
until [[ -n $line ]]; do
    line=$(grep "routes reconciled" "/tmp/lsysd$LOGN.log" || true)
    [[ -n $line ]] && break
    elapsed "$t0" "$BOUND" && fail "no 'routes reconciled' in $BOUND s"
    sleep 0.1
done
echo "  | ${line#*routes reconciled}"
[[ $line == *" 0 route writes"* ]] || fail "restart wrote routes: $line"
echo "figure: restart with $N routes: lsysd answered after $(secs "$t0" "$started") s, routes reconciled after $(secs "$t0" "$(now)") s (0 writes, reconcile $(sed -n 's/.* \([0-9.]*\) ms.*/\1/p' <<<"$line") ms)"
echo "figure: lsysd VmRSS after the restart: $(rss_kib) KiB"
[[ $(count) -eq $N ]] || fail "after the restart: $(count) of $N routes"
stop_lsysd
echo ROUTING-BENCH-OK
