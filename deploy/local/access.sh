# Who may do what on the local RabbitMQ and Redis: one user per service, each limited to what
# that service declares, publishes and consumes (RabbitMQ) and to its own keys (Redis).
# Sourced by rabbitmq.sh, redis.sh and stack.sh; docs/security.md ("Transport") explains it.
# A queue or key added to a service must be added here too, or the broker or Redis refuses it
# (the refusal names the user and the resource).

access_services=(registration matching matching-worker notification evaluation)
# Redis users: the services above and the participant pages, which use no RabbitMQ.
redis_services=("${access_services[@]}" participant-web)

# A queue with its retry and dead-letter queues and its own failed-message exchange
# (<queue>.failed; libs/bus/src/topology.h), as a regex part.
queue_family() { local name=${1//./\\.}; echo "$name(\\.retry\\.[0-9]+ms|\\.dlq|\\.failed)?"; }

# The queues a service consumes (read) and the ones it only declares for others (matching
# declares the work queue, so that jobs queued before any worker ran are kept).
consumed_queues() {
  case $1 in
  registration) echo registration.matching-published ;;
  matching) echo matching.participant-erased matching.job-finished ;;
  matching-worker) echo matching.jobs ;;
  notification) echo notification.events ;;
  evaluation) echo evaluation.events ;;
  *) return 1 ;;
  esac
}
declared_queues() {
  consumed_queues "$1"
  [[ $1 == matching ]] && echo matching.jobs
  return 0
}

alternatives() { local IFS='|'; echo "$*"; }

# RabbitMQ permissions (regexes on resource names) in vhost "/". Every service declares,
# publishes to and binds from the events exchange; a consumer moves failed messages to its own
# retry and dead-letter queues through its own exchange <queue>.failed, which its queues also
# dead-letter through. No user may write to the default exchange (amq.default): through it, a
# message goes straight into any queue by name. The broker lets only a user that may read a
# queue declare it with a dead-letter exchange, so a service reads every queue it declares
# (matching: the work queue, which it never consumes).
amqp_configure() {
  local parts=('ipraktik\.events') queue
  for queue in $(declared_queues "$1"); do parts+=("$(queue_family "$queue")"); done
  echo "^($(alternatives "${parts[@]}"))\$"
}
amqp_write() {
  local parts=('ipraktik\.events') queue
  for queue in $(declared_queues "$1"); do parts+=("$(queue_family "$queue")"); done
  echo "^($(alternatives "${parts[@]}"))\$"
}
amqp_read() { amqp_configure "$1"; }

# The event types (routing keys on the events exchange) a service publishes, as a regex: its
# outbox relay publishes nothing else (libs/contract/event_types.h lists them by service). Set as
# the user's topic permission on ipraktik.events, so the broker refuses (ACCESS_REFUSED) any
# other routing key from it: a forged placement event from the notification service's user, say.
amqp_topic_write() {
  case $1 in
  registration) echo '^registration\.[a-z0-9_.]+$' ;;
  matching) echo '^matching\.(job\.requested|placements\.published|(intern|host|result)\.[a-z0-9_.]+)$' ;;
  matching-worker) echo '^matching\.job\.finished$' ;;
  notification) echo '^notification\.[a-z0-9_.]+$' ;;
  evaluation) echo '^evaluation\.[a-z0-9_.]+$' ;;
  *) return 1 ;;
  esac
}
# Binding keys on the events exchange: any (a service binds only its own queues, which its
# configure permission limits).
amqp_topic_read='.*'

# Redis ACL key patterns (every key of a tenant is ipraktik:{<tenant>}:<kind>...). Every
# publisher has an outbox of its own (outbox:<service>, libs/outbox) and shares the registry of
# tenants with one; a consumer's dedupe claims are processed:<its queue>:<event id>.
redis_keys() {
  # The participant pages keep only the rate-limit buckets of client addresses.
  if [[ $1 == participant-web ]]; then
    printf '~%s ' 'ipraktik:{participant-web}:ratelimit:participant-web:*'
    return 0
  fi
  # Every service: its outbox, the API keys its call shell checks (libs/access), and the
  # rate-limit buckets and audit log the call shell keeps (libs/server call_guard).
  local keys=("ipraktik:{*}:outbox:$1" "ipraktik:{*}:outbox:$1:*" 'ipraktik:outbox:tenants'
    'ipraktik:access:*' 'ipraktik:{*}:ratelimit:*' 'ipraktik:{*}:audit') queue
  for queue in $(consumed_queues "$1"); do keys+=("ipraktik:{*}:processed:$queue:*"); done
  case $1 in
  registration)
    local kind
    for kind in application approval approval-reminders email offer participant participant-applications \
      participant-offers participants programme programmes request round round-applications \
      round-offers rounds sequence workplace workplace-name workplaces; do
      keys+=("ipraktik:{*}:$kind" "ipraktik:{*}:$kind:*")
    done
    ;;
  matching) keys+=('ipraktik:{*}:matching_*') ;;
  matching-worker) keys+=('ipraktik:{*}:matching_job*' 'ipraktik:{*}:matching_round_*') ;;
  notification) keys+=('ipraktik:{*}:notification:*' 'ipraktik:notification:tenants') ;;
  evaluation) keys+=('ipraktik:{*}:evaluation:*' 'ipraktik:evaluation:tenants') ;;
  *) return 1 ;;
  esac
  printf '~%s ' "${keys[@]}"
}

# What every service may run: reading and writing data, scripts and transactions; nothing that
# administers the server or touches every key (KEYS, FLUSHALL, CONFIG, DEBUG, ...). Besides,
# ROLE (an @admin command): behind Sentinel a service asks the node it connects to whether it is
# the primary (libs/store).
redis_commands='-@all +@read +@write +@scripting +@transaction +@connection -@dangerous -@admin +role'

# The password of user NAME kept under DIR/users (made once, owner-readable only).
user_password() {
  local dir=$1 name=$2
  mkdir -p "$dir/users"
  if [[ ! -s $dir/users/$name.password ]]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$dir/users/$name.password")
  fi
  cat "$dir/users/$name.password"
}
