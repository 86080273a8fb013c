#pragma once

// Keeps one broker connection for a publisher, consumer or admin: opens it when needed, runs
// the owner's setup (channels, confirm mode, topology, consumers) on it, and after a failure
// tries again with exponential backoff until a deadline, logging each failure.

#include <functional>
#include <memory>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "amqp_connection.h"
#include "ipraktik/bus/options.h"
#include "ipraktik/logging/logger.h"
#include "metrics.h"

namespace ipraktik::bus::internal {

class ConnectionKeeper {
 public:
  using Setup = std::function<absl::Status(Connection&)>;
  // Waits `delay`; returns false when the wait was interrupted (the owner is stopping).
  using Sleep = std::function<bool(Duration delay)>;
  using RetryIf = std::function<bool(const absl::Status&)>;

  ConnectionKeeper(BrokerAddress address, const ConnectionOptions& options, std::string role,
                   Setup setup);

  void set_sleep(Sleep sleep) { sleep_ = std::move(sleep); }
  void set_retry_if(RetryIf retry_if) { retry_if_ = std::move(retry_if); }

  // The healthy connection, connecting (and retrying with backoff) as needed until deadline.
  // An error retry_if rejects (by default: anything not transient) is returned at once.
  absl::StatusOr<Connection*> Get(Clock::time_point deadline);
  // Forgets the connection (closing it gracefully if it is still healthy).
  void Drop() { connection_.reset(); }
  Connection* current() { return connection_.get(); }

  const logging::Logger& logger() const { return logger_; }
  BusMetrics& metrics() { return metrics_; }
  const std::string& role() const { return role_; }

 private:
  BrokerAddress address_;
  ConnectionOptions options_;
  std::string role_;
  Setup setup_;
  Sleep sleep_;
  RetryIf retry_if_;
  logging::Logger logger_;
  BusMetrics metrics_;
  std::mt19937_64 random_;
  std::unique_ptr<Connection> connection_;
  bool connected_before_ = false;
  int failures_ = 0;
};

}  // namespace ipraktik::bus::internal
