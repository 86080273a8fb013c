#!/usr/bin/env bash
# A private redis-server on loopback, with append-only persistence, under DIR.
#   redis.sh start DIR PORT    start and wait until it answers PING
#   redis.sh stop DIR          stop (SIGTERM, so the AOF is flushed)
#   redis.sh kill DIR          stop at once (SIGKILL), for crash tests
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"

usage() { die "usage: redis.sh start DIR PORT | stop DIR | kill DIR"; }
[[ $# -ge 2 ]] || usage
command=$1
dir=$(instance_dir "$command" "$2") || exit 0
[[ -n $dir ]] || exit 0
pidfile=$dir/redis.pid

case $command in
start)
  [[ $# -eq 3 ]] || usage
  port=$3
  command -v redis-server >/dev/null || die "redis-server is not installed (run: make deps)"
  if pid_alive "$pidfile"; then
    echo "redis already running in $dir (pid $(cat "$pidfile"))"
    exit 0
  fi
  port_is_free "$port" || die "redis: port $port on 127.0.0.1 is taken by another process"
  mkdir -p "$dir/data"
  cat >"$dir/redis.conf" <<CONF
bind 127.0.0.1
port $port
protected-mode yes
daemonize yes
pidfile $pidfile
logfile $dir/redis.log
dir $dir/data
appendonly yes
appendfsync everysec
save ""
CONF
  redis-server "$dir/redis.conf" || die "redis-server failed to start; see $dir/redis.log"
  wait_until 10 "redis PING" redis-cli -p "$port" ping ||
    die "redis on port $port did not answer PING within 10 s; see $dir/redis.log"
  watch_owner "$here/redis.sh" "$dir"
  echo "redis ready on 127.0.0.1:$port (data in $dir/data)"
  ;;
stop) stop_pid "$pidfile" TERM 10 ;;
kill) stop_pid "$pidfile" KILL 5 ;;
*) usage ;;
esac
