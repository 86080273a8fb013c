#pragma once

// Matching jobs in Redis: the one place that knows their keys, shared by the matching service
// (creates jobs, reads results, publishes) and the matching workers (claim, report progress,
// store the result, finish or fail). docs/matching-service.md draws the flow.
//
//   QUEUED --Claim--> RUNNING --Finish--> DONE --MarkPublished--> DONE, published
//     ^                  |  \--Fail(final)--> FAILED
//     +-- (redelivery) --+   a later Claim of a RUNNING job takes it over with a new fence
//
// The state machine is decided in C++ (job_state.h, DecideJob) on the job as read; the Lua
// scripts only apply a decided transition, after comparing the job's state and fence with those
// the decision was made on (a concurrent claim or finish makes the store decide again).
//
// Keys (tenant hash tag, so every script is atomic on one slot):
//   ipraktik:{t}:matching_job:<job>            HASH  the record (state, attempts, fence, ...)
//   ipraktik:{t}:matching_job_input:<job>      STRING its input: a MatchingJobInputRecord
//                                                   (proto/ipraktik/storage/v1/records.proto)
//   ipraktik:{t}:matching_job_snapshot:<job>   LIST  serialized ExportRoundSnapshotResponse parts
//                                                   (personal data: deleted when the job fails,
//                                                   or when it or a later job of its round is
//                                                   published; expires after the retention)
//   ipraktik:{t}:matching_job_result:<job>:<fence>  LIST  serialized GetMatchingResultResponse
//                                                   parts written under one claim's fence
//   ipraktik:{t}:matching_round_active:<round> STRING the round's queued or running job
//   ipraktik:{t}:matching_round_jobs:<round>   ZSET  the round's jobs by request time
//   ipraktik:{t}:matching_round_published:<round> STRING the round's last published job
//
// Fencing: every Claim increments the job's fence and returns it. Progress, result parts and
// Finish carry the fence; a worker whose job was taken over (its claim is no longer the newest)
// gets FAILED_PRECONDITION ("superseded") and must stop, so one job stores one result and
// publishes one "matching.job.finished" event however often it was delivered.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/v1/matching.pb.h"
#include "ipraktik/v1/matching_events.pb.h"
#include "ipraktik/v1/registration.pb.h"

namespace ipraktik::store {
class Pool;
}
namespace ipraktik::outbox {
class Outbox;
}

namespace ipraktik::jobs {

// A job as stored; converts to the API's MatchingJob.
struct JobRecord {
  std::string job_id;
  std::string round_id;
  bool preview = false;
  bool rematch = false;
  v1::MatchingJobState state = v1::MATCHING_JOB_STATE_QUEUED;
  std::string phase;
  double progress = 0;
  std::string failure_reason;
  int attempts = 0;
  std::int64_t fence = 0;
  std::int64_t snapshot_revision = 0;
  int snapshot_parts = 0;
  int result_parts = 0;
  absl::Time requested_at = absl::InfinitePast();
  absl::Time started_at = absl::InfinitePast();  // InfinitePast: not yet
  absl::Time finished_at = absl::InfinitePast();
  absl::Time published_at = absl::InfinitePast();
  std::string correlation_id;
  v1::MatchingSummary summary;  // when DONE

  v1::MatchingJob ToProto() const;
};

// True for the FAILED_PRECONDITION a worker gets once a newer claim took its job over.
bool IsSuperseded(const absl::Status& status);

// Every member has a default, so designated initializers may leave any out.
struct NewJob {
  std::string job_id{};      // unique (e.g. a UUID)
  std::string request_id{};  // optional client idempotency key (24 h)
  std::string correlation_id{};
  v1::MatchingJobInput input{};  // round_id, preview, rules, published, snapshot_parts, ...
  bool rematch = false;
};

struct CreateOutcome {
  JobRecord job;
  // Another job of the round was queued or running (or request_id was seen): that one.
  bool existing = false;
};

struct JobPage {
  std::vector<JobRecord> jobs;
  std::string next_page_token;  // "" at the end
};

// What Claim hands a worker.
struct JobClaim {
  JobRecord job;
  std::int64_t fence = 0;
  // The job was already DONE or FAILED: nothing to do, ack the message.
  bool already_finished = false;
};

struct JobStoreOptions {
  // How long a job's snapshot (the round's personal data) is kept when nothing deletes it
  // sooner: a finished preview that is never published.
  absl::Duration snapshot_retention = absl::Hours(24 * 30);
};

class JobStore {
 public:
  // redis and outbox must outlive the store. Thread-safe.
  JobStore(store::Pool& redis, outbox::Outbox& outbox, JobStoreOptions options = {});
  ~JobStore();
  JobStore(JobStore&&) noexcept;

  // --- the matching service ---

