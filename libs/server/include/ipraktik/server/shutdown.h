#pragma once

// The pieces of a graceful stop: SIGTERM/SIGINT received on a thread of its own, the steps that
// close what a service opened (last opened, first closed), and a watchdog that ends a shutdown
// that hangs.

#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ipraktik/logging/logger.h"

namespace ipraktik::server {

// Receives SIGTERM and SIGINT with sigwait on a dedicated thread, so no signal handler ever runs
// inside library code. Construct it at the very start of main, before any other thread exists:
// it blocks both signals in the calling thread, and threads started later inherit that. It also
// ignores SIGPIPE, so a write to a closed socket is an error return, not the end of the process.
class SignalWatcher {
 public:
  struct StopRequest {
    std::string reason;  // "SIGTERM", "SIGINT", or the reason given to Stop()
    bool from_signal = false;
  };

  SignalWatcher();
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // Blocks until the first signal arrives or Stop() is called.
  StopRequest Wait();
  // The same, but gives up after timeout (nullopt): a pause that a signal cuts short.
  std::optional<StopRequest> WaitFor(std::chrono::milliseconds timeout);
  // Ends Wait() as a signal would, e.g. when a background part failed for good.
  void Stop(std::string reason);
  // Called (on the watcher's thread) for every signal after the first, e.g. to exit at once
  // when an operator presses Ctrl-C twice.
  void OnRepeatedSignal(std::function<void(int signal)> callback);

 private:
  void Run();

  sigset_t signals_{};
  sigset_t previous_mask_{};
  std::mutex mutex_;
  std::condition_variable stopped_;
  std::optional<StopRequest> request_;
  std::function<void(int)> on_repeated_signal_;
  bool closing_ = false;
  std::thread thread_;
};

// What to close at shutdown, run in the reverse order of registration: consumers registered
// after the connections they use are stopped before those connections close.
class ShutdownSteps {
 public:
  void Add(std::string name, std::function<void()> step);
  // Runs every step once (later calls do nothing), logging each with how long it took.
  void Run(const logging::Logger& logger);
  // The step running now ("" when none), for a watchdog's message.
  std::string current() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::function<void()>>> steps_;
  std::string current_;
};

// Calls on_expiry and then ends the process with exit code 1 unless destroyed within timeout:
// a shutdown that hangs must not keep an orchestrator, or `make stop`, waiting for ever.
class Watchdog {
 public:
  Watchdog(std::chrono::milliseconds timeout, std::function<void()> on_expiry);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable disarmed_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace ipraktik::server
