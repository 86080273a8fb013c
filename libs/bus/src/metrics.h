#pragma once

// The bus's Prometheus metrics; every call is a no-op without a registry.
//
//   ipraktik_bus_published_messages_total           messages sent to the broker (with resends)
//   ipraktik_bus_confirmed_messages_total           messages the broker confirmed
//   ipraktik_bus_publish_failures_total{reason}     messages of failed publishes: nack,
//                                                   unroutable, timeout, connection, refused
//   ipraktik_bus_reconnects_total{role}             publisher, consumer, admin
//   ipraktik_bus_consumed_messages_total{queue,outcome}  acked, retried, dead_lettered
//   ipraktik_bus_handler_errors_total{queue}        handler exceptions (counted as retried)
//   ipraktik_bus_handler_duration_seconds{queue}    histogram
//   ipraktik_bus_queue_messages{queue}              ready messages in the queue and its .dlq

#include <string>
#include <string_view>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace ipraktik::bus::internal {

struct QueueMetrics {
  prometheus::Counter* acked = nullptr;
  prometheus::Counter* retried = nullptr;
  prometheus::Counter* dead_lettered = nullptr;
  prometheus::Counter* handler_errors = nullptr;
  prometheus::Histogram* handler_seconds = nullptr;
  prometheus::Gauge* depth = nullptr;
  prometheus::Gauge* dead_letter_depth = nullptr;
};

class BusMetrics {
 public:
  explicit BusMetrics(prometheus::Registry* registry);

  bool enabled() const { return registry_ != nullptr; }
  void Published(double count);
  void Confirmed(double count);
  void PublishFailed(std::string_view reason, double count);
  // A connection of this role exists: its reconnect counter starts at zero (an alert on its
  // increase has a series before the first reconnect).
  void Connecting(std::string_view role);
  void Reconnected(std::string_view role);
  QueueMetrics ForQueue(const std::string& queue);

 private:
  prometheus::Counter& ReconnectsOf(std::string_view role);

  prometheus::Registry* registry_;
  prometheus::Counter* published_ = nullptr;
  prometheus::Counter* confirmed_ = nullptr;
};

void Increment(prometheus::Counter* counter, double amount = 1);
void Observe(prometheus::Histogram* histogram, double value);
void Set(prometheus::Gauge* gauge, double value);

}  // namespace ipraktik::bus::internal
