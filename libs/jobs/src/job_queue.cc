#include "ipraktik/jobs/job_queue.h"

#include <chrono>
#include <string>

#include "ipraktik/contract/event_types.h"
#include "ipraktik/jobs/job_store.h"

namespace ipraktik::jobs {

bus::RetryPolicy ReadJobRetryPolicy(config::Reader& reader) {
  bus::RetryPolicy retry;
  retry.max_attempts = static_cast<int>(reader.Int(
      "IPRAKTIK_MATCHING_JOB_ATTEMPTS", 5, 1, 50,
      "Attempts of a matching job before it fails for good (same value for the matching service "
      "and its workers)."));
  retry.initial_delay = reader.Duration(
      "IPRAKTIK_MATCHING_JOB_RETRY_DELAY", std::chrono::seconds(2), std::chrono::milliseconds(10),
      std::chrono::hours(1),
      "Delay before a failed matching job is tried again; four times longer for each further "
      "attempt (same value for the matching service and its workers).");
  retry.multiplier = 4.0;
  retry.max_delay = std::chrono::minutes(10);
  return retry;
}

bus::QueueSpec JobQueue(const bus::RetryPolicy& retry) {
  return {.name = std::string(kJobQueue), .bindings = {contract::kJobRequested}, .retry = retry};
}

}  // namespace ipraktik::jobs
