#!/usr/bin/env bash
# make bench: W1 (post) and W2 (read 50) over TLS against a release Postbox on a fresh data
# directory and against the stack ceiling (postbox-ceiling, same TLS, same response sizes, no
# application work), with the wrk settings of ../shared/bench (1 thread, 32 connections, 5 s
# warm-up, 20 s measured, wrk on cpu 0, server on cpu 1); then W3 export, C1 classifier and K1
# crypto in-process (postbox-bench). Prints one table and writes docs/benchmarks.md.
# Usage: bench/run.sh BIN_DIR   (BIN_DIR holds release postbox-server, postbox-ceiling, postbox-bench)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:?usage: bench/run.sh BIN_DIR}
source "$ROOT/bench/lib.sh"   # the wrk settings; log, stop_all, wait_listening, proc_ticks, rss_mib, run_wrk
export MSG_BYTES=${MSG_BYTES:-1000}
export THREAD_MESSAGES=${THREAD_MESSAGES:-520}
READ_LIMIT=${READ_LIMIT:-50}
export PEER_PORT=${BENCH_PORT:-18443}
CEILING_PORT=${CEILING_PORT:-18444}
CORPUS=${CORPUS:-$ROOT/../shared/corpus/special-category.dev.jsonl}
OUT=${BENCH_OUT:-$ROOT/docs/benchmarks.md}
WORK=$(mktemp -d /tmp/postbox-bench.XXXXXX)
PIDS=()

trap 'stop_all; rm -rf "$WORK"' EXIT

# --- Postbox ---------------------------------------------------------------------------
DATA=$WORK/data
"$BIN/postbox-server" init --data-dir "$DATA" --json > "$WORK/init.json"
SEED_MESSAGES=${SEED_MESSAGES:-0}   # > 0: fill the store first (cost as data grows)
if [ "$SEED_MESSAGES" -gt 0 ]; then
  log "seeding $SEED_MESSAGES messages through the core library"
  taskset -c "$SERVER_CPU" "$BIN/postbox-bench" --seed-data-dir "$DATA" --seed-messages "$SEED_MESSAGES" >&2
fi
# One account posts as fast as it can: its per-account write limit is off, as Synapse's is for its run.
POSTBOX_ENTRIES_PER_MINUTE=0 taskset -c "$SERVER_CPU" "$BIN/postbox-server" serve --data-dir "$DATA" --host 127.0.0.1 --port "$PEER_PORT" \
  > "$WORK/server.log" 2>&1 &
PIDS+=("$!"); SERVER_PID=$!
wait_listening "$PEER_PORT"
log "bootstrap (advisor, two tickets, $THREAD_MESSAGES messages in the W2 thread)"
eval "$(python3 "$ROOT/bench/bootstrap.py" "$WORK/init.json")"
export AUTH_HEADER="Bearer $TOKEN"
export POST_METHOD=POST POST_PATH="/v1/tickets/$TICKET_W1/messages" BODY_TEMPLATE='{"body":"{txn} {text}"}'
export CONTENT_TYPE=application/json
export READ_PATH="/v1/tickets/$TICKET_W2/messages?limit=$READ_LIMIT"
BASE="https://127.0.0.1:$PEER_PORT"
CA=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["caFile"])' "$WORK/init.json")
text=$(python3 -c "import sys; w='lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '; n=int(sys.argv[1]); print((w*(n//len(w)+1))[:n])" "$MSG_BYTES")
POST_BYTES=$(curl -s --cacert "$CA" --resolve "localhost:$PEER_PORT:127.0.0.1" -o /dev/null -w '%{size_download}' \
  -H "Authorization: $AUTH_HEADER" -H 'Content-Type: application/json' -d "{\"body\":\"size $text\"}" \
  "https://localhost:$PEER_PORT$POST_PATH")
READ_BYTES=$(curl -s --cacert "$CA" --resolve "localhost:$PEER_PORT:127.0.0.1" -o /dev/null -w '%{size_download}' \
  -H "Authorization: $AUTH_HEADER" "https://localhost:$PEER_PORT$READ_PATH")

