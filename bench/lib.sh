# Settings and helpers shared by bench/run.sh and bench/curve.sh (sourced). The helpers use
# the caller's WORK and PIDS.

# The wrk settings of ../shared/bench: 1 thread, 32 connections, 5 s warm-up, 20 s measured,
# wrk on cpu 0, the server on cpu 1.
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
CONNS=${CONNS:-32}
WARMUP=${WARMUP:-5s}
DURATION=${DURATION:-20s}
WRK_TIMEOUT=${WRK_TIMEOUT:-30s}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

wait_listening() { # PORT
  for _ in $(seq 1 300); do
    curl -sk -o /dev/null --max-time 2 "https://127.0.0.1:$1/" && return 0
    sleep 0.2
  done
  log "nothing listens on $1"; return 1
}

proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }          # utime + stime
rss_mib() { awk -v k="$2" '$1 == k":" {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# run_wrk LABEL LUA PID BASE_URL -> "rps p50 p99 errors cpu_pct"
run_wrk() {
  local label=$1 lua=$2 pid=$3 url=$4 hz t0 t1 w0 w1 line
  hz=$(getconf CLK_TCK)
  log "$label: warm-up $WARMUP"
  RUN_TAG="w$(date +%s%N)" taskset -c "$LOADGEN_CPU" wrk -t1 -c"$CONNS" -d"$WARMUP" --timeout "$WRK_TIMEOUT" \
    -s "$lua" "$url" > "$WORK/$label-warmup.txt" 2>&1 || true
  sleep 2
  log "$label: measured $DURATION"
  t0=$(proc_ticks "$pid"); w0=$(date +%s%N)
  RUN_TAG="m$(date +%s%N)" taskset -c "$LOADGEN_CPU" wrk -t1 -c"$CONNS" -d"$DURATION" --timeout "$WRK_TIMEOUT" \
    --latency -s "$lua" "$url" > "$WORK/$label.txt" 2>&1 || true
  t1=$(proc_ticks "$pid"); w1=$(date +%s%N)
  line=$(grep '^RESULT' "$WORK/$label.txt" || echo "RESULT rps=0 p50_ms=0 p99_ms=0 errors=-1")
  local get; get() { echo "$line" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
  echo "$(get rps) $(get p50_ms) $(get p99_ms) $(get errors) $(awk -v d=$((t1 - t0)) -v hz="$hz" -v ns=$((w1 - w0)) 'BEGIN{printf "%.0f", 100*d/hz/(ns/1e9)}')"
}

