#include "signup_batcher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ipraktik/deadline/deadline.h"
#include "ipraktik/errors/errors.h"

namespace ipraktik::registration {

SignUpBatcher::SignUpBatcher(Registrar& registrar, SignUpBatcherOptions options)
    : registrar_(registrar), options_(options) {
  const int workers = std::max(1, options_.workers);
  for (int i = 0; i < workers; ++i) workers_.emplace_back(&SignUpBatcher::Work, this);
}

SignUpBatcher::~SignUpBatcher() { Stop(); }

absl::Status SignUpBatcher::Submit(BatchedSignUp sign_up,
                                   std::chrono::system_clock::time_point deadline) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      if (queue_.size() >= options_.max_queue) {
        return errors::ResourceExhausted(absl::StrCat("sign-ups are busy (", options_.max_queue,
                                                      " waiting); retry after the RetryInfo delay"),
                                         options_.retry_delay);
      }
      queue_.push_back({std::move(sign_up), deadline});
      queued_.notify_one();
      return absl::OkStatus();
    }
  }
  std::vector<Queued> alone;
  alone.push_back({std::move(sign_up), deadline});
  SignUp(alone);
  return absl::OkStatus();
}

void SignUpBatcher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

void SignUpBatcher::Work() {
  const std::size_t max_batch = std::max<std::size_t>(1, options_.max_batch);
  std::vector<Queued> batch;
  std::unique_lock lock(mutex_);
  while (true) {
    queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued is done
    const std::size_t take = std::min(max_batch, queue_.size());
    batch.assign(std::make_move_iterator(queue_.begin()),
                 std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(take)));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
    lock.unlock();
    SignUp(batch);
    batch.clear();
    lock.lock();
  }
}

void SignUpBatcher::SignUp(std::vector<Queued>& batch) {
  const auto now = std::chrono::system_clock::now();
  std::vector<BatchedSignUp> live;
  live.reserve(batch.size());
  auto latest = now;
  for (Queued& queued : batch) {
    if (queued.deadline <= now) {
      queued.sign_up.done(absl::DeadlineExceededError(
          "the call's deadline passed while the sign-up waited for a worker"));
      continue;
    }
    latest = std::max(latest, queued.deadline);
    live.push_back(std::move(queued.sign_up));
  }
  if (live.empty()) return;
  deadline::Scope scope(absl::FromChrono(latest));
  registrar_.SignUpMany(live);
}

}  // namespace ipraktik::registration
