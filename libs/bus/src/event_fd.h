#pragma once

// An eventfd that wakes a thread blocked in poll (a connection thread waiting for frames or
// sleeping through a reconnect backoff) from any other thread.

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "ipraktik/bus/options.h"

namespace ipraktik::bus::internal {

class EventFd {
 public:
  EventFd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  EventFd(const EventFd&) = delete;
  EventFd& operator=(const EventFd&) = delete;
  ~EventFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Negative when the eventfd could not be made.
  int fd() const { return fd_; }
  void Signal() const {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof one);
  }

  // Waits delay unless stop turns true (signal this to notice it at once): true when the whole
  // delay passed, false when stopped.
  bool SleepUnless(const std::atomic<bool>& stop, Duration delay) const {
    auto until = std::chrono::steady_clock::now() + delay;
    while (!stop.load()) {
      auto left = std::chrono::duration_cast<Duration>(until - std::chrono::steady_clock::now());
      if (left <= Duration(0)) return true;
      pollfd wake{fd_, POLLIN, 0};
      if (::poll(&wake, 1, static_cast<int>(left.count())) > 0) {
        std::uint64_t ignored = 0;
        [[maybe_unused]] ssize_t n = ::read(fd_, &ignored, sizeof ignored);
      }
    }
    return false;
  }

 private:
  int fd_;
};

}  // namespace ipraktik::bus::internal
