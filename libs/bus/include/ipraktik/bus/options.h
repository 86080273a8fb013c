#pragma once

// Settings shared by the bus's publisher, consumer and admin: where the broker is, how the
// connection is kept alive and rebuilt, and how a queue with its retry and dead-letter queues
// is laid out. See docs/bus.md for the topology and the headers the bus writes.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "ipraktik/logging/logger.h"

namespace prometheus {
class Registry;
}

namespace ipraktik::bus {

using Duration = std::chrono::milliseconds;

// The durable topic exchange every domain event is published to; its routing key is the event
// type, e.g. "registration.participant.registered".
inline constexpr std::string_view kEventsExchange = "ipraktik.events";

// Exponential backoff with a cap and jitter: the delay before attempt n (n >= 1 counts the
// failures so far) is min(initial * multiplier^(n-1), max), scaled by a random factor in
// [1 - jitter, 1 + jitter] so that many clients do not reconnect in lockstep.
struct Backoff {
  Duration initial{100};
  Duration max{10'000};
  double multiplier = 2.0;
  double jitter = 0.2;

  Duration Delay(int failures, std::mt19937_64& random) const;
};

struct ConnectionOptions {
  // amqp://user:password@host:port/vhost (vhost "/" when the path is empty).
  std::string url;
  // Proposed heartbeat; the broker may lower it. Zero disables heartbeats (not advised: a dead
  // peer is then noticed only by TCP).
  std::chrono::seconds heartbeat{30};
  // TCP connect, and then the AMQP handshake and login, each bounded by this.
  Duration connect_timeout{5'000};
  // Bound for each synchronous broker call (declare, bind, qos, consume).
  Duration rpc_timeout{10'000};
  Backoff reconnect;
  // Shown in the management UI next to the connection ("<service>-publisher" and the like).
  std::string connection_name = "ipraktik";
  // Where reconnects, backoff and dead-letters are reported; stderr with service "bus" if unset.
  std::optional<logging::Logger> logger;
  // Counters and histograms are registered here when set (prometheus-cpp core); the registry
  // must outlive every bus object that uses it.
  prometheus::Registry* metrics = nullptr;
};

// Retries of a message whose handler asked for a retry (or threw): attempt n+1 follows attempt n
// after min(initial_delay * multiplier^(n-1), max_delay). The delay is served by a TTL queue per
// distinct delay, "<queue>.retry.<ms>ms", that dead-letters back into the queue. After
// max_attempts attempts the message goes to "<queue>.dlq".
struct RetryPolicy {
  int max_attempts = 5;
  Duration initial_delay{1'000};
  double multiplier = 4.0;
  Duration max_delay{300'000};

  // The delay after failed attempt `attempt` (1-based); valid for 1 <= attempt < max_attempts.
  Duration DelayAfter(int attempt) const;
};

// A durable quorum queue bound to an exchange, with its retry queues and its dead-letter queue.
// Declaring is idempotent; changing the arguments of an existing queue (retry delays, delivery
// limit) makes the broker refuse the declaration (FAILED_PRECONDITION): delete or rename it.
struct QueueSpec {
  std::string name;
  // Topic patterns on `exchange`, e.g. "registration.participant.*" or "#".
  std::vector<std::string> bindings;
  std::string exchange = std::string(kEventsExchange);
  RetryPolicy retry;
  // x-delivery-limit: after this many redeliveries without an ack (a consumer crashing on the
  // message again and again) the broker itself moves the message to the dead-letter queue.
  int delivery_limit = 10;

  // OK, or INVALID_ARGUMENT naming the field that is wrong.
  absl::Status Validate() const;
};

std::string DeadLetterQueueName(std::string_view queue);
// The consumer's own direct exchange for failed messages: its retry and dead-letter queues (and
// the queue itself, for the way back from a retry queue) are bound to it by their names.
std::string FailedExchangeName(std::string_view queue);
// The retry queue that holds a message after failed attempt `attempt` (1-based).
std::string RetryQueueName(const QueueSpec& spec, int attempt);
// The retry queues of a queue, one per distinct delay, shortest first.
std::vector<std::string> RetryQueueNames(const QueueSpec& spec);

// Headers the bus writes (strings unless noted); see docs/bus.md.
inline constexpr std::string_view kAttemptHeader = "x-ipraktik-attempt";  // integer, next attempt
inline constexpr std::string_view kRetryReasonHeader = "x-ipraktik-retry-reason";
inline constexpr std::string_view kDeathReasonHeader = "x-ipraktik-death-reason";
inline constexpr std::string_view kAttemptsHeader = "x-ipraktik-attempts";  // integer
inline constexpr std::string_view kOriginalRoutingKeyHeader = "x-ipraktik-original-routing-key";
inline constexpr std::string_view kOriginalExchangeHeader = "x-ipraktik-original-exchange";
inline constexpr std::string_view kDeadLetteredFromHeader = "x-ipraktik-dead-lettered-from";

}  // namespace ipraktik::bus
