#include "resources.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "ipraktik/bus/admin.h"

namespace ipraktik::server::internal {
namespace {

using namespace std::chrono_literals;
using Milliseconds = std::chrono::milliseconds;

// Calls attempt until it succeeds, the time runs out, or a signal asks to stop (then nullopt).
// Pauses grow from 100 ms to 1 s; the first failure is logged, so a slow dependency is visible.
std::optional<absl::Status> RetryUntil(Milliseconds timeout, std::string_view what,
                                       const std::function<absl::Status()>& attempt,
                                       SignalWatcher& signals, const logging::Logger& logger) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  Milliseconds pause = 100ms;
  for (int attempts = 1;; ++attempts) {
    absl::Status status = attempt();
    if (status.ok() || std::chrono::steady_clock::now() + pause > deadline) return status;
    if (attempts == 1) {
      logger.Warning("waiting for a dependency",
                     {{"dependency", what}, {"error", std::string(status.message())}});
    }
    if (signals.WaitFor(pause)) return std::nullopt;
    pause = std::min(pause * 2, Milliseconds(1s));
  }
}

}  // namespace

void ReadResourceSettings(config::Reader& reader, const ServiceSpec& spec,
                          ServerSettings& settings) {
  if (spec.Needs(Resource::kRedis)) {
    store::Options redis;
    auto address = reader.Address("IPRAKTIK_REDIS_ADDRESS", "127.0.0.1:7379", "Redis.");
    redis.host = address.host;
    redis.port = address.port;
    redis.user = reader.String("IPRAKTIK_REDIS_USER", "",
                               "Redis ACL user of this service (empty: the default user).");
    redis.password = reader.Secret("IPRAKTIK_REDIS_PASSWORD", "Redis AUTH password.");
    redis.pool_size =
        static_cast<int>(reader.Int("IPRAKTIK_REDIS_POOL_SIZE", spec.default_redis_pool_size, 1,
                                    256, "Most Redis connections the process opens."));
    const std::string sentinels =
        reader.String("IPRAKTIK_REDIS_SENTINELS", "",
                      "Redis Sentinels (host:port,host:port,...) to ask for the primary; when set, "
                      "IPRAKTIK_REDIS_ADDRESS is not used.");
    for (absl::string_view item : absl::StrSplit(sentinels, ',', absl::SkipWhitespace())) {
      const absl::string_view trimmed = absl::StripAsciiWhitespace(item);
      auto sentinel = config::ParseHostPort(std::string_view(trimmed.data(), trimmed.size()));
      if (!sentinel) {
        reader.AddError("IPRAKTIK_REDIS_SENTINELS",
                        "'" + sentinels + "' is not a list of host:port (e.g. a:26379,b:26379)");
        break;
      }
      redis.sentinels.push_back({sentinel->host, sentinel->port});
    }
    redis.master_name = reader.String("IPRAKTIK_REDIS_MASTER_NAME", redis.master_name,
                                      "The name the Sentinels monitor the primary under.");
    redis.sentinel_password =
        reader.Secret("IPRAKTIK_REDIS_SENTINEL_PASSWORD",
                      "AUTH password of the Sentinels (empty: they ask for none).");
    redis.wait_replicas = static_cast<int>(
        reader.Int("IPRAKTIK_REDIS_WAIT_REPLICAS", 0, 0, 8,
                   "Replicas that must confirm a write (WAIT) before it is acknowledged; 0: none "
                   "(a single Redis)."));
    redis.wait_timeout = absl::FromChrono(reader.Duration(
        "IPRAKTIK_REDIS_WAIT_TIMEOUT", 500ms, 10ms, 1s,
        "How long a write waits for its replicas before the call fails UNAVAILABLE."));
    settings.redis = std::move(redis);
  }
  if (spec.Needs(Resource::kBus)) {
    settings.amqp_url = reader
                            .Url("IPRAKTIK_AMQP_URL", "amqp://guest:guest@127.0.0.1:7672/",
                                 {"amqp"}, "RabbitMQ: amqp://user:password@host:port/vhost.")
                            .text;
  }
  if (!spec.needs.empty()) {
    settings.connect_timeout = reader.Duration(
        "IPRAKTIK_CONNECT_TIMEOUT", 10s, 0s, 10min,
        "How long start-up keeps trying the service's Redis and RabbitMQ before it gives up.");
  }
}

bus::ConnectionOptions BusConnectionOptions(const ServiceSpec& spec, const std::string& url,
                                            std::string_view name, const logging::Logger& logger,
                                            prometheus::Registry& metrics) {
  bus::ConnectionOptions options;
  options.url = url;
  options.connection_name = spec.name + "-" + std::string(name);
  options.logger = logger;
  options.metrics = &metrics;
  return options;
}

Connected ConnectResources(const ServiceSpec& spec, const ServerSettings& settings,
                           prometheus::Registry& metrics, const logging::Logger& logger,
                           SignalWatcher& signals, std::unique_ptr<store::Pool>& redis) {
  if (settings.redis) {
    store::Options options = *settings.redis;
    options.registry = &metrics;
    redis = std::make_unique<store::Pool>(options);
    auto status = RetryUntil(
        settings.connect_timeout, "redis", [&] { return redis->Ping(); }, signals, logger);
    if (!status) return Connected::kStopped;
    if (!status->ok()) {
      std::string where = options.host + ":" + std::to_string(options.port);
      if (!options.sentinels.empty()) where = "the primary '" + options.master_name + "'";
      logger.Error("not started: Redis does not answer",
                   {{"address", where}, {"error", std::string(status->message())}});
      return Connected::kUnreachable;
    }
  }
  if (settings.amqp_url) {
    auto status = RetryUntil(
        settings.connect_timeout, "rabbitmq",
        [&] {
          // Declaring the events exchange proves the broker answers and lets publishers rely
          // on the exchange.
          auto options = BusConnectionOptions(spec, *settings.amqp_url, "startup", logger, metrics);
          options.connect_timeout = 2s;
          options.rpc_timeout = 2s;
          options.reconnect.max = 500ms;
          auto admin = bus::Admin::Create(std::move(options));
          if (!admin.ok()) return admin.status();
          return admin->Declare({});
        },
        signals, logger);
    if (!status) return Connected::kStopped;
    if (!status->ok()) {
      logger.Error(
          "not started: RabbitMQ does not answer",
          {{"url", config::ParseUrl(*settings.amqp_url).value_or(config::Url{}).Redacted()},
           {"error", std::string(status->message())}});
      return Connected::kUnreachable;
    }
  }
  return Connected::kAll;
}

absl::StatusOr<ResourceWatches> WatchResources(const ServiceSpec& spec,
                                               const ServerSettings& settings,
                                               const logging::Logger& logger,
                                               Readiness& readiness) {
  ResourceWatches watches;
  if (settings.redis) {
    readiness.Set("redis", false);
    watches.redis = std::make_unique<RedisWatch>(
        *settings.redis, 1s, [&readiness](bool up) { readiness.Set("redis", up); });
  }
  if (settings.amqp_url) {
    readiness.Set("rabbitmq", false);
    bus::ConnectionOptions options;
    options.url = *settings.amqp_url;
    options.connection_name = spec.name + "-watch";
    options.logger = logger;
    options.heartbeat = 5s;
    options.connect_timeout = 2s;
    options.reconnect.max = 1s;
    auto broker = bus::BrokerWatch::Start(std::move(options),
                                          [&readiness](bool up) { readiness.Set("rabbitmq", up); });
    if (!broker.ok()) return broker.status();
    watches.broker = *std::move(broker);
  }
  return watches;
}

}  // namespace ipraktik::server::internal
