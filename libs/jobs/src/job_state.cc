#include "ipraktik/jobs/job_state.h"

#include <type_traits>

namespace ipraktik::jobs {
namespace {

bool Finished(v1::MatchingJobState state) {
  return state == v1::MATCHING_JOB_STATE_DONE || state == v1::MATCHING_JOB_STATE_FAILED;
}

JobDecision Refused(absl::Status why) {
  return {.outcome = JobDecision::Outcome::kRefused, .refusal = std::move(why)};
}

JobDecision Apply(JobStatus next) {
  return {.outcome = JobDecision::Outcome::kApply, .next = next};
}

JobDecision OnClaim(const JobStatus& current) {
  if (Finished(current.state)) return {.outcome = JobDecision::Outcome::kUnchanged};
  // QUEUED, or RUNNING under a claim that is taken over (its worker died or was redelivered).
  JobStatus next = current;
  next.state = v1::MATCHING_JOB_STATE_RUNNING;
  next.fence = current.fence + 1;
  next.attempts = current.attempts + 1;
  return Apply(next);
}

JobDecision OnFinish(const JobStatus& current, const FinishJob& finish) {
  if (!Finished(finish.outcome)) {
    return Refused(absl::InvalidArgumentError("a job finishes as DONE or FAILED"));
  }
  // The same finish again (a retried call): done already, nothing more to store or announce.
  if (current.state == finish.outcome) return {.outcome = JobDecision::Outcome::kUnchanged};
  if (current.state != v1::MATCHING_JOB_STATE_RUNNING || current.fence != finish.fence) {
    return Refused(SupersededError());
  }
  JobStatus next = current;
  next.state = finish.outcome;
  return Apply(next);
}

JobDecision OnPublish(const JobStatus& current) {
  if (current.state != v1::MATCHING_JOB_STATE_DONE) {
    return Refused(absl::FailedPreconditionError("only a finished (done) job can be published"));
  }
  if (current.published) return {.outcome = JobDecision::Outcome::kUnchanged};
  JobStatus next = current;
  next.published = true;
  return Apply(next);
}

}  // namespace

absl::Status SupersededError() {
  return absl::FailedPreconditionError("superseded: a newer claim owns the job");
}

JobDecision DecideJob(const JobStatus& current, const JobEvent& event) {
  if (current.state == v1::MATCHING_JOB_STATE_UNSPECIFIED) {
    return Refused(absl::NotFoundError("matching job not found"));
  }
  return std::visit(
      [&current](const auto& happened) -> JobDecision {
        using Event = std::decay_t<decltype(happened)>;
        if constexpr (std::is_same_v<Event, ClaimJob>) return OnClaim(current);
        if constexpr (std::is_same_v<Event, FinishJob>) return OnFinish(current, happened);
        if constexpr (std::is_same_v<Event, PublishJob>) return OnPublish(current);
      },
      event);
}

CreateDecision DecideCreate(const CreateContext& context) {
  if (!context.requested_job.empty()) return {.existing_job = context.requested_job};
  const bool active = context.active_state == v1::MATCHING_JOB_STATE_QUEUED ||
                      context.active_state == v1::MATCHING_JOB_STATE_RUNNING;
  if (!context.active_job.empty() && active) return {.existing_job = context.active_job};
  return {.create = true};
}

}  // namespace ipraktik::jobs
