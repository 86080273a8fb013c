#pragma once

// Prometheus metrics of one service process: one registry that every library registers its
// metrics into, served at http://<address>/metrics together with the process metrics.
//
//   auto metrics = metrics::Metrics::Serve("127.0.0.1:9101");   // absl::StatusOr
//   auto& jobs = prometheus::BuildCounter().Name("ipraktik_matching_jobs_total")
//                    .Help("Matching jobs finished").Register((*metrics)->registry());

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}

namespace ipraktik::metrics {

class Metrics {
 public:
  // Starts the HTTP endpoint on address ("host:port"; port 0 takes any free port). Fails when
  // the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Metrics>> Serve(const std::string& address);
  ~Metrics();

  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Where libraries and services register their metrics; lives as long as this object.
  prometheus::Registry& registry() { return *registry_; }
  // The port /metrics is served on (the chosen one when the address asked for port 0).
  int port() const { return port_; }
  // Closes the endpoint; the registry stays. Also done by the destructor.
  void StopServing();

 private:
  Metrics() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> process_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
  std::string wake_host_;
};

// The standard process_* metrics of this process, read from /proc at every scrape:
// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds, and process_threads.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace ipraktik::metrics
