#!/usr/bin/env bash
# The whole ipraktik system on this machine, for `make run` and `make stop`:
#   stack.sh run      private Redis, RabbitMQ and SMTP sink, then every service from build/bin;
#                     waits until each answers its gRPC health check, prints the addresses and
#                     serves until Ctrl-C (or `stack.sh stop`), then stops everything cleanly
#   stack.sh stop     stops a running stack from another terminal (or what a killed one left)
#   stack.sh status   what is running
# Everything lives under one folder (default var/local: data, logs, pid files, e-mails,
# certificates) and listens on loopback only; the machine's own services are never touched.
# gRPC is mutual TLS: certs.sh makes a local CA under <folder>/certs, a certificate per service
# (its server certificate, and its client certificate towards other services) and one named
# "client" for people's tools (buf curl, the ipraktik CLI).
#
# Environment (all optional):
#   IPRAKTIK_STACK_DIR          the folder (default <repo>/var/local)
#   IPRAKTIK_STACK_BIN          where the programs are (default <repo>/build/bin)
#   IPRAKTIK_STACK_PORT_OFFSET  added to every port below, to run a second stack beside one
#   IPRAKTIK_STACK_WAIT         seconds a service may take to become healthy (default 40)
#   IPRAKTIK_STACK_DEMO         "off": do not load the demo (by default a stack whose tenant
#                               'demo' has no programme yet gets the demo: `ipraktik demo load`)
# Ports: Redis 7379 (its Prometheus exporter 7380), RabbitMQ 7672 (management 7673, distribution 7674, epmd 7675, Prometheus
# 7676), SMTP 7025, Prometheus 7090; gRPC 7101-7106 and metrics 9101-9106 for registration, matching,
# matching-worker, notification, evaluation, participant-web; the participant pages (HTTP) 7180.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/common.sh"

dir=${IPRAKTIK_STACK_DIR:-$root/var/local}
bin=${IPRAKTIK_STACK_BIN:-$root/build/bin}
offset=${IPRAKTIK_STACK_PORT_OFFSET:-0}
# A generous default: on a loaded machine a service's first health answer can take a minute.
health_wait=${IPRAKTIK_STACK_WAIT:-120}
buf=$root/proto/node_modules/.bin/buf
# npm's `buf` is a Node.js shim that starts the real binary; the health polls call the binary
# itself, which starts in milliseconds where the shim takes seconds on a busy machine.
probe_buf=$buf
for native in "$root"/proto/node_modules/@bufbuild/buf-linux-*/bin/buf; do
  [[ -x $native ]] && probe_buf=$native
done

services=(registration matching matching-worker notification evaluation participant-web)
redis_port=$((7379 + offset))
redis_exporter_port=$((7380 + offset))
rabbitmq_port=$((7672 + offset))
smtp_port=$((7025 + offset))
prometheus_port=$((7090 + offset))
# The participant pages (HTTP): the approval and evaluation links in the e-mails point here.
web_port=$((7180 + offset))
web_url=http://127.0.0.1:$web_port
grpc_port() { echo $((7101 + offset + $1)); }
metrics_port() { echo $((9101 + offset + $1)); }
# Each service is its own RabbitMQ and Redis user (deploy/local/access.sh); no guest.
amqp_url() { echo "amqp://$1:$(cat "$dir/rabbitmq/users/$1.password")@127.0.0.1:$rabbitmq_port/"; }

say() { echo "ipraktik: $*"; }

usage() { die "usage: stack.sh run | stop | status"; }

certs=$dir/certs
service_pidfile() { echo "$dir/pids/$1.pid"; }
service_log() { echo "$dir/logs/$1.log"; }

# The secret of the keys' digests: the services' development default unless one is set.
token_secret=${IPRAKTIK_TOKEN_SECRET:-ipraktik-development-token-secret}

