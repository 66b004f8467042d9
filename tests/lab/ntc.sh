#!/usr/bin/env bash
# tests/lab/ntc.sh SEED_CONF TENANT_USER COMMAND...: the seed Cloud Router with both clouds up
# (seed-bgp.sh), then each COMMAND run by the tenant: its output in $LSYS_LAB_SCRATCH/N.out,
# its errors in N.err and its exit status in N.rc (N counting from 1 in the order given), for
# the host to parse with ntc-templates (tests/tests/ntc_templates.rs). Ends with NTC-OK.
set -euo pipefail
LAB=$(cd "$(dirname "$0")" && pwd)
. "$LAB/lib.sh"
CONF=$1
TENANT=$2
shift 2
. "$LAB/seed-bgp.sh"

step "the tenant runs the $# commands"
n=0
for command in "$@"; do
    n=$((n + 1))
    rc=0
    setpriv --reuid "$TENANT" --regid "$(id -g "$TENANT")" --clear-groups \
        lsys -c "$command" >"$LSYS_LAB_SCRATCH/$n.out" 2>"$LSYS_LAB_SCRATCH/$n.err" || rc=$?
    echo "$rc" >"$LSYS_LAB_SCRATCH/$n.rc"
done
echo NTC-OK
