#!/usr/bin/env bash
# make bench-curve: the cost as data grows, measured side by side. Seeds two stores through the
# core library (SMALL and LARGE messages, default 10,000 and 1,000,000: 100 per ticket, 2 tickets
# per subject), starts a release server on each (both on the server core; the one not under load
# is idle), and measures W1 (post), W2 (read 50) and W4 (the advisor's ticket list, 50) against
# both in alternation, ROUNDS times (small first in odd rounds, large first in even ones). Prints
# every run and the medians with the large store's difference to the small one.
#
# A run against one store and a run against the other minutes later can differ by 15-25% on a
# shared machine with nothing changed (docs/benchmarks.md, "Cost as data grows"); alternating
# and taking medians compares the two stores under the same conditions.
# Usage: bench/curve.sh BIN_DIR   (BIN_DIR holds release postbox-server and postbox-bench)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:?usage: bench/curve.sh BIN_DIR}
source "$ROOT/bench/lib.sh"   # the wrk settings; log, stop_all, wait_listening, proc_ticks, rss_mib, run_wrk
ROUNDS=${ROUNDS:-3}
SMALL=${SMALL:-10000}
LARGE=${LARGE:-1000000}
export MSG_BYTES=${MSG_BYTES:-1000}
export THREAD_MESSAGES=${THREAD_MESSAGES:-520}
READ_LIMIT=${READ_LIMIT:-50}
WORK=$(mktemp -d /tmp/postbox-curve.XXXXXX)
PIDS=()

trap 'stop_all; rm -rf "$WORK"' EXIT

# start_store NAME MESSAGES PORT: a seeded store with its server and the bench's tickets;
# leaves NAME's pid, token and tickets in $WORK/NAME.env
start_store() {
  local name=$1 messages=$2 port=$3 data=$WORK/$1/data pid
  mkdir -p "$WORK/$name"
  "$BIN/postbox-server" init --data-dir "$data" --json > "$WORK/$name/init.json"
  log "$name: seeding $messages messages through the core library"
  taskset -c "$SERVER_CPU" "$BIN/postbox-bench" --seed-data-dir "$data" --seed-messages "$messages" >&2
  # The page cache is off (unless asked for): W2 reads the same page over and over, which a
  # cache answers without touching the messages; here every read goes to the store.
  POSTBOX_PAGE_CACHE_MB=${POSTBOX_PAGE_CACHE_MB:-0} POSTBOX_ENTRIES_PER_MINUTE=0 taskset -c "$SERVER_CPU" "$BIN/postbox-server" serve --data-dir "$data" \
    --host 127.0.0.1 --port "$port" > "$WORK/$name/server.log" 2>&1 &
  pid=$!; PIDS+=("$pid")
  wait_listening "$port"
  log "$name: bootstrap (advisor, two tickets, $THREAD_MESSAGES messages in the W2 thread)"
  { echo "PID=$pid PORT=$port"; PEER_PORT=$port python3 "$ROOT/bench/bootstrap.py" "$WORK/$name/init.json"; } \
    > "$WORK/$name.env"
}

# measure NAME WORKLOAD -> "rps p99"
measure() {
  local name=$1 workload=$2 PID PORT TOKEN TICKET_W1 TICKET_W2 lua
  eval "$(cat "$WORK/$name.env")"
  export AUTH_HEADER="Bearer $TOKEN" CONTENT_TYPE=application/json POST_METHOD=POST
  export POST_PATH="/v1/tickets/$TICKET_W1/messages" BODY_TEMPLATE='{"body":"{txn} {text}"}'
  case $workload in
    W1) lua=post.lua ;;
    W2) lua=read.lua; export READ_PATH="/v1/tickets/$TICKET_W2/messages?limit=$READ_LIMIT" ;;
    W4) lua=read.lua; export READ_PATH="/v1/tickets?limit=$READ_LIMIT" ;;
  esac
  local rps p50 p99 errors cpu
  read -r rps p50 p99 errors cpu <<< "$(run_wrk "$workload-$name" "$ROOT/bench/lua/$lua" "$PID" "https://127.0.0.1:$PORT")"
  [ "$errors" = 0 ] || log "$workload-$name: $errors errors"
  echo "$rps $p99"
}

start_store small "$SMALL" 18451
start_store large "$LARGE" 18452

declare -A RPS P99
for round in $(seq 1 "$ROUNDS"); do
  for workload in W1 W2 W4; do
    if [ $((round % 2)) = 1 ]; then order="small large"; else order="large small"; fi
    for name in $order; do
      read -r rps p99 <<< "$(measure "$name" "$workload")"
      RPS[$workload-$name]="${RPS[$workload-$name]:-} $rps"
      P99[$workload-$name]="${P99[$workload-$name]:-} $p99"
      printf '%s round %s %-5s %10s req/s  p99 %s ms\n' "$workload" "$round" "$name" "$rps" "$p99"
    done
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
count() { sqlite3 "$WORK/$1/data/postbox.sqlite" "SELECT COUNT(*) FROM messages" 2>/dev/null || echo "?"; }
echo
echo "| workload (median of $ROUNDS alternating runs) | $SMALL seeded (req/s, p99 ms) | $LARGE seeded (req/s, p99 ms) | large vs small |"
echo "|---|---|---|---|"
for workload in W1 W2 W4; do
  s=$(echo "${RPS[$workload-small]}" | median); l=$(echo "${RPS[$workload-large]}" | median)
  sp=$(echo "${P99[$workload-small]}" | median); lp=$(echo "${P99[$workload-large]}" | median)
  echo "| $workload | $s ($sp) | $l ($lp) | $(awk -v s="$s" -v l="$l" 'BEGIN{printf "%+.1f%%", (l - s) * 100 / s}') |"
done
echo
echo "stores at the end: $(count small) and $(count large) messages; commit $(git -C "$ROOT" rev-parse --short HEAD);" \
  "wrk -t1 -c$CONNS, warm-up $WARMUP, measured $DURATION, wrk on cpu $LOADGEN_CPU, servers on cpu $SERVER_CPU"
