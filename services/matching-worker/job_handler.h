#pragma once

// What a matching worker does with one message of the job queue: claim the job (a new fence),
// read its input and stored snapshot part by part, run the engine, store the result parts and
// finish the job, reporting progress on the way. A job another worker took over, or one that is
// already finished, is acked without effect; a failure is retried by the bus, and the last
// attempt marks the job FAILED with the reason before the message goes to the dead-letter queue.
// The worker's EventRouter (main.cc) reads the envelope and dead-letters what is not a job.

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "ipraktik/jobs/job_store.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/server/event_router.h"
#include "ipraktik/v1/matching_events.pb.h"

namespace prometheus {
class Registry;
}

namespace ipraktik::matching_worker {

struct JobHandlerOptions {
  std::string worker_id;
  // The job queue's attempts: the handler fails the job on the last one.
  int max_attempts = 5;
  // Starts of a job that ended without an outcome (the worker killed, out of memory, or cut off
  // from the broker mid-job) before the job fails for good. Below the work queue's delivery
  // limit, so that the job is marked failed rather than left running when the broker gives up.
  int max_stops = 5;
  // List items per stored result part.
  int items_per_part = 5'000;
  std::chrono::milliseconds progress_interval{500};
  // Fault injection for tests: hold a claimed job this long before working on it.
  std::chrono::milliseconds hold_after_claim{0};
  prometheus::Registry* registry = nullptr;
};

class JobHandler {
 public:
  // jobs must outlive the handler. Thread-safe.
  JobHandler(jobs::JobStore& jobs, logging::Logger logger, JobHandlerOptions options);
  ~JobHandler();

  // The router's handler of matching.job.requested: OK when the job is done (or was, or another
  // worker took it over); NOT_FOUND or INVALID_ARGUMENT for a message naming no job;
  // FAILED_PRECONDITION once the job failed for good (recorded FAILED); UNAVAILABLE to retry.
  absl::Status Handle(const v1::MatchingJobRequested& requested, const server::EventContext& event);

 private:
  struct Metrics;
  absl::Status Run(std::string_view tenant, const jobs::JobClaim& claim,
                   const logging::Logger& logger, std::int64_t& matched);
  // Records the job FAILED with the reason and dead-letters its message.
  absl::Status FailForGood(std::string_view tenant, const std::string& job_id, std::int64_t fence,
                           const std::string& reason, const logging::Logger& logger);

  jobs::JobStore& jobs_;
  logging::Logger logger_;
  JobHandlerOptions options_;
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace ipraktik::matching_worker
