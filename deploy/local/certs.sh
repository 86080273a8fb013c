#!/usr/bin/env bash
# A local certificate authority and certificates for gRPC over TLS (make run, tests), made with
# openssl. Production certificates come from the operator's own CA (docs/security.md).
#   certs.sh ca DIR                  DIR/ca.pem and DIR/ca.key, unless they exist
#   certs.sh issue DIR NAME [OUT]    OUT/NAME.pem and OUT/NAME.key (OUT defaults to DIR), signed
#                                    by DIR's CA, with a fresh random serial each time: a second
#                                    issue is a rotated certificate
#   certs.sh all DIR NAME...         the CA and, for every NAME without one, a certificate
# Every certificate names localhost, 127.0.0.1 and NAME, and serves both as a server
# certificate and as a client certificate (mutual TLS between services, or a person's tools).
# Keys are ECDSA P-256, readable by the owner only.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"

usage() { die "usage: certs.sh ca DIR | issue DIR NAME [OUT] | all DIR NAME..."; }
command -v openssl >/dev/null || die "openssl is not installed (run: make deps)"
[[ $# -ge 2 ]] || usage

make_ca() {
  local dir=$1
  mkdir -p "$dir"
  [[ -s $dir/ca.pem && -s $dir/ca.key ]] && return 0
  (umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key")
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 -subj "/CN=ipraktik local CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca.pem" 2>/dev/null
}

# Writes into OUT under temporary names and renames at the end, so that a service watching
# the files never reads half of a certificate.
issue() {
  local dir=$1 name=$2 out=${3:-$1}
  [[ $name =~ ^[a-z0-9][a-z0-9.-]*$ ]] || die "certs: '$name' is not a plain host-like name"
  [[ -s $dir/ca.pem ]] || die "certs: no CA in $dir (run: certs.sh ca $dir)"
  mkdir -p "$out"
  local work
  work=$(mktemp -d "$out/.issue.XXXXXX")
  (umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$work/key")
  cat >"$work/ext" <<EXT
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, DNS:$name
EXT
  openssl req -new -key "$work/key" -subj "/CN=$name" -out "$work/csr" 2>/dev/null
  openssl x509 -req -in "$work/csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 365 -sha256 -extfile "$work/ext" \
    -out "$work/pem" 2>/dev/null
  mv "$work/key" "$out/$name.key"
  mv "$work/pem" "$out/$name.pem"
  rm -rf "$work"
}

command=$1
shift
case $command in
ca)
  [[ $# -eq 1 ]] || usage
  make_ca "$1"
  ;;
issue)
  [[ $# -eq 2 || $# -eq 3 ]] || usage
  issue "$@"
  ;;
all)
  dir=$1
  shift
  make_ca "$dir"
  for name in "$@"; do
    [[ -s $dir/$name.pem && -s $dir/$name.key ]] || issue "$dir" "$name"
  done
  ;;
*) usage ;;
esac
