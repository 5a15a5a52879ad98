#!/usr/bin/env bash
# A local test CA and a server certificate it signed, for trying https:// and wss:// on this
# machine (and for the TLS tests). Only needs the `openssl` command.
#   scripts/dev-cert.sh [DIR] [--rsa] [--host NAME]... [--days N]
# DIR (default ./dev-cert) gets:
#   ca.pem       the CA certificate: what a client is told to trust (curl --cacert, node's `ca`)
#   ca-key.pem   the CA's key (kept so that a second run issues from the same CA)
#   cert.pem     the server certificate, for localhost, 127.0.0.1, ::1 and every --host NAME
#   key.pem      its private key
# ECDSA P-256 by default, RSA-2048 with --rsa. The server certificate is valid for --days
# (default 30) and has a new random serial on every run. Running it again is safe: an existing
# CA in DIR is kept while it outlives the new certificate (so a browser or trust store that
# trusts it goes on trusting); delete DIR for a new CA. Files are replaced whole (written aside,
# then renamed), so a server reloading on SIGHUP never reads half a file.
set -euo pipefail

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
}

dir=./dev-cert
dir_given=false
key_type=ec
hosts=""
days=30
while [ $# -gt 0 ]; do
  case "$1" in
  --rsa) key_type=rsa ;;
  --host)
    [ $# -ge 2 ] || { echo "dev-cert: --host needs a name" >&2; exit 2; }
    # Goes into an openssl config file: host name characters only.
    case "$2" in
    '' | *[!A-Za-z0-9.-]* | .* | -*)
      echo "dev-cert: not a host name: '$2'" >&2
      exit 2
      ;;
    esac
    hosts="$hosts $2"
    shift
    ;;
  --days)
    [ $# -ge 2 ] || { echo "dev-cert: --days needs a number" >&2; exit 2; }
    case "$2" in
    '' | *[!0-9]* | 0)
      echo "dev-cert: --days needs a positive number, not '$2'" >&2
      exit 2
      ;;
    esac
    days=$2
    shift
    ;;
  -h | --help)
    usage
    exit 0
    ;;
  -*)
    echo "dev-cert: unknown option $1 (see --help)" >&2
    exit 2
    ;;
  *)
    if $dir_given; then
      echo "dev-cert: one directory only (got '$dir' and '$1')" >&2
      exit 2
    fi
    dir=$1
    dir_given=true
    ;;
  esac
  shift
done

command -v openssl >/dev/null 2>&1 || { echo "dev-cert: needs the openssl command" >&2; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/dev-cert.XXXXXX")
trap 'rm -rf "$work"' EXIT
umask 077 # the keys; the certificates are made readable below

new_key() { # $1: output file
  if [ "$key_type" = rsa ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
  else
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
      -pkeyopt ec_param_enc:named_curve -out "$1" 2>/dev/null
  fi
}

# 128 random bits, positive (first hex digit 1-7) and without a leading zero, so that every tool
# prints it the same way.
random_serial() {
  local hex
  hex=$(openssl rand -hex 16)
  printf '%s%s' "$(((16#${hex:0:1} % 7) + 1))" "${hex:1}" | tr 'a-f' 'A-F'
}

if [ "$key_type" = rsa ]; then
  leaf_usage="digitalSignature, keyEncipherment"
  algorithm="RSA-2048"
else
  leaf_usage="digitalSignature"
  algorithm="ECDSA P-256"
fi

{
  cat <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[ca_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, $leaf_usage
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = @alt
[alt]
DNS.1 = localhost
IP.1 = 127.0.0.1
IP.2 = ::1
EOF
  n=2
  for host in $hosts; do
    echo "DNS.$n = $host"
    n=$((n + 1))
  done
} >"$work/openssl.cnf"

# Keep the CA if it is whole (certificate and matching key) and outlives the new certificate.
ca_state=new
if [ -f "$dir/ca.pem" ] && [ -f "$dir/ca-key.pem" ] &&
  openssl x509 -in "$dir/ca.pem" -noout -checkend $((days * 86400 + 86400)) >/dev/null 2>&1 &&
  [ "$(openssl x509 -in "$dir/ca.pem" -noout -pubkey 2>/dev/null)" = \
    "$(openssl pkey -in "$dir/ca-key.pem" -pubout 2>/dev/null)" ]; then
  ca_state=kept
  cp "$dir/ca.pem" "$work/ca.pem"
  cp "$dir/ca-key.pem" "$work/ca-key.pem"
else
  new_key "$work/ca-key.pem"
  openssl req -x509 -new -config "$work/openssl.cnf" -extensions ca_ext -sha256 \
    -key "$work/ca-key.pem" -subj "/O=Switchboard development/CN=Switchboard dev CA $(random_serial | cut -c1-8)" \
    -set_serial "0x$(random_serial)" -days $((days * 3)) -out "$work/ca.pem"
fi

serial=$(random_serial)
new_key "$work/key.pem"
openssl req -new -config "$work/openssl.cnf" -key "$work/key.pem" \
  -subj "/O=Switchboard development/CN=localhost" -out "$work/cert.csr"
openssl x509 -req -in "$work/cert.csr" -CA "$work/ca.pem" -CAkey "$work/ca-key.pem" \
  -set_serial "0x$serial" -days "$days" -sha256 -extfile "$work/openssl.cnf" \
  -extensions leaf_ext -out "$work/cert.pem" 2>/dev/null
openssl verify -CAfile "$work/ca.pem" "$work/cert.pem" >/dev/null

chmod 644 "$work/ca.pem" "$work/cert.pem"
for file in ca-key.pem ca.pem key.pem cert.pem; do
  # Same file system as the target: the rename replaces it in one step.
  cp -p "$work/$file" "$dir/.$file.new"
  mv -f "$dir/.$file.new" "$dir/$file"
done

spki=$(openssl x509 -in "$dir/cert.pem" -noout -pubkey |
  openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl base64 -A)
until=$(openssl x509 -in "$dir/cert.pem" -noout -enddate | sed 's/^notAfter=//')

cat <<EOF
CA ($ca_state):  $dir/ca.pem
certificate: $dir/cert.pem
key:         $dir/key.pem
serial=$serial type="$algorithm" hosts="localhost 127.0.0.1 ::1${hosts}" not_after="$until"

Run the server with them (from the repository root), then open https://localhost:6503/:
  build/release/switchboard --web-root web --tls-cert $dir/cert.pem --tls-key $dir/key.pem

Clients that take a CA file: curl --cacert $dir/ca.pem https://localhost:6503/healthz
Chromium without trusting the CA (SPKI sha256 of this certificate; needs a --user-data-dir):
  --ignore-certificate-errors-spki-list=$spki
EOF
