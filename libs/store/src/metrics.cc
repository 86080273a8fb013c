#include "metrics.h"

#include <string>

#include "ipraktik/metrics/counters.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace ipraktik::store {
namespace {

std::string_view ResultLabel(CommandResult result) {
  switch (result) {
    case CommandResult::kOk:
      return "ok";
    case CommandResult::kErrorReply:
      return "error_reply";
    case CommandResult::kUnavailable:
      return "unavailable";
    case CommandResult::kTimeout:
      return "timeout";
  }
  return "unknown";
}

}  // namespace

ConnectionMetrics::ConnectionMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  commands_ = &metrics::CounterFamily(*registry, "ipraktik_redis_commands_total",
                                      "Redis commands (and pipelines) sent, by command and result");
  latency_ = &prometheus::BuildHistogram()
                  .Name("ipraktik_redis_command_duration_seconds")
                  .Help("Time from sending a Redis command (or pipeline) to its last reply")
                  .Register(*registry);
  reconnects_ = &metrics::SingleCounter(*registry, "ipraktik_redis_reconnects_total",
                                        "Redis connections opened again after a connection broke");
  connect_failures_ = &metrics::SingleCounter(*registry, "ipraktik_redis_connect_failures_total",
                                              "Attempts to connect to Redis that failed");
  unreplicated_writes_ = &metrics::SingleCounter(
      *registry, "ipraktik_redis_unreplicated_writes_total",
      "Redis writes that fewer replicas confirmed (WAIT) than required: failed, not acknowledged");
  pool_in_use_ = &prometheus::BuildGauge()
                      .Name("ipraktik_redis_pool_connections_in_use")
                      .Help("Redis connections lent out by the pool")
                      .Register(*registry)
                      .Add({});
  pool_exhausted_ = &metrics::SingleCounter(*registry, "ipraktik_redis_pool_exhausted_total",
                                            "Times no pooled Redis connection became free in time");
}

void ConnectionMetrics::RecordCommand(std::string_view command, CommandResult result,
                                      absl::Duration latency) {
  if (commands_ == nullptr) return;
  const std::string name(command);
  commands_->Add({{"command", name}, {"result", std::string(ResultLabel(result))}}).Increment();
  // From 100 µs (a local round trip) to 2.5 s (beyond any command timeout we configure).
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  latency_->Add({{"command", name}}, kBuckets).Observe(absl::ToDoubleSeconds(latency));
}

void ConnectionMetrics::RecordReconnect() { metrics::Increment(reconnects_); }

void ConnectionMetrics::RecordConnectFailure() { metrics::Increment(connect_failures_); }

void ConnectionMetrics::RecordUnreplicatedWrite() { metrics::Increment(unreplicated_writes_); }

void ConnectionMetrics::SetPoolInUse(int connections) {
  if (pool_in_use_ != nullptr) pool_in_use_->Set(connections);
}

void ConnectionMetrics::RecordPoolExhausted() { metrics::Increment(pool_exhausted_); }

}  // namespace ipraktik::store
