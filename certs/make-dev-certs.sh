#!/usr/bin/env bash
# Makes a development CA, a server certificate (localhost, 127.0.0.1, ::1) and a client
# certificate (for mutual TLS of staff clients) with openssl, like `postbox-server init` does.
# Usage: certs/make-dev-certs.sh OUTDIR
# Private keys are written with mode 0600 and must never be committed.
set -euo pipefail

out="${1:?usage: $0 OUTDIR}"
mkdir -p "$out"
cd "$out"
umask 077

ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

ec ca-key.pem
openssl req -x509 -new -key ca-key.pem -sha256 -days 1825 -subj "/O=Postbox/CN=Postbox Development CA" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" -out ca.pem

ec server-key.pem
openssl req -new -key server-key.pem -subj "/O=Postbox/CN=localhost" -out server.csr
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 365 -sha256 -out server.pem \
  -extfile <(printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid")

ec client-key.pem
openssl req -new -key client-key.pem -subj "/O=Postbox/CN=postbox-staff-client" -out client.csr
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 365 -sha256 -out client.pem \
  -extfile <(printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=clientAuth" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid")

rm -f server.csr client.csr ca.srl
chmod 644 ca.pem server.pem client.pem
openssl verify -CAfile ca.pem server.pem client.pem
echo "Wrote $out: ca.pem, server.pem + server-key.pem, client.pem + client-key.pem"
