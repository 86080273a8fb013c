#include "metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace ipraktik::bus::internal {
namespace {

// Registering a family that exists returns it, so publishers and consumers share one registry.
prometheus::Counter& CounterOf(prometheus::Registry& registry, const std::string& name,
                               const std::string& help, const prometheus::Labels& labels) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(labels);
}

}  // namespace

void Increment(prometheus::Counter* counter, double amount) {
  if (counter != nullptr) counter->Increment(amount);
}

void Observe(prometheus::Histogram* histogram, double value) {
  if (histogram != nullptr) histogram->Observe(value);
}

void Set(prometheus::Gauge* gauge, double value) {
  if (gauge != nullptr) gauge->Set(value);
}

BusMetrics::BusMetrics(prometheus::Registry* registry) : registry_(registry) {
  if (!registry_) return;
  published_ = &CounterOf(*registry_, "ipraktik_bus_published_messages_total",
                          "Messages sent to the broker, resends included", {});
  confirmed_ = &CounterOf(*registry_, "ipraktik_bus_confirmed_messages_total",
                          "Messages the broker confirmed (publisher confirms)", {});
}

void BusMetrics::Published(double count) { Increment(published_, count); }

void BusMetrics::Confirmed(double count) { Increment(confirmed_, count); }

void BusMetrics::PublishFailed(std::string_view reason, double count) {
  if (!registry_) return;
  CounterOf(*registry_, "ipraktik_bus_publish_failures_total",
            "Messages of publishes that returned an error, by reason",
            {{"reason", std::string(reason)}})
      .Increment(count);
}

prometheus::Counter& BusMetrics::ReconnectsOf(std::string_view role) {
  return CounterOf(*registry_, "ipraktik_bus_reconnects_total",
                   "Connections rebuilt after the broker went away", {{"role", std::string(role)}});
}

void BusMetrics::Connecting(std::string_view role) {
  if (registry_) ReconnectsOf(role);
}

void BusMetrics::Reconnected(std::string_view role) {
  if (registry_) ReconnectsOf(role).Increment();
}

QueueMetrics BusMetrics::ForQueue(const std::string& queue) {
  QueueMetrics metrics;
  if (!registry_) return metrics;
  auto consumed = [&](const char* outcome) {
    return &CounterOf(*registry_, "ipraktik_bus_consumed_messages_total",
                      "Messages handled, by what was done with them",
                      {{"queue", queue}, {"outcome", outcome}});
  };
  metrics.acked = consumed("acked");
  metrics.retried = consumed("retried");
  metrics.dead_lettered = consumed("dead_lettered");
  metrics.handler_errors =
      &CounterOf(*registry_, "ipraktik_bus_handler_errors_total",
                 "Handler exceptions (the message is retried)", {{"queue", queue}});
  metrics.handler_seconds =
      &prometheus::BuildHistogram()
           .Name("ipraktik_bus_handler_duration_seconds")
           .Help("Time a handler took for one message")
           .Register(*registry_)
           .Add({{"queue", queue}}, prometheus::Histogram::BucketBoundaries{
                                        0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60, 300, 1800});
  auto& depth = prometheus::BuildGauge()
                    .Name("ipraktik_bus_queue_messages")
                    .Help("Ready messages in a queue, read by its consumer")
                    .Register(*registry_);
  metrics.depth = &depth.Add({{"queue", queue}});
  metrics.dead_letter_depth = &depth.Add({{"queue", queue + ".dlq"}});
  return metrics;
}

}  // namespace ipraktik::bus::internal
