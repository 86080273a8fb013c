#!/usr/bin/env bash
# A private RabbitMQ node on loopback under DIR, never the machine's own broker.
#   rabbitmq.sh start DIR PORT   AMQP on PORT; management PORT+1, Erlang distribution PORT+2,
#                                a private epmd PORT+3, Prometheus PORT+4
#   rabbitmq.sh stop DIR         graceful stop (SIGTERM), then the private epmd
#   rabbitmq.sh kill DIR         SIGKILL the broker (crash tests); epmd stays for a restart
#   rabbitmq.sh ctl DIR ARGS...  rabbitmqctl against this node
#   rabbitmq.sh users DIR        a user per service (access.sh says what each may do) and an
#                                administrator "admin"; deletes guest. Passwords in DIR/users/.
#                                Tests that need no users leave guest/guest in place.
# The system scripts in /usr/sbin switch to the rabbitmq user and its cookie, so this calls the
# scripts in /usr/lib/rabbitmq/bin with HOME and every path pointed into DIR.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"
source "$here/access.sh"

usage() { die "usage: rabbitmq.sh start DIR PORT | stop DIR | kill DIR | ctl DIR ARGS... | users DIR"; }
[[ $# -ge 2 ]] || usage
command=$1
dir=$(instance_dir "$command" "$2") || exit 0
[[ -n $dir ]] || exit 0
shift 2
bin=/usr/lib/rabbitmq/bin
pidfile=$dir/rabbitmq.pid

# The ports are recorded at start so that stop, kill and ctl need only the folder.
load_env() {
  [[ -f $dir/env ]] || die "rabbitmq: no instance in $dir (start it first)"
  set -a
  source "$dir/env"
  set +a
}

write_env() {
  local port=$1
  cat >"$dir/env" <<ENV
HOME=$dir
RABBITMQ_PORT=$port
RABBITMQ_MANAGEMENT_PORT=$((port + 1))
RABBITMQ_DIST_PORT=$((port + 2))
ERL_EPMD_PORT=$((port + 3))
RABBITMQ_PROMETHEUS_PORT=$((port + 4))
ERL_EPMD_ADDRESS=127.0.0.1
RABBITMQ_NODENAME=ipraktik$port@localhost
RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
RABBITMQ_NODE_PORT=$port
RABBITMQ_CONF_ENV_FILE=$dir/rabbitmq-env.conf
RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf
RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
RABBITMQ_MNESIA_BASE=$dir/mnesia
RABBITMQ_LOG_BASE=$dir/log
RABBITMQ_PID_FILE=$pidfile
RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
ENV
}

# The management API as admin once the users are made (guest is gone then), else as guest.
management_login() {
  if [[ -s $dir/users/admin.password ]]; then
    echo "admin:$(cat "$dir/users/admin.password")"
  else
    echo guest:guest
  fi
}

health() {
  # Bounded: a port taken by another program may accept and never answer. The AMQP listener is
  # asked for too: the management API answers while the broker boots, before it opens its AMQP
  # port, and a broker that then finds that port taken ends (eaddrinuse) after looking healthy.
  local login
  login=$(management_login)
  curl -sf --max-time 5 -u "$login" \
    "http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT/api/health/checks/alarms" &&
    curl -sf --max-time 5 -u "$login" -o /dev/null \
      "http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT/api/health/checks/port-listener/$RABBITMQ_PORT"
}

# The users are made through the management API: one rabbitmqctl call starts an Erlang VM of its
# own (seconds each on a loaded machine, and making the users takes some thirty calls), an HTTP
# call takes milliseconds. api METHOD PATH [JSON] as $login; fails on any HTTP error.
login=
api() {
  curl -sf -o /dev/null -u "$login" -X "$1" -H 'content-type: application/json' \
    "http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT/api/$2" ${3:+-d "$3"}
}
# A JSON object of the given keys and values (python3 quotes the regexes' backslashes).
json() { python3 -c 'import json, sys; a = sys.argv[1:]; print(json.dumps(dict(zip(a[::2], a[1::2]))))' "$@"; }

make_users() {
  local name
  # guest until admin exists; admin once guest is gone (a second run).
  login=guest:guest
  api GET whoami || login="admin:$(user_password "$dir" admin)"
  api PUT users/admin "$(json password "$(user_password "$dir" admin)" tags administrator)"
  api PUT permissions/%2F/admin "$(json configure '.*' write '.*' read '.*')"
  login="admin:$(user_password "$dir" admin)"
  for name in "${access_services[@]}"; do
    api PUT "users/$name" "$(json password "$(user_password "$dir" "$name")" tags '')"
    api PUT "permissions/%2F/$name" "$(json configure "$(amqp_configure "$name")" \
      write "$(amqp_write "$name")" read "$(amqp_read "$name")")"
    api PUT "topic-permissions/%2F/$name" "$(json exchange ipraktik.events \
      write "$(amqp_topic_write "$name")" read "$amqp_topic_read")"
  done
  if api GET users/guest; then api DELETE users/guest; fi
}

case $command in
start)
  [[ $# -eq 1 ]] || usage
  [[ -x $bin/rabbitmq-server ]] || die "rabbitmq-server is not installed (run: make deps)"
  if [[ ! -f $dir/env ]]; then
    write_env "$1"
  fi
  load_env
  [[ $RABBITMQ_PORT == "$1" ]] || die "rabbitmq: $dir was created for port $RABBITMQ_PORT, not $1"
  if pid_alive "$pidfile"; then
    echo "rabbitmq already running in $dir (pid $(cat "$pidfile"))"
    exit 0
  fi
  for p in $RABBITMQ_PORT $RABBITMQ_MANAGEMENT_PORT $RABBITMQ_DIST_PORT $RABBITMQ_PROMETHEUS_PORT; do
    port_is_free "$p" || die "rabbitmq: port $p on 127.0.0.1 is taken by another process"
  done
  mkdir -p "$dir/mnesia" "$dir/log"
  : >"$dir/rabbitmq-env.conf"
  echo '[rabbitmq_management,rabbitmq_prometheus].' >"$dir/enabled_plugins"
  cat >"$dir/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$RABBITMQ_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBITMQ_MANAGEMENT_PORT
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $RABBITMQ_PROMETHEUS_PORT
loopback_users = none
log.file.level = warning
log.console = false
CONF
  # A private cookie: the machine's own broker (if any) keeps its own.
  if [[ ! -f $dir/.erlang.cookie ]]; then
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$dir/.erlang.cookie"
    chmod 400 "$dir/.erlang.cookie"
  fi
  # $! is the broker (or, should setsid have to fork, a setsid that -w keeps until the broker
  # ends), so it tells whether the broker is still booting.
  setsid -w "$bin/rabbitmq-server" >"$dir/log/console.log" 2>&1 </dev/null &
  booting=$!
  # Ready in 3-6 s on a quiet machine; a loaded one (parallel tests and a build on 2 cores) has
  # taken over a minute, so the bound is generous: it only ends a start that will never succeed.
  # A broker that ends while booting (another program took one of its ports after the check
  # above: eaddrinuse) is not waited for.
  healthy_or_ended() { health || ! kill -0 "$booting" 2>/dev/null; }
  if ! wait_until 180 "rabbitmq health" healthy_or_ended || ! health >/dev/null 2>&1; then
    tail -5 "$dir/log/console.log" | cut -c1-400 >&2 || true
    die "rabbitmq on port $RABBITMQ_PORT did not become healthy (ended, or not within 180 s); see $dir/log"
  fi
  watch_owner "$here/rabbitmq.sh" "$dir"
  echo "rabbitmq ready on 127.0.0.1:$RABBITMQ_PORT (management http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT, $(management_login | cut -d: -f1))"
  ;;
stop)
  load_env
  stop_pid "$pidfile" TERM 30
  epmd -kill >/dev/null 2>&1 || true  # the private epmd outlives the broker
  ;;
kill)
  load_env
  stop_pid "$pidfile" KILL 5
  ;;
ctl)
  load_env
  exec "$bin/rabbitmqctl" "$@"
  ;;
users)
  load_env
  make_users
  echo "rabbitmq users: admin and one per service (${access_services[*]}); guest deleted; passwords in $dir/users"
  ;;
*) usage ;;
esac
