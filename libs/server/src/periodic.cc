#include "ipraktik/server/periodic.h"

#include "absl/time/clock.h"

namespace ipraktik::server {

void RunPeriodically(std::stop_token stop, absl::Duration interval,
                     const std::function<void()>& pass) {
  constexpr absl::Duration kStep = absl::Milliseconds(50);
  while (!stop.stop_requested()) {
    pass();
    for (absl::Duration slept; slept < interval && !stop.stop_requested(); slept += kStep) {
      absl::SleepFor(kStep);
    }
  }
}

}  // namespace ipraktik::server
