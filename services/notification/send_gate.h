#pragma once

// The send rate limit (domain/delivery.h's SendRateLimiter) shared by all sending threads.

#include <mutex>
#include <stop_token>

#include "absl/time/time.h"
#include "domain/delivery.h"

namespace ipraktik::notification {

// The send rate limit shared by all sending threads.
class SendGate {
 public:
  SendGate(double rate, int burst, Clock clock);
  // Waits for this send's turn; false when stop was requested meanwhile.
  bool Wait(const std::stop_token& stop);

 private:
  std::mutex mutex_;
  SendRateLimiter limiter_;
  Clock clock_;
};

}  // namespace ipraktik::notification
