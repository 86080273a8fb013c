#pragma once

// Broker look-ups for dashboards, operations and tests: queue depth (a passive declare, which
// never creates a queue), declaring a topology, and taking single messages off a queue (to read
// a dead-letter queue).
//
// Thread-safety: an Admin owns one AMQP connection and is NOT thread-safe: one per thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ipraktik/bus/message.h"
#include "ipraktik/bus/options.h"

namespace ipraktik::bus {

struct QueueInfo {
  std::uint32_t messages = 0;  // ready (not yet delivered, or requeued)
  std::uint32_t consumers = 0;
};

class Admin {
 public:
  static absl::StatusOr<Admin> Create(ConnectionOptions options);

  Admin(Admin&&) noexcept;
  Admin& operator=(Admin&&) noexcept;
  ~Admin();

  // NOT_FOUND when the queue does not exist.
  absl::StatusOr<QueueInfo> InspectQueue(std::string_view queue);
  // The events exchange (or the spec's exchange), the queues, their bindings, retry and
  // dead-letter queues. Idempotent.
  absl::Status Declare(std::span<const QueueSpec> queues);
  // Takes the oldest message off the queue and acks it (basic.get); nullopt when it is empty.
  absl::StatusOr<std::optional<Delivery>> Take(std::string_view queue);
  // Removes every ready message; returns how many were removed.
  absl::StatusOr<std::uint32_t> Purge(std::string_view queue);

 private:
  struct Impl;
  explicit Admin(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ipraktik::bus
