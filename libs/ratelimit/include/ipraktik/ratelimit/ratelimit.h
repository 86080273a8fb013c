#pragma once

// A token bucket per caller (requests per second, with a burst), whose state lives in Redis so
// that every replica of a service draws on the same bucket. The bucket is kept as the generic
// cell rate algorithm keeps it: one number per bucket, the time at which the bucket will be full
// again ("theoretical arrival time"), read and moved on by one Lua script, so a decision is one
// atomic round trip whatever the number of replicas.
//
//   ratelimit::Limiter limiter(redis, {.per_second = 50, .burst = 100});
//   auto decision = limiter.Take("aarhus", "key:k-17");
//   if (decision.ok() && !decision->allowed) ...answer RESOURCE_EXHAUSTED, retry after
//                                               decision->retry_after...
//
// The clock is Redis's own (TIME inside the script), so replicas with skewed clocks still agree;
// a test passes its own time to Take to decide without waiting.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/store/pool.h"

namespace ipraktik::ratelimit {

struct Limit {
  // Calls a bucket refills per second; 0 turns the limit off.
  int per_second = 0;
  // Calls a full bucket allows at once (at least 1).
  int burst = 1;

  bool enabled() const { return per_second > 0; }
};

struct Decision {
  bool allowed = true;
  // When refused: how long until the bucket holds a call again.
  absl::Duration retry_after = absl::ZeroDuration();
};

class Limiter {
 public:
  // redis must outlive the limiter.
  Limiter(store::Pool& redis, Limit limit);

  // Takes one call from the bucket of `bucket` in tenant's key space
  // (ipraktik:{<tenant>}:ratelimit:<bucket>), or says how long to wait. now: the time to decide
  // at (tests); nullopt uses Redis's clock. A refused call takes nothing from the bucket.
  absl::StatusOr<Decision> Take(std::string_view tenant, std::string_view bucket,
                                std::optional<absl::Time> now = std::nullopt) const;

  const Limit& limit() const { return limit_; }

 private:
  store::Pool& redis_;
  Limit limit_;
  store::Script script_;
};

}  // namespace ipraktik::ratelimit
