#pragma once

// Waiting in integration tests for something another process does: poll until it holds.

#include <chrono>
#include <functional>
#include <thread>

namespace ipraktik::testing {

// Polls until predicate holds (true) or timeout passes (false). The timeout only bounds a
// failure: it is long because CI's two cores are shared and loaded (a replica's restart there
// took more than 30 s).
inline bool Eventually(const std::function<bool()>& predicate,
                       std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return predicate();
}

}  // namespace ipraktik::testing
