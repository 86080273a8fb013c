#pragma once

// What the call shell (calls.h) does around a call besides running it: before the domain call,
// the caller's rate limit (libs/ratelimit: a token bucket per key in Redis, shared by every
// replica; one per tenant for participants' calls, which carry no key); after it, the audit entry
// its RPC declares (libs/audit, option (ipraktik.v1.audit) in access.proto). Services write no code
// for either.
//
// A refused call is RESOURCE_EXHAUSTED with a RetryInfo delay (the time until the bucket holds a
// call again) and counted in ipraktik_rate_limited_total{tenant}. When Redis cannot answer the
// rate limit the call goes ahead (counted in ipraktik_rate_limit_errors_total): the domain call
// will meet the same Redis and answer for itself.
//
// An audit entry is written for every call of a declared RPC that reached its domain call, with
// the outcome (OK or the status code). A successful read of a person's data whose entry cannot be
// written is answered UNAVAILABLE instead of the data: no personal data leaves unrecorded. Any
// other entry that cannot be written is logged and counted
// (ipraktik_audit_write_failures_total), since the action it records has already happened.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "ipraktik/audit/audit.h"
#include "ipraktik/config/config.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/ratelimit/ratelimit.h"
#include "ipraktik/server/call_context.h"
#include "ipraktik/store/pool.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace ipraktik::server {

// IPRAKTIK_RATE_LIMIT_PER_SECOND and IPRAKTIK_RATE_LIMIT_BURST (docs/operations.md).
ratelimit::Limit ReadRateLimit(config::Reader& reader);

class CallGuard {
 public:
  struct Options {
    // The service's name: each service has its own buckets, whatever the others allow.
    std::string service{};
    ratelimit::Limit limit;
    // When set: the metrics named above. Must outlive the guard.
    prometheus::Registry* metrics = nullptr;
    // Tests: the time rate limits are decided at (default: Redis's clock).
    std::function<absl::Time()> clock{};
  };

  // redis must outlive the guard.
  CallGuard(store::Pool& redis, Options options, logging::Logger logger);

  // Before the domain call, on a handler thread: OK, or RESOURCE_EXHAUSTED with a RetryInfo
  // delay when the caller's bucket is empty.
  absl::Status Admit(const CallContext& call) const;
  // Whether Admit may refuse a call (the limit is on).
  bool limits() const { return limiter_.limit().enabled(); }

  // After the domain call of request ended with outcome: the audit entry, when request's RPC
  // declares one. A privileged action's entry also names the objects its response names (when
  // given: a created key's id, the participants a retention run erased), after the request's;
  // counts are a bulk action's summary (an import's rows). Not OK only when a successful
  // personal read could not be recorded.
  absl::Status Record(const CallContext& call, const google::protobuf::Message& request,
                      const absl::Status& outcome,
                      const google::protobuf::Message* response = nullptr,
                      std::vector<audit::Count> counts = {}) const;

 private:
  std::string service_;
  ratelimit::Limiter limiter_;
  audit::Log log_;
  std::function<absl::Time()> clock_;
  logging::Logger logger_;
  prometheus::Family<prometheus::Counter>* limited_ = nullptr;
  prometheus::Counter* limit_errors_ = nullptr;
  prometheus::Family<prometheus::Counter>* entries_ = nullptr;
  prometheus::Counter* write_failures_ = nullptr;
};

}  // namespace ipraktik::server
