#pragma once

// Counters as the services declare them: a name, a help text and (for a family) labels added
// later. Services keep their metrics optional (no registry in most tests), so the counters they
// hold may be null; Increment skips those.
//
//   auto& signups = metrics::CounterFamily(registry, "ipraktik_x_total", "What it counts");
//   created_ = &signups.Add({{"result", "created"}});
//   metrics::Increment(created_);

#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace ipraktik::metrics {

// The counter family `name` in registry (the same family again when it is already there).
prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& registry,
                                                       const std::string& name,
                                                       const std::string& help);

// The one counter without labels of the family `name`.
prometheus::Counter& SingleCounter(prometheus::Registry& registry, const std::string& name,
                                   const std::string& help);

// Adds value to counter unless it is null (metrics not registered).
void Increment(prometheus::Counter* counter, double value = 1);

}  // namespace ipraktik::metrics
