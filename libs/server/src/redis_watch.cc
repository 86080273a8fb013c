#include "redis_watch.h"

#include <algorithm>
#include <utility>

#include "absl/time/time.h"

namespace ipraktik::server::internal {

RedisWatch::RedisWatch(store::Options options, std::chrono::milliseconds interval,
                       std::function<void(bool up)> report)
    : interval_(interval), report_(std::move(report)) {
  // One try per PING, each bounded by the interval, and no command metrics: the service's
  // Redis metrics count its own work.
  absl::Duration bound = absl::FromChrono(interval);
  options.connect_timeout = std::min(options.connect_timeout, bound);
  options.command_timeout = std::min(options.command_timeout, bound);
  options.max_attempts = 1;
  options.registry = nullptr;
  thread_ = std::thread([this, options = std::move(options)] { Run(options); });
}

RedisWatch::~RedisWatch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
}

void RedisWatch::Run(store::Options options) {
  store::Connection connection(std::move(options));
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    report_(connection.Ping().ok());
    lock.lock();
    stop_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace ipraktik::server::internal
