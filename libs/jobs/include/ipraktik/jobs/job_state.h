#pragma once

// The matching job's state machine, decided here and nowhere else (job_store.h draws it): the
// store reads the job, asks DecideJob what an event does to it, and applies the decided change
// with a Lua script that first compares the job's state and fence with those the decision was
// made on. A job changed meanwhile (another claim, a finish) fails that comparison and the event
// is decided again on the job as it is now. Pure: no I/O.

#include <cstdint>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "ipraktik/v1/matching.pb.h"

namespace ipraktik::jobs {

// The part of a job record the rules read. UNSPECIFIED: there is no such job.
struct JobStatus {
  v1::MatchingJobState state = v1::MATCHING_JOB_STATE_UNSPECIFIED;
  std::int64_t fence = 0;
  int attempts = 0;
  bool published = false;
};

// A worker takes the job for one attempt.
struct ClaimJob {};
// The worker holding `fence` ends the job as DONE or FAILED.
struct FinishJob {
  std::int64_t fence = 0;
  v1::MatchingJobState outcome = v1::MATCHING_JOB_STATE_DONE;
};
// The matching service publishes a DONE job's result.
struct PublishJob {};
using JobEvent = std::variant<ClaimJob, FinishJob, PublishJob>;

struct JobDecision {
  enum class Outcome {
    kApply,      // write `next`
    kUnchanged,  // nothing to do: already finished (claim), the same finish again, published
    kRefused,    // `refusal`: NOT_FOUND, FAILED_PRECONDITION (superseded, not done), ...
  };
  Outcome outcome = Outcome::kUnchanged;
  JobStatus next{};
  absl::Status refusal{};
};

// The refusal a worker gets once a newer claim took its job over (IsSuperseded recognises it).
absl::Status SupersededError();

JobDecision DecideJob(const JobStatus& current, const JobEvent& event);

// What a request for a new job of a round meets: the job an earlier request with the same request
// id made (if any), and the round's active job with its state (if any).
struct CreateContext {
  std::string requested_job{};  // "" when the request id is new or there is none
  std::string active_job{};     // "" when the round has no active job
  v1::MatchingJobState active_state = v1::MATCHING_JOB_STATE_UNSPECIFIED;
};

struct CreateDecision {
  bool create = false;         // a new job is created (and becomes the round's active job)
  std::string existing_job{};  // otherwise: the job the caller gets instead
};

// A repeated request id gets its earlier job; a round whose active job is still queued or
// running gets that job; otherwise a new job is created.
CreateDecision DecideCreate(const CreateContext& context);

}  // namespace ipraktik::jobs
