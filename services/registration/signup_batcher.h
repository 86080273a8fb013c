#pragma once

// Takes sign-ups off gRPC's threads: a handler submits its call and returns at once, and a few
// worker threads sign up whatever has queued up meanwhile as one batch (Registrar::SignUpMany:
// one round trip for all reads, one for all commits). Under load a batch holds many calls, so
// Redis sees pipelines instead of one command per round trip, and no gRPC thread blocks on it.
// Idle, a batch holds one call and costs what a direct call does. The queue is bounded like the
// server's handler queue: when it is full a sign-up is refused at once with RESOURCE_EXHAUSTED and
// a RetryInfo delay. A batch runs under the latest deadline of its calls (libs/deadline), so no
// call's work is cut short by another's; a call whose deadline passed while it waited is answered
// DEADLINE_EXCEEDED without being started.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "registrar.h"

namespace ipraktik::registration {

struct SignUpBatcherOptions {
  int workers = 2;
  std::size_t max_batch = 64;
  // The most sign-ups waiting for a worker, and the delay a refused caller is told to wait.
  std::size_t max_queue = 1024;
  absl::Duration retry_delay = absl::Milliseconds(100);
};

class SignUpBatcher {
 public:
  // registrar must outlive the batcher. Starts the workers.
  SignUpBatcher(Registrar& registrar, SignUpBatcherOptions options = {});
  // Stop().
  ~SignUpBatcher();
  SignUpBatcher(const SignUpBatcher&) = delete;
  SignUpBatcher& operator=(const SignUpBatcher&) = delete;

  // Queues a sign-up that must be done by deadline; its done runs on a worker thread. After
  // Stop(), runs it on the caller's thread instead, so nothing accepted is ever dropped. When
  // the queue is full: RESOURCE_EXHAUSTED with a RetryInfo delay, and done is not called.
  absl::Status Submit(BatchedSignUp sign_up, std::chrono::system_clock::time_point deadline);
  // Signs up everything queued, then ends the workers. Idempotent.
  void Stop();

 private:
  struct Queued {
    BatchedSignUp sign_up;
    std::chrono::system_clock::time_point deadline;
  };

  void Work();
  // Answers the sign-ups whose deadline passed and signs up the rest, under their latest deadline.
  void SignUp(std::vector<Queued>& batch);

  Registrar& registrar_;
  const SignUpBatcherOptions options_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace ipraktik::registration
