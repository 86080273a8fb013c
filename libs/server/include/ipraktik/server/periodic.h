#pragma once

// A background pass repeated every interval (a scheduler polling Redis for what is due), on the
// caller's thread, until stop is requested; the wait is cut short by the stop, so a shutdown is
// not held up by a long interval. The pass reports its own failures (it is run again next time).

#include <functional>
#include <stop_token>

#include "absl/time/time.h"

namespace ipraktik::server {

void RunPeriodically(std::stop_token stop, absl::Duration interval,
                     const std::function<void()>& pass);

}  // namespace ipraktik::server