# A new API key of tenant $1 and role $2 (label $3), written straight to Redis (as
# `ipraktik keys bootstrap` documents for the first operator key); prints the key.
new_key() {
  IPRAKTIK_REDIS_ADDRESS="127.0.0.1:$redis_port" IPRAKTIK_TOKEN_SECRET="$token_secret" \
    IPRAKTIK_REDIS_USER=admin IPRAKTIK_REDIS_PASSWORD="$(cat "$dir/redis/users/admin.password")" \
    "$bin/ipraktik" keys bootstrap --tenant "$1" --role "$2" --label "$3" 2>/dev/null
}

start_service() {
  local name=$1 index=$2
  local extra=()
  # The local sink takes any sender: the demo's tenant may send as innovationspraktik.example.
  [[ $name == notification ]] && extra+=("IPRAKTIK_SMTP_URL=smtp://127.0.0.1:$smtp_port"
    "IPRAKTIK_NOTIFICATION_SENDER_DOMAINS=${IPRAKTIK_NOTIFICATION_SENDER_DOMAINS:-ipraktik.invalid,innovationspraktik.example}"
    "IPRAKTIK_MATCHING_ADDRESS=127.0.0.1:$(grpc_port 1)"
    "IPRAKTIK_MATCHING_API_KEY=$service_key" "IPRAKTIK_PARTICIPANT_WEB_URL=$web_url")
  [[ $name == matching ]] && extra+=("IPRAKTIK_REGISTRATION_ADDRESS=127.0.0.1:$(grpc_port 0)"
    "IPRAKTIK_NOTIFICATION_ADDRESS=127.0.0.1:$(grpc_port 3)"
    "IPRAKTIK_REGISTRATION_API_KEY=$service_key")
  # Every personal link points at the participant pages.
  [[ $name == registration ]] && extra+=("IPRAKTIK_PARTICIPANT_WEB_URL=$web_url")
  [[ $name == evaluation ]] && extra+=("IPRAKTIK_EVALUATION_FORM_URL=$web_url/evaluation/")
  [[ $name == participant-web ]] && extra+=("IPRAKTIK_PARTICIPANT_WEB_ADDRESS=127.0.0.1:$web_port"
    "IPRAKTIK_REGISTRATION_ADDRESS=127.0.0.1:$(grpc_port 0)"
    "IPRAKTIK_EVALUATION_ADDRESS=127.0.0.1:$(grpc_port 4)"
    "IPRAKTIK_NOTIFICATION_ADDRESS=127.0.0.1:$(grpc_port 3)")
  # The participant pages use no RabbitMQ (and have no user there).
  [[ $name != participant-web ]] && extra+=("IPRAKTIK_AMQP_URL=$(amqp_url "$name")")
  # setsid: Ctrl-C in the terminal reaches this script only, which stops the services in order.
  # The stack's own IPRAKTIK_STACK_* settings are not the service's.
  env -u IPRAKTIK_STACK_DIR -u IPRAKTIK_STACK_BIN -u IPRAKTIK_STACK_PORT_OFFSET \
    -u IPRAKTIK_STACK_WAIT -u IPRAKTIK_STACK_DEMO \
    IPRAKTIK_GRPC_ADDRESS="127.0.0.1:$(grpc_port "$index")" \
    IPRAKTIK_METRICS_ADDRESS="127.0.0.1:$(metrics_port "$index")" \
    IPRAKTIK_TLS=on IPRAKTIK_TLS_CERT="$certs/$name.pem" IPRAKTIK_TLS_KEY="$certs/$name.key" \
    IPRAKTIK_TLS_CA="$certs/ca.pem" \
    IPRAKTIK_REDIS_ADDRESS="127.0.0.1:$redis_port" \
    IPRAKTIK_REDIS_USER="$name" IPRAKTIK_REDIS_PASSWORD="$(cat "$dir/redis/users/$name.password")" \
    IPRAKTIK_TOKEN_SECRET="$token_secret" \
    "${extra[@]}" \
    setsid "$bin/ipraktik-$name" >"$(service_log "$name")" 2>&1 </dev/null &
  echo $! >"$(service_pidfile "$name")"
}

