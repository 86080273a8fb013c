#include "signup_batcher.h"

#include <algorithm>
#include <utility>

namespace ipraktik::registration {

SignUpBatcher::SignUpBatcher(Registrar& registrar, SignUpBatcherOptions options)
    : registrar_(registrar), options_(options) {
  const int workers = std::max(1, options_.workers);
  for (int i = 0; i < workers; ++i) workers_.emplace_back(&SignUpBatcher::Work, this);
}

SignUpBatcher::~SignUpBatcher() { Stop(); }

void SignUpBatcher::Submit(BatchedSignUp sign_up) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(sign_up));
      queued_.notify_one();
      return;
    }
  }
  registrar_.SignUpMany(std::span(&sign_up, 1));
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
  std::vector<BatchedSignUp> batch;
  std::unique_lock lock(mutex_);
  while (true) {
    queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued is done
    const std::size_t take = std::min(max_batch, queue_.size());
    batch.assign(std::make_move_iterator(queue_.begin()),
                 std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(take)));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
    lock.unlock();
    registrar_.SignUpMany(batch);
    batch.clear();
    lock.lock();
  }
}

}  // namespace ipraktik::registration