read -r w1_rps w1_p50 w1_p99 w1_err w1_cpu <<< "$(run_wrk W1-postbox "$ROOT/bench/lua/post.lua" "$SERVER_PID" "$BASE")"
w1_rss=$(rss_mib "$SERVER_PID" VmRSS)
read -r w2_rps w2_p50 w2_p99 w2_err w2_cpu <<< "$(run_wrk W2-postbox "$ROOT/bench/lua/read.lua" "$SERVER_PID" "$BASE")"
w2_rss=$(rss_mib "$SERVER_PID" VmHWM)
export READ_PATH="/v1/tickets?limit=$READ_LIMIT"
read -r w4_rps w4_p50 w4_p99 w4_err w4_cpu <<< "$(run_wrk W4-postbox "$ROOT/bench/lua/read.lua" "$SERVER_PID" "$BASE")"
messages_total=$(sqlite3 "$DATA/postbox.sqlite" "SELECT COUNT(*) FROM messages" 2>/dev/null || echo "?")
stored=$(sqlite3 "$DATA/postbox.sqlite" "SELECT COUNT(*) FROM messages WHERE ticket_id = '$TICKET_W1'" 2>/dev/null || echo "?")
stop_all
if [ "${POSTBOX_ONLY:-0}" = 1 ]; then   # the cost-as-data-grows runs: Postbox workloads only
  echo "| store: $messages_total messages | W1 $w1_rps req/s (p99 $w1_p99 ms) | W2 $w2_rps req/s (p99 $w2_p99 ms) | W4 list $w4_rps req/s (p99 $w4_p99 ms) |"
  exit 0
fi

# W2 again with the page cache off: every read decrypts and writes its 50 messages (W2 above reads
# the same page over and over, which the server answers from memory while the thread is unchanged).
POSTBOX_PAGE_CACHE_MB=0 POSTBOX_ENTRIES_PER_MINUTE=0 taskset -c "$SERVER_CPU" "$BIN/postbox-server" serve --data-dir "$DATA" \
  --host 127.0.0.1 --port "$PEER_PORT" > "$WORK/server-uncached.log" 2>&1 &
PIDS+=("$!"); SERVER_PID=$!
wait_listening "$PEER_PORT"
export READ_PATH="/v1/tickets/$TICKET_W2/messages?limit=$READ_LIMIT"
read -r w2u_rps w2u_p50 w2u_p99 w2u_err w2u_cpu <<< "$(run_wrk W2-postbox-uncached "$ROOT/bench/lua/read.lua" "$SERVER_PID" "$BASE")"
stop_all

# --- Ceiling ---------------------------------------------------------------------------
taskset -c "$SERVER_CPU" "$BIN/postbox-ceiling" "$DATA/tls/server.pem" "$DATA/tls/server-key.pem" "$CEILING_PORT" \
  "$POST_BYTES" "$READ_BYTES" > "$WORK/ceiling.log" 2>&1 &
PIDS+=("$!"); CEILING_PID=$!
wait_listening "$CEILING_PORT"
CBASE="https://127.0.0.1:$CEILING_PORT"
read -r c1_rps c1_p50 c1_p99 c1_err c1_cpu <<< "$(run_wrk W1-ceiling "$ROOT/bench/lua/post.lua" "$CEILING_PID" "$CBASE")"
read -r c2_rps c2_p50 c2_p99 c2_err c2_cpu <<< "$(run_wrk W2-ceiling "$ROOT/bench/lua/read.lua" "$CEILING_PID" "$CBASE")"
c_rss=$(rss_mib "$CEILING_PID" VmHWM)
stop_all

