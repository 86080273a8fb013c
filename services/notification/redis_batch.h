#pragma once

// Calls of the notification's repositories sent to Redis together, in one round trip: each call
// adds its commands and how to read their replies, Execute sends them all and then reads. For
// calls that do not depend on each other's order (a script Redis had to load again runs after
// the rest, see store::Pipeline::AddScript), and are safe to repeat (the batch is retried as a
// whole when the connection drops).

#include <cstddef>
#include <functional>
#include <span>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "ipraktik/store/pool.h"

namespace ipraktik::notification {

class RedisBatch {
 public:
  // Reads the replies of one call's commands (as many as it added): an error for a reply that
  // says the call failed.
  using Reader = std::function<absl::Status(std::span<const store::Reply>)>;

  explicit RedisBatch(store::Pool& redis) : redis_(redis) {}

  // Adds a call; without a reader, an error reply of any of its commands fails the batch.
  void Add(const store::Pipeline& commands, Reader read = nullptr);
  bool empty() const { return pipeline_.empty(); }

  // Sends every call's commands in one round trip and reads the replies, call by call: the
  // first failure (of the round trip, or of a call as its reader says). Once.
  absl::Status Execute();

 private:
  store::Pool& redis_;
  store::Pipeline pipeline_;
  std::vector<std::pair<std::size_t, Reader>> readers_;  // commands of each call, its reader
};

}  // namespace ipraktik::notification
