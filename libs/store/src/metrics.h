#pragma once

// The store's Prometheus metrics, shared by the connections of one pool. Without a registry
// every call is a no-op, so the connection code records unconditionally.

#include <string_view>

#include "absl/time/time.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
class Registry;
}  // namespace prometheus

namespace ipraktik::store {

// How a command (or pipeline) ended, as the "result" label says it.
enum class CommandResult { kOk, kErrorReply, kUnavailable, kTimeout };

class ConnectionMetrics {
 public:
  // registry may be null: nothing is recorded then.
  explicit ConnectionMetrics(prometheus::Registry* registry);

  // command is the command's name ("GET", "EVALSHA") or "PIPELINE".
  void RecordCommand(std::string_view command, CommandResult result, absl::Duration latency);
  void RecordReconnect();
  void RecordConnectFailure();
  // A write fewer replicas confirmed than Options::wait_replicas asks (the call failed).
  void RecordUnreplicatedWrite();
  void SetPoolInUse(int connections);
  void RecordPoolExhausted();

 private:
  prometheus::Family<prometheus::Counter>* commands_ = nullptr;
  prometheus::Family<prometheus::Histogram>* latency_ = nullptr;
  prometheus::Counter* reconnects_ = nullptr;
  prometheus::Counter* connect_failures_ = nullptr;
  prometheus::Counter* unreplicated_writes_ = nullptr;
  prometheus::Gauge* pool_in_use_ = nullptr;
  prometheus::Counter* pool_exhausted_ = nullptr;
};

}  // namespace ipraktik::store
