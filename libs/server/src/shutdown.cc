#include "ipraktik/server/shutdown.h"

#include <pthread.h>

#include <cstdlib>

namespace ipraktik::server {

SignalWatcher::SignalWatcher() {
  ::signal(SIGPIPE, SIG_IGN);
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &signals_, &previous_mask_);
  thread_ = std::thread([this] { Run(); });
}

SignalWatcher::~SignalWatcher() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  // Wakes the sigwait; closing_ tells the thread this signal is ours.
  ::pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
  ::pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void SignalWatcher::Run() {
  for (;;) {
    int signal = 0;
    if (::sigwait(&signals_, &signal) != 0) continue;
    std::function<void(int)> callback;
    {
      std::lock_guard lock(mutex_);
      if (closing_) return;
      if (!request_) {
        request_ = StopRequest{signal == SIGINT ? "SIGINT" : "SIGTERM", true};
        stopped_.notify_all();
        continue;
      }
      callback = on_repeated_signal_;
    }
    if (callback) callback(signal);
  }
}

SignalWatcher::StopRequest SignalWatcher::Wait() {
  std::unique_lock lock(mutex_);
  stopped_.wait(lock, [this] { return request_.has_value(); });
  return *request_;
}

std::optional<SignalWatcher::StopRequest> SignalWatcher::WaitFor(
    std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  stopped_.wait_for(lock, timeout, [this] { return request_.has_value(); });
  return request_;
}

void SignalWatcher::Stop(std::string reason) {
  std::lock_guard lock(mutex_);
  if (request_) return;
  request_ = StopRequest{std::move(reason), false};
  stopped_.notify_all();
}

void SignalWatcher::OnRepeatedSignal(std::function<void(int)> callback) {
  std::lock_guard lock(mutex_);
  on_repeated_signal_ = std::move(callback);
}

void ShutdownSteps::Add(std::string name, std::function<void()> step) {
  std::lock_guard lock(mutex_);
  steps_.emplace_back(std::move(name), std::move(step));
}

void ShutdownSteps::Run(const logging::Logger& logger) {
  for (;;) {
    std::pair<std::string, std::function<void()>> step;
    {
      std::lock_guard lock(mutex_);
      if (steps_.empty()) {
        current_.clear();
        return;
      }
      step = std::move(steps_.back());
      steps_.pop_back();
      current_ = step.first;
    }
    auto start = std::chrono::steady_clock::now();
    step.second();
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    logger.Info("shutdown step done", {{"step", step.first}, {"seconds", took.count()}});
  }
}

std::string ShutdownSteps::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

Watchdog::Watchdog(std::chrono::milliseconds timeout, std::function<void()> on_expiry)
    : thread_([this, timeout, on_expiry = std::move(on_expiry)] {
        std::unique_lock lock(mutex_);
        if (disarmed_.wait_for(lock, timeout, [this] { return done_; })) return;
        on_expiry();
        std::_Exit(1);
      }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  disarmed_.notify_all();
  thread_.join();
}

}  // namespace ipraktik::server