  // Stores one snapshot part (in order) before the job exists; parts of a job that is never
  // created expire after a day.
  absl::Status AppendSnapshotPart(std::string_view tenant, std::string_view job_id,
                                  const v1::ExportRoundSnapshotResponse& part);
  // Deletes the snapshot parts of a job that will not be created (its request was refused
  // after the copy): the round's personal data does not wait for the expiry.
  absl::Status DiscardSnapshot(std::string_view tenant, std::string_view job_id);
  // Creates the job QUEUED with its input, makes it the round's active job and appends the
  // "matching.job.requested" event to the outbox, atomically, unless the round already has an
  // active job (or request_id was used): then returns that job with existing = true and the new
  // job's snapshot parts are deleted.
  absl::StatusOr<CreateOutcome> Create(std::string_view tenant, const NewJob& job);
  // NOT_FOUND for an unknown job (or another tenant's).
  absl::StatusOr<JobRecord> Get(std::string_view tenant, std::string_view job_id) const;
  // Newest first; page_token is opaque ("" = first page, "" back = end).
  absl::StatusOr<JobPage> List(std::string_view tenant, std::string_view round_id, int page_size,
                               std::string_view page_token) const;
  absl::StatusOr<v1::MatchingJobInput> Input(std::string_view tenant,
                                             std::string_view job_id) const;
  // The stored result of a DONE job, part `index` (0-based, < result_parts).
  absl::StatusOr<v1::GetMatchingResultResponse> ResultPart(std::string_view tenant,
                                                           std::string_view job_id,
                                                           int index) const;
  // All `count` parts of the stored result of a DONE job, read in one round trip after its
  // fence (a publication reads them all; ResultPart serves a stream part by part).
  absl::StatusOr<std::vector<v1::GetMatchingResultResponse>> ResultParts(std::string_view tenant,
                                                                         std::string_view job_id,
                                                                         int count) const;
  // GDPR erasure of someone in the round: the snapshots of its jobs that are not queued or
  // running go (a preview not yet published can then no longer be published: its copy of the
  // round holds the erased person). Returns how many went.
  absl::StatusOr<int> ForgetSnapshots(std::string_view tenant, std::string_view round_id);

  // The round's queued or running job, if any.
  absl::StatusOr<std::optional<JobRecord>> ActiveJob(std::string_view tenant,
                                                     std::string_view round_id) const;
  // The round's last published job, if any.
  absl::StatusOr<std::optional<JobRecord>> PublishedJob(std::string_view tenant,
                                                        std::string_view round_id) const;
  // Marks a DONE job published, makes it the round's published job and appends events to the
  // outbox, atomically and once: false (and no events) when it already was published.
  absl::StatusOr<bool> MarkPublished(std::string_view tenant, std::string_view job_id,
                                     std::span<const events::Envelope> events = {});

  // --- the matching workers ---

  // Takes the job for this attempt: QUEUED or RUNNING become RUNNING with attempts + 1 and a
  // new fence. NOT_FOUND when the record is gone.
  absl::StatusOr<JobClaim> Claim(std::string_view tenant, std::string_view job_id,
                                 std::string_view worker);
  absl::StatusOr<v1::ExportRoundSnapshotResponse> SnapshotPart(std::string_view tenant,
                                                               std::string_view job_id,
                                                               int index) const;
  // All `count` parts of the job's copy of the round in one round trip, as stored (each an
  // ExportRoundSnapshotResponse's bytes, for a reader that parses only what it needs); NOT_FOUND
  // when the copy is gone (or shorter).
  absl::StatusOr<std::vector<std::string>> SnapshotParts(std::string_view tenant,
                                                         std::string_view job_id, int count) const;
  // Best effort and cheap: callers throttle (e.g. at most every 500 ms).
  absl::Status ReportProgress(std::string_view tenant, std::string_view job_id, std::int64_t fence,
                              std::string_view phase, double fraction);
  absl::Status AppendResultPart(std::string_view tenant, std::string_view job_id,
                                std::int64_t fence, const v1::GetMatchingResultResponse& part);
  // DONE with the summary and the parts appended under fence, plus the "matching.job.finished"
  // event, atomically; clears the round's active job. FAILED_PRECONDITION "superseded" when a
  // newer claim exists; OK without effect when already DONE (a duplicate).
  absl::Status Finish(std::string_view tenant, std::string_view job_id, std::int64_t fence,
                      const v1::MatchingSummary& summary);
  // FAILED with the reason and the "matching.job.finished" event; clears the round's active job.
  absl::Status Fail(std::string_view tenant, std::string_view job_id, std::int64_t fence,
                    std::string_view reason);

 private:
  // The list of the job's result parts, under its result fence; FAILED_PRECONDITION when the job
  // has no result.
  absl::StatusOr<std::string> ResultKey(std::string_view tenant, std::string_view job_id) const;
  struct Scripts;
  absl::StatusOr<std::optional<JobRecord>> JobBehind(std::string_view tenant,
                                                     std::string_view pointer,
                                                     std::string_view round_id,
                                                     bool only_active) const;
  absl::Status FinishAs(std::string_view tenant, std::string_view job_id, std::int64_t fence,
                        v1::MatchingJobState state, const v1::MatchingSummary& summary,
                        std::string_view reason);

  store::Pool& redis_;
  outbox::Outbox& outbox_;
  JobStoreOptions options_;
  std::unique_ptr<Scripts> scripts_;
};

}  // namespace ipraktik::jobs
