# Shared helpers for the private-server scripts in this folder. Sourced, not run.
# Every server lives entirely under the instance folder it is given: config, data, logs, pid file.

die() {
  echo "ipraktik local stack: $*" >&2
  exit 1
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.1
  done
}

# pid_alive FILE: the process named in a pid file is running.
pid_alive() {
  [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

# stop_pid FILE SIGNAL SECONDS: signals the process named in FILE and waits for it to exit,
# escalating to SIGKILL after SECONDS.
stop_pid() {
  local file=$1 signal=$2 seconds=$3
  pid_alive "$file" || { rm -f "$file"; return 0; }
  local pid
  pid=$(cat "$file")
  kill "-$signal" "$pid" 2>/dev/null || true
  if ! wait_until "$seconds" "exit of $pid" bash -c "! kill -0 $pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 5 "exit of $pid" bash -c "! kill -0 $pid" || true
  fi
  rm -f "$file"
}

port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# watch_owner SCRIPT DIR: when IPRAKTIK_OWNER_PID is set (the test harness sets it), stop the
# server once that process is gone, so a crashed or killed test leaves no server behind.
watch_owner() {
  [[ -n ${IPRAKTIK_OWNER_PID:-} ]] || return 0
  local script=$1 dir=$2 owner=$IPRAKTIK_OWNER_PID
  setsid bash -c "while kill -0 $owner 2>/dev/null; do sleep 1; done; '$script' stop '$dir'" \
    >/dev/null 2>&1 </dev/null &
}

# instance_dir COMMAND DIR: the absolute instance folder; created for start. For any other
# command a missing folder means there is nothing to do, and the script exits 0.
instance_dir() {
  if [[ $1 == start ]]; then
    mkdir -p "$2"
  elif [[ ! -d $2 ]]; then
    exit 0
  fi
  (cd "$2" && pwd)
}
