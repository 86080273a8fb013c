#!/usr/bin/env bash
# A private Prometheus on loopback under DIR that scrapes the given targets and loads the alert
# rules in deploy/prometheus/alerts.yml, so the local stack can be watched as operations would.
#   prometheus.sh start DIR PORT JOB=HOST:PORT[/PATH[?NAME=VALUE&...]]...
#                                 start and wait until it answers; PATH defaults to /metrics
#   prometheus.sh stop DIR
#   prometheus.sh kill DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"

usage() { die "usage: prometheus.sh start DIR PORT JOB=HOST:PORT[/PATH[?QUERY]]... | stop DIR | kill DIR"; }

# scrape_config JOB HOST:PORT[/PATH[?NAME=VALUE&...]]: one job of the generated configuration.
scrape_config() {
  local job=$1 address=${2%%/*} path=/metrics query=
  if [[ $2 == */* ]]; then
    path=/${2#*/}
    if [[ $path == *\?* ]]; then
      query=${path#*\?}
      path=${path%%\?*}
    fi
  fi
  echo "  - job_name: $job"
  echo "    metrics_path: $path"
  echo "    static_configs: [{targets: ['$address']}]"
  [[ -n $query ]] || return 0
  echo "    params:"
  local pair names=()
  IFS='&' read -ra pairs <<<"$query"
  for pair in "${pairs[@]}"; do names+=("${pair%%=*}"); done
  for name in $(printf '%s\n' "${names[@]}" | sort -u); do
    local values=()
    for pair in "${pairs[@]}"; do [[ ${pair%%=*} == "$name" ]] && values+=("'${pair#*=}'"); done
    echo "      $name: [$(IFS=,; echo "${values[*]}")]"
  done
}
[[ $# -ge 2 ]] || usage
command=$1
dir=$(instance_dir "$command" "$2") || exit 0
[[ -n $dir ]] || exit 0
pidfile=$dir/prometheus.pid

case $command in
start)
  [[ $# -ge 4 ]] || usage
  port=$3
  shift 3
  command -v prometheus >/dev/null || die "prometheus is not installed (run: make deps)"
  if pid_alive "$pidfile"; then
    echo "prometheus already running in $dir (pid $(cat "$pidfile"))"
    exit 0
  fi
  port_is_free "$port" || die "prometheus: port $port on 127.0.0.1 is taken by another process"
  mkdir -p "$dir/data"
  cp "$here/../prometheus/alerts.yml" "$dir/alerts.yml"
  {
    echo "global: {scrape_interval: 5s, evaluation_interval: 5s}"
    echo "rule_files: [alerts.yml]"
    echo "scrape_configs:"
    for target in "$@"; do
      scrape_config "${target%%=*}" "${target#*=}"
    done
  } >"$dir/prometheus.yml"
  promtool check config "$dir/prometheus.yml" >/dev/null || die "prometheus: bad generated config $dir/prometheus.yml"
  setsid prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$port" --web.enable-lifecycle \
    >"$dir/prometheus.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  wait_until 20 "prometheus ready" curl -sf "http://127.0.0.1:$port/-/ready" ||
    die "prometheus on port $port did not become ready within 20 s; see $dir/prometheus.log"
  watch_owner "$here/prometheus.sh" "$dir"
  echo "prometheus ready on http://127.0.0.1:$port (alerts: /alerts)"
  ;;
stop) stop_pid "$pidfile" TERM 10 ;;
kill) stop_pid "$pidfile" KILL 5 ;;
*) usage ;;
esac
