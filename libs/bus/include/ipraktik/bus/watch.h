#pragma once

// Says whether the broker can be reached, for readiness: one idle connection of its own, kept
// open with heartbeats on a thread of its own. When it breaks (the broker stopped, the network
// went, a heartbeat went unanswered) the watch reports down at once and reconnects with the
// connection's backoff; once a connection stands again it reports up. Nothing is declared or
// consumed on it.

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "ipraktik/bus/options.h"

namespace ipraktik::bus {

class BrokerWatch {
 public:
  // Called on the watch's thread with true when a connection stands, false when it was lost
  // or cannot be opened (each change once; the first call says how the first attempt went).
  using Report = std::function<void(bool up)>;

  // Starts watching; INVALID_ARGUMENT for a bad URL.
  static absl::StatusOr<std::unique_ptr<BrokerWatch>> Start(ConnectionOptions options,
                                                            Report report);
  BrokerWatch(const BrokerWatch&) = delete;
  BrokerWatch& operator=(const BrokerWatch&) = delete;
  // Stops.
  ~BrokerWatch();

  // Closes the connection and ends the thread (no report after it returns). Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit BrokerWatch(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ipraktik::bus
