#include "ipraktik/metrics/counters.h"

namespace ipraktik::metrics {

prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& registry,
                                                       const std::string& name,
                                                       const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Counter& SingleCounter(prometheus::Registry& registry, const std::string& name,
                                   const std::string& help) {
  return CounterFamily(registry, name, help).Add({});
}

void Increment(prometheus::Counter* counter, double value) {
  if (counter != nullptr) counter->Increment(value);
}

}  // namespace ipraktik::metrics
