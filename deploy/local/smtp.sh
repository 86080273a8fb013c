#!/usr/bin/env bash
# A private SMTP sink on loopback that keeps every message it receives as one file in a Maildir
# (DIR/mail/new/), where a test or a person can read it.
#   smtp.sh start DIR PORT [--tls]   with --tls, STARTTLS is offered and required (self-signed)
#   smtp.sh stop DIR
#   smtp.sh kill DIR                 stop at once (SIGKILL), for crash tests
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"

usage() { die "usage: smtp.sh start DIR PORT [--tls] | stop DIR | kill DIR"; }
[[ $# -ge 2 ]] || usage
command=$1
dir=$(instance_dir "$command" "$2") || exit 0
[[ -n $dir ]] || exit 0
pidfile=$dir/smtp.pid
# Debian's aiosmtpd is installed for the system interpreter; another python3 may be first on PATH.
python=/usr/bin/python3

smtp_answers() {
  exec 3<>"/dev/tcp/127.0.0.1/$1" && read -r -t 2 greeting <&3 && [[ $greeting == 220* ]]
}

case $command in
start)
  [[ $# -ge 3 ]] || usage
  port=$3
  $python -c 'import aiosmtpd' 2>/dev/null || die "aiosmtpd is not installed (run: make deps)"
  if pid_alive "$pidfile"; then
    echo "smtp already running in $dir (pid $(cat "$pidfile"))"
    exit 0
  fi
  port_is_free "$port" || die "smtp: port $port on 127.0.0.1 is taken by another process"
  mkdir -p "$dir/mail/tmp" "$dir/mail/new" "$dir/mail/cur"
  tls=()
  if [[ ${4:-} == --tls ]]; then
    if [[ ! -f $dir/cert.pem ]]; then
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null || die "smtp: openssl failed"
    fi
    tls=(--tlscert "$dir/cert.pem" --tlskey "$dir/key.pem")
  fi
  setsid $python -m aiosmtpd -n -l "127.0.0.1:$port" "${tls[@]}" \
    -c aiosmtpd.handlers.Mailbox "$dir/mail" >"$dir/smtp.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  if ! wait_until 10 "smtp greeting" smtp_answers "$port"; then
    cat "$dir/smtp.log" >&2 || true
    die "smtp on port $port did not greet within 10 s; see $dir/smtp.log"
  fi
  watch_owner "$here/smtp.sh" "$dir"
  echo "smtp ready on 127.0.0.1:$port (messages in $dir/mail/new)"
  ;;
stop) stop_pid "$pidfile" TERM 5 ;;
kill) stop_pid "$pidfile" KILL 5 ;;
*) usage ;;
esac
