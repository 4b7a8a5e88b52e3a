#!/usr/bin/env bash
# bench/zip-export.sh BIN_DIR [PORT]: the zip export of a subject with 40 photos of ~3.6 MB
# (docs/benchmarks.md, "The zip export with attachments"). Needs cjpeg (libjpeg-turbo-progs).
set -euo pipefail
BIN=$1 PORT=${2:-9632}
W=$(mktemp -d /tmp/postbox-zip-bench.XXXXXX)
trap 'kill $PID 2>/dev/null || true; rm -rf "$W"' EXIT
python3 -c "import os; open('$W/noise.ppm','wb').write(b'P6 2400 1300 255\n' + os.urandom(2400 * 1300 * 3))"
cjpeg -quality 95 "$W/noise.ppm" > "$W/noise.jpg"
"$BIN/postbox-server" init --data-dir "$W/data" --json > "$W/init.json"
POSTBOX_ENTRIES_PER_MINUTE=0 taskset -c 1 "$BIN/postbox-server" serve --data-dir "$W/data" --host 127.0.0.1 --port "$PORT" > "$W/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -sk -o /dev/null --max-time 2 "https://127.0.0.1:$PORT/health" && break; sleep 0.2; done
PEER_PORT=$PORT SERVER_PID=$PID python3 "$(dirname "$0")/zip_export.py" "$W/init.json" "$W/noise.jpg" 2 20
