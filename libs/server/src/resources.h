#pragma once

// The opt-in half of the process skeleton: the settings and start-up connection of the
// resources a ServiceSpec declares (Redis, RabbitMQ). application.cc, the core, calls these only
// for what is declared.

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "ipraktik/bus/options.h"
#include "ipraktik/bus/watch.h"
#include "ipraktik/config/config.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/server/application.h"
#include "ipraktik/server/readiness.h"
#include "ipraktik/server/shutdown.h"
#include "ipraktik/store/pool.h"
#include "redis_watch.h"

namespace prometheus {
class Registry;
}

namespace ipraktik::server::internal {

// Reads the settings of the declared resources into settings (nothing when none is declared).
void ReadResourceSettings(config::Reader& reader, const ServiceSpec& spec,
                          ServerSettings& settings);

// RabbitMQ at url as the service's connection `name`, with its logger and metrics.
bus::ConnectionOptions BusConnectionOptions(const ServiceSpec& spec, const std::string& url,
                                            std::string_view name, const logging::Logger& logger,
                                            prometheus::Registry& metrics);

// What start-up's connecting came to.
enum class Connected {
  kAll,          // every declared resource answers
  kUnreachable,  // one did not within IPRAKTIK_CONNECT_TIMEOUT (logged, naming it): exit 1
  kStopped,      // a signal asked to stop meanwhile: exit 0
};

// Connects to every declared resource, each retried for settings.connect_timeout: Redis must
// answer PING (the pool is left in redis), RabbitMQ must let the events exchange be declared.
Connected ConnectResources(const ServiceSpec& spec, const ServerSettings& settings,
                           prometheus::Registry& metrics, const logging::Logger& logger,
                           SignalWatcher& signals, std::unique_ptr<store::Pool>& redis);

// What tells readiness whether the declared resources answer: "redis" (a PING every second) and
// "rabbitmq" (an idle connection with a 5 s heartbeat, which notices its loss at once and then
// reconnects every second at most). Stopped when destroyed.
struct ResourceWatches {
  std::unique_ptr<RedisWatch> redis;
  std::unique_ptr<bus::BrokerWatch> broker;
};

// Starts the watches of the declared resources; each reports down until it knows better.
absl::StatusOr<ResourceWatches> WatchResources(const ServiceSpec& spec,
                                               const ServerSettings& settings,
                                               const logging::Logger& logger, Readiness& readiness);

}  // namespace ipraktik::server::internal
