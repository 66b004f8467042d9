#!/usr/bin/env bash
# tests/lab/bgp-vrf.sh: TCP MD5 keys scoped to VRFs on a real VRF kernel. Two VRFs hold the same
# peer address with different keys; listeners on :179 in the main table and in both VRFs coexist;
# each peer reaches only its own VRF's listener and only with its own key; a key added to a
# running listener applies; outgoing connects sign with their VRF's key. Ends with VRF-MD5-OK.
set -euo pipefail
bgp-vrf-probe check
