#!/usr/bin/env bash
# `make run`: initialises the data directory on first use, then serves on https://localhost:8443.
set -euo pipefail

bin="$1"
data_dir="$2"
port="${POSTBOX_PORT:-8443}"

if [ ! -f "$data_dir/postbox.json" ]; then
  init_json=$("$bin" init --data-dir "$data_dir" --json)
  login=$(printf '%s' "$init_json" | sed -E 's/.*"adminLogin":"([^"]*)".*/\1/')
  code=$(printf '%s' "$init_json" | sed -E 's/.*"activationCode":"([^"]*)".*/\1/')
  ca=$(printf '%s' "$init_json" | sed -E 's/.*"caFile":"([^"]*)".*/\1/' | sed 's#\\/#/#g')
  cat <<MSG

Postbox data directory created: $data_dir
  First admin login:     $login
  One-time activation:   $code   (shown only now; valid 14 days)

Activate the admin (choose a password of at least 12 characters):
  curl --cacert $ca https://localhost:$port/v1/activate \\
       -H 'Content-Type: application/json' \\
       -d '{"login":"$login","activationCode":"$code","password":"<your password>"}'
MSG
else
  ca="$data_dir/tls/ca.pem"
  echo "Using existing data directory $data_dir (the admin's activation code was printed when it was created)."
fi

cat <<MSG

Postbox is starting on https://localhost:$port
  CA certificate to trust: $ca
  Try:                     curl --cacert $ca https://localhost:$port/health
  Stop with Ctrl-C (graceful shutdown).

MSG
exec "$bin" serve --data-dir "$data_dir" --port "$port"
