#pragma once

// The one place a service's calls do their blocking work (Redis, RabbitMQ, calls to other
// services): a fixed pool of worker threads with a bounded queue, so gRPC's callback threads
// only hand work over and stay free to read and write the network, the way gRPC's own callback
// examples keep their reactors fast. When the queue is full, Submit refuses at once with
// RESOURCE_EXHAUSTED and a RetryInfo delay: under overload callers hear "retry later" instead of
// waiting in an ever longer queue for answers they have long stopped waiting for.
//
//   server::Executor executor({.threads = 8, .queue_capacity = 256, .metrics = &registry});
//   absl::Status queued = executor.Submit([&] { ...blocking work, then finish the call... });
//   if (!queued.ok()) reactor->Finish(rpc_status::ToGrpcStatus(queued));   // RESOURCE_EXHAUSTED

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace prometheus {
class Registry;
class Gauge;
class Counter;
}  // namespace prometheus

namespace ipraktik::server {

struct ExecutorOptions {
  // Worker threads (IPRAKTIK_HANDLER_THREADS) and the most work waiting for one
  // (IPRAKTIK_HANDLER_QUEUE); see docs/operations.md.
  int threads = 8;
  std::size_t queue_capacity = 256;
  // The RetryInfo delay a refused caller is told to wait.
  absl::Duration retry_delay = absl::Milliseconds(100);
  // When set: ipraktik_handler_queued_calls, ipraktik_handler_busy_threads and
  // ipraktik_handler_rejected_total there. Must outlive the executor.
  prometheus::Registry* metrics = nullptr;
};

class Executor {
 public:
  using Work = absl::AnyInvocable<void() &&>;

  // Starts the workers.
  explicit Executor(ExecutorOptions options = {});
  // Stop().
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues work for a worker. RESOURCE_EXHAUSTED with a RetryInfo delay when the queue is full;
  // UNAVAILABLE after Stop(). Work that is refused is not run: the caller answers its call.
  absl::Status Submit(Work work);

  // Runs everything queued, then ends the workers. Idempotent.
  void Stop();

  // Work queued and not yet taken by a worker.
  std::size_t queued() const;

 private:
  void Run();

  const ExecutorOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Work> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  prometheus::Gauge* depth_ = nullptr;
  prometheus::Gauge* busy_ = nullptr;
  prometheus::Counter* rejected_ = nullptr;
};

}  // namespace ipraktik::server
