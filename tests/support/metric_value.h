#pragma once

// Reading one sample from a prometheus-cpp registry in tests, so that a counter is asserted by
// its value (or its change), never by its name appearing: many counters are registered at 0.
// Header-only: a test that includes it links prometheus-cpp::core itself.

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <map>
#include <optional>
#include <string>

namespace ipraktik::testing {

// The value of the sample of family `name` whose labels include every one of `labels`: a
// counter's or gauge's value, a histogram's or summary's sample count. Nullopt when there is none.
inline std::optional<double> MetricValue(const prometheus::Collectable& registry,
                                         const std::string& name,
                                         const std::map<std::string, std::string>& labels = {}) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::size_t matched = 0;
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        auto wanted = labels.find(label.name);
        if (wanted != labels.end() && wanted->second == label.value) ++matched;
      }
      if (matched != labels.size()) continue;
      switch (family.type) {
        case prometheus::MetricType::Counter:
          return metric.counter.value;
        case prometheus::MetricType::Gauge:
          return metric.gauge.value;
        case prometheus::MetricType::Histogram:
          return static_cast<double>(metric.histogram.sample_count);
        case prometheus::MetricType::Summary:
          return static_cast<double>(metric.summary.sample_count);
        default:
          return metric.untyped.value;
      }
    }
  }
  return std::nullopt;
}

// MetricValue, with 0 for a sample that was never registered (a counter created on first use).
inline double CountOf(const prometheus::Collectable& registry, const std::string& name,
                      const std::map<std::string, std::string>& labels = {}) {
  return MetricValue(registry, name, labels).value_or(0);
}

}  // namespace ipraktik::testing
