#pragma once

// Takes sign-ups off gRPC's threads: a handler submits its call and returns at once, and a few
// worker threads sign up whatever has queued up meanwhile as one batch (Registrar::SignUpMany:
// one round trip for all reads, one for all commits). Under load a batch holds many calls, so
// Redis sees pipelines instead of one command per round trip, and no gRPC thread blocks on it.
// Idle, a batch holds one call and costs what a direct call does.

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
};

class SignUpBatcher {
 public:
  // registrar must outlive the batcher. Starts the workers.
  SignUpBatcher(Registrar& registrar, SignUpBatcherOptions options = {});
  // Stop().
  ~SignUpBatcher();
  SignUpBatcher(const SignUpBatcher&) = delete;
  SignUpBatcher& operator=(const SignUpBatcher&) = delete;

  // Queues a sign-up; its done runs on a worker thread. After Stop(), runs it on the caller's
  // thread instead, so nothing submitted is ever dropped.
  void Submit(BatchedSignUp sign_up);
  // Signs up everything queued, then ends the workers. Idempotent.
  void Stop();

 private:
  void Work();

  Registrar& registrar_;
  const SignUpBatcherOptions options_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<BatchedSignUp> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace ipraktik::registration
