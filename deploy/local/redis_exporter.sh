#!/usr/bin/env bash
# Debian's prometheus-redis-exporter on loopback under DIR: Redis's own figures (memory, the
# append-only file's last write, evictions) for Prometheus, which the services cannot report.
#   redis_exporter.sh start DIR PORT REDIS_HOST:PORT [PASSWORD_FILE]
#                                 start and wait until it serves /metrics; with PASSWORD_FILE it
#                                 logs in as Redis's ACL user "exporter" (redis.sh users)
#   redis_exporter.sh stop DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"

usage() { die "usage: redis_exporter.sh start DIR PORT REDIS_HOST:PORT [PASSWORD_FILE] | stop DIR"; }
[[ $# -ge 2 ]] || usage
command=$1
dir=$(instance_dir "$command" "$2") || exit 0
[[ -n $dir ]] || exit 0
pidfile=$dir/redis_exporter.pid

case $command in
start)
  [[ $# -eq 4 || $# -eq 5 ]] || usage
  port=$3 redis=$4
  # The password goes in the environment (the exporter's REDIS_PASSWORD), not on the command line
  # where ps shows it; its -redis.password-file wants a JSON map, not a password.
  login=()
  [[ $# -eq 5 ]] && login=(env REDIS_USER=exporter "REDIS_PASSWORD=$(cat "$5")")
  command -v prometheus-redis-exporter >/dev/null ||
    die "prometheus-redis-exporter is not installed (run: make deps)"
  if pid_alive "$pidfile"; then
    echo "redis exporter already running in $dir (pid $(cat "$pidfile"))"
    exit 0
  fi
  port_is_free "$port" || die "redis exporter: port $port on 127.0.0.1 is taken by another process"
  setsid "${login[@]}" prometheus-redis-exporter -redis.addr "redis://$redis" \
    -web.listen-address "127.0.0.1:$port" >"$dir/redis_exporter.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  wait_until 20 "redis exporter" curl -sf "http://127.0.0.1:$port/metrics" ||
    die "redis exporter on port $port did not answer within 20 s; see $dir/redis_exporter.log"
  watch_owner "$here/redis_exporter.sh" "$dir"
  echo "redis exporter ready on http://127.0.0.1:$port/metrics"
  ;;
stop) stop_pid "$pidfile" TERM 10 ;;
*) usage ;;
esac
