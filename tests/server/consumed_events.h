#pragma once

// The router tests' reading of ipraktik_events_consumed_total.

#include <prometheus/registry.h>

#include <string>
#include <string_view>

namespace ipraktik::server::testing {

// The counter of events of `type` with `outcome` (0 when there is none).
inline double ConsumedEvents(prometheus::Registry& registry, std::string_view type,
                             std::string_view outcome) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != "ipraktik_events_consumed_total") continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::string_view metric_type;
      std::string_view metric_outcome;
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        if (label.name == "type") metric_type = label.value;
        if (label.name == "outcome") metric_outcome = label.value;
      }
      if (metric_type == type && metric_outcome == outcome) return metric.counter.value;
    }
  }
  return 0;
}

}  // namespace ipraktik::server::testing
