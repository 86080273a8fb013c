#include "send_gate.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace ipraktik::notification {

SendGate::SendGate(double rate, int burst, Clock clock)
    : limiter_(rate, burst), clock_(std::move(clock)) {}

bool SendGate::Wait(const std::stop_token& stop) {
  absl::Duration wait;
  {
    std::lock_guard lock(mutex_);
    wait = limiter_.Reserve(clock_());
  }
  // Sleep in short steps so that a shutdown is not held up by a long queue of sends.
  while (wait > absl::ZeroDuration()) {
    if (stop.stop_requested()) return false;
    absl::Duration step = std::min(wait, absl::Milliseconds(100));
    absl::SleepFor(step);
    wait -= step;
  }
  return !stop.stop_requested();
}

}  // namespace ipraktik::notification
