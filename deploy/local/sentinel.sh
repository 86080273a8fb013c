#!/usr/bin/env bash
# A private Redis Sentinel on loopback under DIR, watching the primary "ipraktik" (as the
# Kubernetes manifests name it, k8s/base/redis.yaml): for tests of a failover.
#   sentinel.sh start DIR PORT PRIMARY_PORT [DOWN_AFTER_MS]
#                              start (quorum 2: run three) and wait until it answers PING;
#                              the primary counts as down after DOWN_AFTER_MS (default 1000)
#   sentinel.sh stop DIR       stop
#   sentinel.sh kill DIR       stop at once (SIGKILL)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"

usage() { die "usage: sentinel.sh start DIR PORT PRIMARY_PORT [DOWN_AFTER_MS] | stop DIR | kill DIR"; }
[[ $# -ge 2 ]] || usage
command=$1
dir=$(instance_dir "$command" "$2") || exit 0
[[ -n $dir ]] || exit 0
pidfile=$dir/sentinel.pid

case $command in
start)
  [[ $# -eq 4 || $# -eq 5 ]] || usage
  port=$3 primary_port=$4 down_after=${5:-1000}
  command -v redis-server >/dev/null || die "redis-server is not installed (run: make deps)"
  if pid_alive "$pidfile"; then
    echo "sentinel already running in $dir (pid $(cat "$pidfile"))"
    exit 0
  fi
  port_is_free "$port" || die "sentinel: port $port on 127.0.0.1 is taken by another process"
  # Sentinel rewrites its file with what it learns (replicas, the other Sentinels, the current
  # primary): a restart keeps that, so the file is written only once.
  if [[ ! -f $dir/sentinel.conf ]]; then
    cat >"$dir/sentinel.conf" <<CONF
bind 127.0.0.1
port $port
daemonize yes
pidfile $pidfile
logfile $dir/sentinel.log
dir $dir
sentinel monitor ipraktik 127.0.0.1 $primary_port 2
sentinel down-after-milliseconds ipraktik $down_after
sentinel failover-timeout ipraktik 10000
sentinel parallel-syncs ipraktik 1
CONF
  fi
  redis-server "$dir/sentinel.conf" --sentinel || die "sentinel failed to start; see $dir/sentinel.log"
  wait_until 10 "sentinel PING" redis-cli -p "$port" ping ||
    die "sentinel on port $port did not answer PING within 10 s; see $dir/sentinel.log"
  watch_owner "$here/sentinel.sh" "$dir"
  echo "sentinel ready on 127.0.0.1:$port (primary 127.0.0.1:$primary_port)"
  ;;
stop) stop_pid "$pidfile" TERM 10 ;;
kill) stop_pid "$pidfile" KILL 5 ;;
*) usage ;;
esac
