#!/usr/bin/env bash
# make bench-peers: Matrix Synapse (SQLite) from PyPI in a venv outside the repository, set up
# and measured by ../shared/bench (same wrk scripts and settings), then Postbox by bench/run.sh
# in the same sitting; prints W1/W2 requests/s of both and the ratios. Never part of make test.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SHARED_BENCH:-$ROOT/../shared/bench}
BIN=${1:?usage: bench/peers.sh BIN_DIR}
export PEERS_ROOT=${PEERS_ROOT:-/opt/peers}
[ -x "$PEERS_ROOT/synapse-venv/bin/python" ] || WITH_POSTGRES=0 "$SHARED/synapse/install.sh"
synapse=$("$SHARED/run-W1-W2.sh" synapse | tee >(cat >&2))
postbox=$(BENCH_OUT=${BENCH_OUT:-$ROOT/docs/benchmarks.md} "$ROOT/bench/run.sh" "$BIN" | tee >(cat >&2))
rps() { echo "$1" | awk -v k="$2" '$1 == k {for (i = 2; i <= NF; i++) if ($i ~ /^rps=/) {sub("rps=", "", $i); print $i}}'; }
row() { echo "$1" | awk -F'|' -v k="$2" 'index($2, k) {gsub(/ /, "", $3); print $3; exit}'; }
s1=$(rps "$synapse" W1-post); s2=$(rps "$synapse" W2-read)
p1=$(row "$postbox" "W1 post"); p2=$(row "$postbox" "W2 read"); p2u=$(row "$postbox" "W2 read 50, page cache off")
printf '\n| workload | Synapse req/s | Postbox req/s | ratio |\n|---|---|---|---|\n'
printf '| W1 post | %s | %s | %s |\n' "$s1" "$p1" "$(awk -v a="$p1" -v b="$s1" 'BEGIN{printf "%.1fx", (b > 0 ? a / b : 0)}')"
printf '| W2 read 50 | %s | %s | %s |\n' "$s2" "$p2" "$(awk -v a="$p2" -v b="$s2" 'BEGIN{printf "%.1fx", (b > 0 ? a / b : 0)}')"
printf '| W2 read 50, page cache off | %s | %s | %s |\n' "$s2" "$p2u" "$(awk -v a="$p2u" -v b="$s2" 'BEGIN{printf "%.1fx", (b > 0 ? a / b : 0)}')"