# buf curl's options for the stack's mutual TLS, as the "client" certificate.
client_tls=(--cacert "$certs/ca.pem" --cert "$certs/client.pem" --key "$certs/client.key")

healthy() {
  local port=$1
  if [[ -x $probe_buf ]]; then
    local answer
    answer=$(timeout 15 "$probe_buf" curl --protocol grpc "${client_tls[@]}" \
      "https://127.0.0.1:$port/grpc.health.v1.Health/Check" 2>/dev/null) || return 1
    [[ $answer == *'"SERVING"'* ]]
  else
    # Without buf (make deps installs it), the service's own "serving" log line has to do.
    grep -q '"msg":"serving"' "$(service_log "$2")"
  fi
}

# Waits until the service answers SERVING; fails at once when the process exits.
wait_healthy() {
  local name=$1 index=$2 pid
  pid=$(cat "$(service_pidfile "$name")")
  local deadline=$((SECONDS + health_wait))
  until healthy "$(grpc_port "$index")" "$name"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      local status=0
      wait "$pid" || status=$?
      report_failure "$name" "exited with status $status before it became healthy"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      report_failure "$name" "did not answer its health check within ${health_wait} s"
      return 1
    fi
    sleep 0.3
  done
}

# The demo (programmes, rounds, a few hundred sign-ups) into tenant 'demo', through the
# registration service's API as a partner would load it; a tenant with programmes is left alone
# (the command says so). A failure leaves the stack running without (all of) it.
load_demo() {
  [[ ${IPRAKTIK_STACK_DEMO:-on} == off ]] && return 0
  say "loading the demo into tenant 'demo' (ipraktik demo load)..."
  IPRAKTIK_API_KEY=$demo_key "$bin/ipraktik" demo load --server "127.0.0.1:$(grpc_port 0)" \
    --tls-ca "$certs/ca.pem" --tls-cert "$certs/client.pem" --tls-key "$certs/client.key" 2>&1 |
    sed 's/^/  /' || say "the demo was not loaded (see above); the stack runs without it"
}

report_failure() {
  local name=$1 what=$2 log
  log=$(service_log "$name")
  {
    echo "ipraktik: $name $what. The end of its log ($log):"
    tail -n 15 "$log" | sed 's/^/    /'
  } >&2
}

stop_services() {
  local name pidfile
  for name in "${services[@]}"; do
    pidfile=$(service_pidfile "$name")
    pid_alive "$pidfile" && kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
  done
  for name in "${services[@]}"; do
    pidfile=$(service_pidfile "$name")
    [[ -f $pidfile ]] || continue
    local pid
    pid=$(cat "$pidfile")
    # The services bound their own shutdown at 9 s; SIGKILL only if one hangs beyond that.
    local deadline=$((SECONDS + 15))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      say "$name did not stop within 15 s and was killed; see $(service_log "$name")"
    else
      local status=0
      wait "$pid" 2>/dev/null || status=$?
      # 127: not our child (a stack.sh that died left it); its status is unknown here.
      if ((status != 0 && status != 127)); then
        say "$name stopped with exit status $status; see $(service_log "$name")"
      fi
    fi
    rm -f "$pidfile"
  done
}

stop_servers() {
  "$here/prometheus.sh" stop "$dir/prometheus" &
  "$here/smtp.sh" stop "$dir/smtp" &
  "$here/rabbitmq.sh" stop "$dir/rabbitmq" >/dev/null 2>&1 &
  "$here/redis_exporter.sh" stop "$dir/redis_exporter" &
  wait
  "$here/redis.sh" stop "$dir/redis"
}

stop_all() {
  trap '' INT TERM
  say "stopping (services first, then Prometheus, the Redis exporter, SMTP, RabbitMQ and Redis)..."
  stop_services
  stop_servers
  rm -f "$dir/stack.pid"
  say "stopped"
}

