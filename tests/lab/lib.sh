# Sourced by the lab scripts that drive lsysd (dataplane.sh, routing.sh): state directory and
# socket, step/fail/has/hasnt, timing, starting and stopping lsysd (one log per start,
# /tmp/lsysdN.log), and running lsys as root (`op`) or as the tenant user $TENANT (`tenant`).
ST=/tmp/lsys-state
SOCK=/tmp/lsysd.sock
export LSYS_SOCKET=$SOCK
step() { echo "step: $*"; }
fail() {
    echo "FAIL: $*"
    echo "--- lsysd log"; cat /tmp/lsysd*.log 2>/dev/null | tail -40
    exit 1
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
has() { # has TEXT PATTERN...: every fixed-string PATTERN occurs in TEXT
    local text=$1; shift
    for p in "$@"; do [[ $text == *"$p"* ]] || fail "expected '$p' in: $text"; done
}
hasnt() { # hasnt TEXT PATTERN...: no fixed-string PATTERN occurs in TEXT
    local text=$1; shift
    for p in "$@"; do [[ $text != *"$p"* ]] || fail "did not expect '$p' in: $text"; done
}
LOGN=0
start_lsysd() {
    LOGN=$((LOGN + 1))
    LSYSD_LOG=info lsysd --state-dir "$ST" --socket "$SOCK" </dev/null 2>"/tmp/lsysd$LOGN.log" &
    LSYSD=$!
    for _ in $(seq 200); do [[ -S $SOCK ]] && lsys -c "show version" >/dev/null 2>&1 && return; sleep 0.05; done
    fail "lsysd did not start"
}
stop_lsysd() { kill "$LSYSD"; wait "$LSYSD" 2>/dev/null || true; rm -f "$SOCK"; }
op() { lsys -c "$1" 2>&1; }
# The host image may lack iputils' ping: busybox's then.
if command -v ping >/dev/null; then PING=(ping); else PING=(busybox ping); fi
tenant() { setpriv --reuid "$TENANT" --regid "$(id -g "$TENANT")" --clear-groups lsys -c "$1" 2>&1; }
