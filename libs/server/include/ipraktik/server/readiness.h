#pragma once

// Whether the process can do its work now: ready while every dependency it has reports up
// (Redis answers, the RabbitMQ connection stands, each event consumer is subscribed), not ready
// while any one is down. The parts that notice a change report it (Set); a listener (the gRPC
// health status "" and every service's name, see application.h) hears every change of the
// whole. Liveness is another matter: kLivenessHealthName (grpc_server.h) does not follow this.
//
//   Readiness readiness(&registry, &logger);
//   readiness.Set("redis", false);                     // known, down until it reports
//   readiness.OnChange([&](bool ready) { server.SetServing(ready); });
//   readiness.Set("redis", true);                      // from the part that watches Redis
//
// Each dependency is the gauge ipraktik_dependency_up{dependency="<name>"} (1 up, 0 down) when a
// registry is given. Dependency names go into a metric label and log lines: fixed names such as
// "redis", "rabbitmq", "consumer:<queue>", never anything a caller chose.
//
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ipraktik/logging/logger.h"

namespace prometheus {
class Gauge;
class Registry;
}  // namespace prometheus

namespace ipraktik::server {

class Readiness {
 public:
  // Called with the readiness of the whole, on the thread that reported the change, one call
  // at a time and in the order of the changes. It must not call back into the Readiness.
  using Listener = std::function<void(bool ready)>;

  // metrics and logger are optional (null: no gauge, no log lines); both must outlive it.
  explicit Readiness(prometheus::Registry* metrics = nullptr,
                     const logging::Logger* logger = nullptr);
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  // The state of a dependency, which becomes known at its first report. Reporting the state
  // it already has changes nothing (no log line, no listener call).
  void Set(std::string_view dependency, bool up);

  // True when every known dependency is up (also when there is none).
  bool Ready() const;
  // The dependencies down now, by name.
  std::vector<std::string> Down() const;

  // Replaces the listener and calls it at once with the readiness now, then at every change.
  void OnChange(Listener listener);

  // Waits until ready (true) or until timeout passed (false).
  bool WaitUntilReady(std::chrono::milliseconds timeout) const;

 private:
  struct Dependency {
    bool up = false;
    prometheus::Gauge* gauge = nullptr;
  };
  bool ReadyLocked() const;

  prometheus::Registry* metrics_;
  const logging::Logger* logger_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::map<std::string, Dependency, std::less<>> dependencies_;
  Listener listener_;
};

}  // namespace ipraktik::server
