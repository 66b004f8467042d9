#!/bin/bash
# tests/lab/faults.sh SEED_CONF: the commit pipeline's injected failures (an error and a panic
# at every stage) against the real kernel: daemon/examples/lab-faults checks that the kernel,
# the running configuration, the candidate and the history are unchanged after each. Prints
# `figure: ...` lines and ends with FAULTS-OK.
set -euo pipefail
CONF=$(realpath -e "$1")
. "$(dirname "$(realpath "$0")")/seed-peers.sh"
"$(dirname "$(command -v lsysd)")/examples/lab-faults" "$CONF"
