#include "ipraktik/server/executor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ipraktik/errors/errors.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace ipraktik::server {

Executor::Executor(ExecutorOptions options) : options_(std::move(options)) {
  if (options_.metrics != nullptr) {
    depth_ = &prometheus::BuildGauge()
                  .Name("ipraktik_handler_queued_calls")
                  .Help("Calls' work waiting for a handler thread")
                  .Register(*options_.metrics)
                  .Add({});
    busy_ = &prometheus::BuildGauge()
                 .Name("ipraktik_handler_busy_threads")
                 .Help("Handler threads running a call's work now")
                 .Register(*options_.metrics)
                 .Add({});
    rejected_ = &prometheus::BuildCounter()
                     .Name("ipraktik_handler_rejected_total")
                     .Help("Calls answered RESOURCE_EXHAUSTED because the handler queue was full")
                     .Register(*options_.metrics)
                     .Add({});
  }
  const int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i) workers_.emplace_back(&Executor::Run, this);
}

Executor::~Executor() { Stop(); }

absl::Status Executor::Submit(Work work) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return absl::UnavailableError("the server is shutting down");
    if (queue_.size() >= options_.queue_capacity) {
      if (rejected_ != nullptr) rejected_->Increment();
      return errors::ResourceExhausted(
          absl::StrCat("the server is busy (", options_.queue_capacity,
                       " calls waiting for a handler); retry after the RetryInfo delay"),
          options_.retry_delay);
    }
    queue_.push_back(std::move(work));
    if (depth_ != nullptr) depth_->Set(static_cast<double>(queue_.size()));
  }
  queued_.notify_one();
  return absl::OkStatus();
}

void Executor::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

std::size_t Executor::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void Executor::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued has run
    Work work = std::move(queue_.front());
    queue_.pop_front();
    if (depth_ != nullptr) depth_->Set(static_cast<double>(queue_.size()));
    if (busy_ != nullptr) busy_->Increment();
    lock.unlock();
    std::move(work)();
    work = nullptr;  // whatever it captured is released outside the lock
    lock.lock();
    if (busy_ != nullptr) busy_->Decrement();
  }
}

}  // namespace ipraktik::server