# --- In-process: W3 export, C1, K1 ----------------------------------------------------
log "W3/C1/K1 (postbox-bench on cpu $SERVER_CPU)"
taskset -c "$SERVER_CPU" "$BIN/postbox-bench" --json --corpus "$CORPUS" \
  --corpus "$ROOT/Tests/PostboxTests/Resources/classifier-synthetic-1.jsonl" \
  --corpus "$ROOT/Tests/PostboxTests/Resources/classifier-synthetic-2.jsonl" \
  --corpus "$ROOT/Tests/PostboxTests/Resources/classifier-synthetic-3.jsonl" > "$WORK/core.json"
core() { python3 -c 'import json,sys; r={x["name"]: x["value"] for x in json.load(open(sys.argv[1]))}; v=[r[k] for k in r if k.startswith(sys.argv[2])]; print("%.3g" % v[0] if v else "?")' "$WORK/core.json" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.0f%%", (b > 0 ? 100 * a / b : 0)}'; }

table=$(cat <<TABLE
| workload | requests/s | p50 ms | p99 ms | errors | server CPU % | peak RSS MiB | vs ceiling |
|---|---|---|---|---|---|---|---|
| W1 post 1 KiB (Postbox, synchronous=FULL) | $w1_rps | $w1_p50 | $w1_p99 | $w1_err | $w1_cpu | $w1_rss | $(ratio "$w1_rps" "$c1_rps") |
| W2 read 50 of $THREAD_MESSAGES (Postbox) | $w2_rps | $w2_p50 | $w2_p99 | $w2_err | $w2_cpu | $w2_rss | $(ratio "$w2_rps" "$c2_rps") |
| W2 read 50, page cache off (every read decrypts and writes) | $w2u_rps | $w2u_p50 | $w2u_p99 | $w2u_err | $w2u_cpu | | $(ratio "$w2u_rps" "$c2_rps") |
| W4 list 50 tickets (Postbox) | $w4_rps | $w4_p50 | $w4_p99 | $w4_err | $w4_cpu | | |
| W1 ceiling (Hummingbird TLS, $POST_BYTES B answer) | $c1_rps | $c1_p50 | $c1_p99 | $c1_err | $c1_cpu | $c_rss | 100% |
| W2 ceiling (Hummingbird TLS, $READ_BYTES B answer) | $c2_rps | $c2_p50 | $c2_p99 | $c2_err | $c2_cpu | $c_rss | 100% |
| W3 export 10,000 messages (JSON, in-process): seconds | $(core 'E1 export 10000') s | | | | | +$(core 'E1 export memory') MB while exporting | |
| C1 classify 1 KiB messages (1 core) | $(core 'C1 classify throughput') MB/s | $(core 'C1 classify 1 KiB p50') µs | $(core 'C1 classify 1 KiB p99') µs | | | | |
| K1 field encrypt+decrypt 1 KiB / data-key unwrap (1 core) | $(core 'K1 field') / $(core 'K1 data-key') ops/s | | | | | | |
TABLE
)
facts="machine: $(nproc) x $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(uname -sr)
commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' (with local changes)'); date: $(date -u +%Y-%m-%dT%H:%M:%SZ)
load: wrk $(wrk --version 2>&1 | awk '{print $2; exit}' || true) -t1 -c$CONNS, warm-up $WARMUP, measured $DURATION, wrk on cpu $LOADGEN_CPU, server on cpu $SERVER_CPU; W1 thread holds $stored messages afterwards"
echo
echo "$table"
echo
echo "$facts"
python3 - "$OUT" "$table" "$facts" <<'PY'
import sys, re
path, table, facts = sys.argv[1:4]
try:
    doc = open(path).read()
except FileNotFoundError:
    doc = "# Benchmarks\n\n<!-- make bench -->\n<!-- /make bench -->\n"
block = "<!-- make bench -->\n" + table + "\n\n```\n" + facts + "\n```\n<!-- /make bench -->"
doc = re.sub(r"<!-- make bench -->.*?<!-- /make bench -->", lambda m: block, doc, flags=re.S)
open(path, "w").write(doc)
PY
log "wrote $OUT"
