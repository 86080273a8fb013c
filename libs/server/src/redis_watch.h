#pragma once

// Says whether Redis answers, for readiness: a PING every interval on a connection of its own
// (not the pool's, so a busy pool never looks like a Redis that is down), each answer or failure
// reported as it comes. Stops when destroyed.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "ipraktik/store/connection.h"

namespace ipraktik::server::internal {

class RedisWatch {
 public:
  // report is called on the watch's thread after every PING: true when Redis answered.
  RedisWatch(store::Options options, std::chrono::milliseconds interval,
             std::function<void(bool up)> report);
  ~RedisWatch();
  RedisWatch(const RedisWatch&) = delete;
  RedisWatch& operator=(const RedisWatch&) = delete;

 private:
  void Run(store::Options options);

  const std::chrono::milliseconds interval_;
  const std::function<void(bool)> report_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ipraktik::server::internal
