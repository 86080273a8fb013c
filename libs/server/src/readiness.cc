#include "ipraktik/server/readiness.h"

#include <utility>

#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace ipraktik::server {

Readiness::Readiness(prometheus::Registry* metrics, const logging::Logger* logger)
    : metrics_(metrics), logger_(logger) {}

void Readiness::Set(std::string_view dependency, bool up) {
  std::lock_guard lock(mutex_);
  auto found = dependencies_.find(dependency);
  const bool known = found != dependencies_.end();
  if (known && found->second.up == up) return;
  const bool was_ready = ReadyLocked();
  if (!known) {
    Dependency added;
    if (metrics_ != nullptr) {
      added.gauge = &prometheus::BuildGauge()
                         .Name("ipraktik_dependency_up")
                         .Help(
                             "1 while the dependency answers (redis, rabbitmq) or runs "
                             "(consumer:<queue>), 0 while not; the process is ready (health "
                             "SERVING) only while all are 1")
                         .Register(*metrics_)
                         .Add({{"dependency", std::string(dependency)}});
    }
    found = dependencies_.emplace(std::string(dependency), added).first;
  }
  found->second.up = up;
  if (found->second.gauge != nullptr) found->second.gauge->Set(up ? 1 : 0);
  // A first report is the dependency's start (the process says when it serves); changes are news.
  if (logger_ != nullptr && known) {
    if (up) {
      logger_->Info("dependency up", {{"dependency", dependency}});
    } else {
      logger_->Warning("dependency down", {{"dependency", dependency}});
    }
  }
  const bool ready = ReadyLocked();
  if (ready == was_ready) return;
  changed_.notify_all();
  if (listener_) listener_(ready);
}

bool Readiness::Ready() const {
  std::lock_guard lock(mutex_);
  return ReadyLocked();
}

std::vector<std::string> Readiness::Down() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> down;
  for (const auto& [name, dependency] : dependencies_) {
    if (!dependency.up) down.push_back(name);
  }
  return down;
}

void Readiness::OnChange(Listener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
  if (listener_) listener_(ReadyLocked());
}

bool Readiness::WaitUntilReady(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return ReadyLocked(); });
}

bool Readiness::ReadyLocked() const {
  for (const auto& [name, dependency] : dependencies_) {
    if (!dependency.up) return false;
  }
  return true;
}

}  // namespace ipraktik::server
