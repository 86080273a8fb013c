#!/usr/bin/env bash
# A private redis-server on loopback, with append-only persistence, under DIR.
#   redis.sh start DIR PORT [PRIMARY_PORT]
#                              start and wait until it answers PING; with PRIMARY_PORT as a
#                              replica of the redis on that loopback port (sentinel.sh tests)
#   redis.sh stop DIR          stop (SIGTERM, so the AOF is flushed)
#   redis.sh kill DIR          stop at once (SIGKILL), for crash tests
#   redis.sh users DIR         an ACL user per service (access.sh: its keys and commands) and an
#                              administrator "admin", a user "exporter" for the Prometheus exporter
#                              (server figures, no keys); the default user is then switched off
#                              (no one can log in as it; a connection without AUTH gets NOAUTH).
#                              Passwords in DIR/users/; the users are kept in DIR/users.acl and
#                              loaded again at every start, before the append-only file.
#                              Tests that need no users keep the open default user.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"
source "$here/access.sh"

usage() { die "usage: redis.sh start DIR PORT [PRIMARY_PORT] | stop DIR | kill DIR | users DIR"; }

# The ACL file: admin, one user per service, and a default user no one can log in as.
# The default user keeps every permission because Redis 7.0 replays the append-only file as the
# default user: a script's writes are in the file as MULTI ... EXEC, and EXEC checks the ACL
# again, so a default user limited to PING made a restart drop every transaction with
# "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC
# call" (the data of every Lua script, i.e. nearly all of it, was lost on each restart).
# "off" keeps it closed all the same: nobody authenticates as it, and a connection that has not
# sent AUTH is answered NOAUTH.
write_acl() {
  local name
  {
    echo "user default off resetpass ~* &* +@all"
    echo "user admin on >$(user_password "$dir" admin) ~* &* +@all"
    # Prometheus's Redis exporter: server figures only, no key.
    echo "user exporter on >$(user_password "$dir" exporter) resetkeys -@all +ping +info +dbsize +select +hello +auth +client|setname +client|list +config|get +latency|latest +slowlog|get +slowlog|len +memory|stats"
    for name in "${redis_services[@]}"; do
      echo "user $name on >$(user_password "$dir" "$name") resetkeys $(redis_keys "$name")$redis_commands"
    done
  } >"$dir/users.acl.new"
  chmod 600 "$dir/users.acl.new"
  mv "$dir/users.acl.new" "$dir/users.acl"
}
# Whether the redis on loopback port $1 answers: PONG, or NOAUTH once its users are set up (the
# default user is off then).
answers_ping() {
  [[ $(redis-cli -p "$1" ping 2>&1) =~ ^(PONG|NOAUTH) ]]
}

# redis-cli as whoever may set the server up: the open default user of a fresh server, the admin
# (password from DIR/users) once the default user is off.
admin_cli() {
  if [[ $(redis-cli -p "$port" ping 2>&1) == NOAUTH* ]]; then
    REDISCLI_AUTH=$(user_password "$dir" admin) redis-cli --user admin -p "$port" "$@"
  else
    redis-cli -p "$port" "$@"
  fi
}

[[ $# -ge 2 ]] || usage
command=$1
dir=$(instance_dir "$command" "$2") || exit 0
[[ -n $dir ]] || exit 0
pidfile=$dir/redis.pid

case $command in
start)
  [[ $# -eq 3 || $# -eq 4 ]] || usage
  port=$3 primary_port=${4:-}
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
  # Users made by an earlier `redis.sh users` come back with the server.
  [[ -f $dir/users.acl ]] && echo "aclfile $dir/users.acl" >>"$dir/redis.conf"
  [[ -n $primary_port ]] && echo "replicaof 127.0.0.1 $primary_port" >>"$dir/redis.conf"
  redis-server "$dir/redis.conf" || die "redis-server failed to start; see $dir/redis.log"
  wait_until 10 "redis PING" answers_ping "$port" ||
    die "redis on port $port did not answer PING within 10 s; see $dir/redis.log"
  watch_owner "$here/redis.sh" "$dir"
  echo "redis ready on 127.0.0.1:$port (data in $dir/data)"
  ;;
users)
  [[ -f $dir/redis.conf ]] || die "redis: no instance in $dir (start it first)"
  port=$(awk '$1 == "port" {print $2}' "$dir/redis.conf")
  write_acl
  grep -q '^aclfile ' "$dir/redis.conf" || echo "aclfile $dir/users.acl" >>"$dir/redis.conf"
  # The running server takes the file with ACL LOAD, which needs the aclfile setting: a server
  # started without one gets the users one by one instead. A server that read the users at its
  # start (a restart of `make run` on the same folder) is set up by its admin.
  # The default user goes last: once it is off, it can set up no one.
  if [[ $(admin_cli ACL LOAD 2>&1) != OK ]]; then
    set -f  # the key patterns are words, not file names
    for name in admin exporter "${redis_services[@]}" default; do
      # shellcheck disable=SC2046
      admin_cli ACL SETUSER "$name" reset \
        $(awk -v name="$name" '$1 == "user" && $2 == name {$1 = $2 = ""; print}' "$dir/users.acl") |
        grep -qx OK || die "redis: ACL SETUSER $name failed"
    done
    set +f
  fi
  echo "redis users: admin and one per service (${redis_services[*]}); passwords in $dir/users"
  ;;
stop) stop_pid "$pidfile" TERM 10 ;;
kill) stop_pid "$pidfile" KILL 5 ;;
*) usage ;;
esac