check_ports() {
  local index port
  for index in "${!services[@]}"; do
    for port in "$(grpc_port "$index")" "$(metrics_port "$index")"; do
      port_is_free "$port" || die "port $port (${services[$index]}) on 127.0.0.1 is taken by \
another process; stop it, or set IPRAKTIK_STACK_PORT_OFFSET"
    done
  done
  port_is_free "$web_port" || die "port $web_port (participant pages) on 127.0.0.1 is taken by \
another process; stop it, or set IPRAKTIK_STACK_PORT_OFFSET"
}

print_addresses() {
  local rel=${dir#"$root"/} index
  echo
  echo "ipraktik is running. Stop it with Ctrl-C here, or 'make stop' in another terminal."
  echo
  printf '  %-16s %-18s %s\n' service gRPC metrics
  for index in "${!services[@]}"; do
    printf '  %-16s %-18s %s\n' "${services[$index]}" "127.0.0.1:$(grpc_port "$index")" \
      "http://127.0.0.1:$(metrics_port "$index")/metrics"
  done
  echo
  echo "  Redis      127.0.0.1:$redis_port (data in $rel/redis/data; exporter http://127.0.0.1:$redis_exporter_port/metrics;"
  echo "             users: one per service and admin, passwords in $rel/redis/users/)"
  echo "  RabbitMQ   amqp://<service>:<password>@127.0.0.1:$rabbitmq_port/ (passwords in $rel/rabbitmq/users/)"
  echo "             management http://127.0.0.1:$((rabbitmq_port + 1)) (admin, $rel/rabbitmq/users/admin.password)"
  echo "  SMTP       127.0.0.1:$smtp_port: e-mails land in $rel/smtp/mail/new/, one file each"
  echo "  Prometheus http://127.0.0.1:$prometheus_port (alerts: /alerts; rules in deploy/prometheus)"
  echo "  pages      $web_url (the participant pages: the links in the e-mails,"
  echo "             $web_url/approval/<tenant>/<token>, $web_url/evaluation/<tenant>/<token>"
  echo "             and \"My placement\" $web_url/placement/<tenant>/<token>)"
  echo "  logs       $rel/logs/<service>.log (JSON lines)"
  echo
  echo "  TLS        CA, certificates and keys in $rel/certs (mutual TLS: a client shows client.pem)"
  echo "  API key    $demo_key"
  echo "             (a coordinator of tenant 'demo': export IPRAKTIK_API_KEY=$demo_key)"
  echo
  echo "  try: tls=\"--cacert $rel/certs/ca.pem --cert $rel/certs/client.pem --key $rel/certs/client.key\""
  echo "       proto/node_modules/.bin/buf curl --protocol grpc \$tls \\"
  echo "         --list-methods https://127.0.0.1:$(grpc_port 0)"
  echo "       proto/node_modules/.bin/buf curl --protocol grpc \$tls \\"
  echo "         -H \"authorization: Bearer $demo_key\" -d '{}' \\"
  echo "         https://127.0.0.1:$(grpc_port 0)/ipraktik.v1.RegistrationService/ListProgrammes"
  echo
}

run() {
  mkdir -p "$dir/logs" "$dir/pids"
  if pid_alive "$dir/stack.pid"; then
    die "a stack is already running from $dir (pid $(cat "$dir/stack.pid")); stop it with 'make stop'"
  fi
  local name
  for name in "${services[@]}"; do
    [[ -x $bin/ipraktik-$name ]] || die "$bin/ipraktik-$name is missing: run 'make build'"
  done
  [[ -x $bin/ipraktik ]] || die "$bin/ipraktik is missing: run 'make build'"
  check_ports
  echo $$ >"$dir/stack.pid"
  trap 'stop_all; exit 0' INT TERM
  trap 'rm -f "$dir/stack.pid"' EXIT

  "$here/certs.sh" all "$certs" "${services[@]}" client || { stop_all; exit 1; }
  "$here/redis.sh" start "$dir/redis" "$redis_port" || { stop_all; exit 1; }
  "$here/redis.sh" users "$dir/redis" >/dev/null || { stop_all; exit 1; }
  "$here/redis_exporter.sh" start "$dir/redis_exporter" "$redis_exporter_port" \
    "127.0.0.1:$redis_port" "$dir/redis/users/exporter.password" || { stop_all; exit 1; }
  "$here/smtp.sh" start "$dir/smtp" "$smtp_port" || { stop_all; exit 1; }
  say "starting rabbitmq (a few seconds)..."
  "$here/rabbitmq.sh" start "$dir/rabbitmq" "$rabbitmq_port" || { stop_all; exit 1; }
  "$here/rabbitmq.sh" users "$dir/rabbitmq" >/dev/null || { stop_all; exit 1; }

  # Matching reads round snapshots from registration with a service key; the demo coordinator's
  # key is printed for trying the API.
  service_key=$(new_key ipraktik service "make run: matching reads registration") ||
    { stop_all; die "could not make the service key"; }
  demo_key=$(new_key demo coordinator "make run: demo coordinator") ||
    { stop_all; die "could not make the demo key"; }
  local index
  for index in "${!services[@]}"; do start_service "${services[$index]}" "$index"; done
  for index in "${!services[@]}"; do
    wait_healthy "${services[$index]}" "$index" || { stop_all; exit 1; }
  done
  # RabbitMQ's queue depths and consumer counts per queue come from its detailed endpoint (the
  # default one sums over all queues).
  local rabbitmq_metrics=127.0.0.1:$((rabbitmq_port + 4))
  local targets=("rabbitmq=$rabbitmq_metrics"
    "rabbitmq-queues=$rabbitmq_metrics/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count"
    "redis=127.0.0.1:$redis_exporter_port")
  for index in "${!services[@]}"; do
    targets+=("ipraktik-${services[$index]}=127.0.0.1:$(metrics_port "$index")")
  done
  "$here/prometheus.sh" start "$dir/prometheus" "$prometheus_port" "${targets[@]}" ||
    { stop_all; exit 1; }
  load_demo
  print_addresses

  # Serve until a signal. A service that dies is reported once; the others keep running.
  local reported=() owner=${IPRAKTIK_OWNER_PID:-}
  while true; do
    sleep 1 &
    wait $! || true
    for name in "${services[@]}"; do
      [[ " ${reported[*]} " == *" $name "* ]] && continue
      if ! pid_alive "$(service_pidfile "$name")"; then
        report_failure "$name" "stopped unexpectedly"
        reported+=("$name")
      fi
    done
    # The test harness sets IPRAKTIK_OWNER_PID: the stack does not outlive the test.
    if [[ -n $owner ]] && ! kill -0 "$owner" 2>/dev/null; then
      stop_all
      exit 0
    fi
  done
}

stop() {
  if pid_alive "$dir/stack.pid"; then
    local pid
    pid=$(cat "$dir/stack.pid")
    say "asking the stack (pid $pid) to stop..."
    kill -TERM "$pid"
    # The stack removes its pid file when it has stopped everything (its parent may not have
    # reaped it yet, so the process itself can linger as a zombie).
    wait_until 60 "stack exit" bash -c "[[ ! -e '$dir/stack.pid' ]] || ! kill -0 $pid" ||
      die "the stack (pid $pid) did not stop within 60 s; see $dir/logs"
    say "stopped"
    return 0
  fi
  # No running stack.sh: stop whatever a killed one left behind.
  [[ -d $dir ]] || { say "nothing is running"; return 0; }
  stop_services
  stop_servers
  rm -f "$dir/stack.pid"
  say "stopped"
}

status() {
  local index name
  if pid_alive "$dir/stack.pid"; then
    say "stack running (pid $(cat "$dir/stack.pid")) from $dir"
  else
    say "no stack running from $dir"
  fi
  for index in "${!services[@]}"; do
    name=${services[$index]}
    if pid_alive "$(service_pidfile "$name")"; then
      echo "  $name: running, gRPC 127.0.0.1:$(grpc_port "$index")"
    fi
  done
}

[[ $# -eq 1 ]] || usage
case $1 in
run) run ;;
stop) stop ;;
status) status ;;
*) usage ;;
esac
