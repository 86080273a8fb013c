#pragma once

// What each MatchingService call does, without gRPC: validating the request, copying the
// round's snapshot and creating the job, the pair rules and placement changes, and publishing a
// job's result (compare with what was told before, store the records and their events in
// batches, then mark the job published with its final event). The gRPC handlers
// (matching_service.h) and the job-finished consumer call it.

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ipraktik/jobs/job_store.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/v1/matching.pb.h"
#include "ipraktik/v1/notification.pb.h"
#include "ipraktik/v1/registration.pb.h"
#include "ipraktik/v1/registration_events.pb.h"
#include "matching_repository.h"
#include "publication.h"
#include "round_copy.h"
#include "round_report.h"

namespace prometheus {
class Registry;
}

namespace ipraktik::matching_service {

// Who asks, as the handlers read it from the call.
struct Caller {
  std::string tenant;
  std::string correlation_id;
  std::chrono::system_clock::time_point deadline;
};

using SnapshotSink = std::function<absl::Status(const v1::ExportRoundSnapshotResponse&)>;
// Streams the round's snapshot from the registration service into sink, part by part.
using SnapshotSource = std::function<absl::Status(const Caller& caller, const std::string& round_id,
                                                  const SnapshotSink& sink)>;

// Whether the records a pair rule or placement change names exist in the caller's tenant: the
// round, the intern (a participant) and, when not empty, the host offer, which must be the
// round's. NOT_FOUND naming the first that does not; the registration service knows them.
using RecordCheck = std::function<absl::Status(const Caller& caller, const std::string& round_id,
                                               const std::string& participant_id,
                                               const std::string& host_offer_id)>;

// What the matching service asks the notification service: the tenant's sender settings in force,
// and how the e-mails of a round stand.
struct NotificationSource {
  std::function<absl::StatusOr<v1::NotificationSettings>(const Caller& caller)> settings;
  std::function<absl::StatusOr<v1::CountDeliveriesResponse>(const Caller& caller,
                                                            const std::string& round_id)>
      deliveries;
};

// A finished job's result being streamed: the job, and the round's labels its parts are read
// with.
struct ResultStream {
  jobs::JobRecord job{};
  RoundCopy copy{};
};

struct CoordinatorOptions {
  // Placement records and events stored (and published) together in one step.
  int publication_batch = 500;
  // Placement events carried in one message (an EventBatch of type
  // matching.placements.published): the broker and the outbox then work once per this many
  // people instead of once per person. 1: each event alone.
  int event_batch = 25;
  // Fewer events to a message when a publication is small, so that it still fills this many
  // messages and the notification service's senders (16 by default) each get some.
  int event_spread = 16;
  // Threads that build and store a publication's batches at once (the calling thread among
  // them): building a batch's events and waiting for Redis to store the one before overlap.
  int publication_threads = 2;
  absl::Duration publishing_lease = absl::Minutes(10);
  prometheus::Registry* registry = nullptr;
};

// Where a publication's batches spent their time, summed over the threads that stored them,
// and how long the comparison took (the first batches were stored meanwhile).
struct BatchTimes {
  int threads = 0;      // that stored a batch
  double events = 0;    // ms building records and events
  double store = 0;     // ms storing them
  double compared = 0;  // ms until the comparison was over
};

class Coordinator {
 public:
  // Everything must outlive the coordinator. Thread-safe.
  Coordinator(jobs::JobStore& jobs, MatchingRepository& repository, SnapshotSource snapshots,
              RecordCheck records, NotificationSource notification, logging::Logger logger,
              CoordinatorOptions options = {});
  ~Coordinator();

  absl::StatusOr<v1::RequestMatchingResponse> RequestMatching(
      const Caller& caller, const v1::RequestMatchingRequest& request);
  absl::StatusOr<v1::GetMatchingJobResponse> GetMatchingJob(
      const Caller& caller, const v1::GetMatchingJobRequest& request);
  absl::StatusOr<v1::ListMatchingJobsResponse> ListMatchingJobs(
      const Caller& caller, const v1::ListMatchingJobsRequest& request);
  // The job record (how many stored result parts follow: ResultPart reads each, with names and
  // workplaces from the round's copy).
  absl::StatusOr<ResultStream> ResultOf(const Caller& caller,
                                        const v1::GetMatchingResultRequest& request);
  absl::StatusOr<v1::GetMatchingResultResponse> ResultPart(const Caller& caller,
                                                           const ResultStream& result, int index);
  absl::StatusOr<v1::PublishMatchingResponse> PublishMatching(
      const Caller& caller, const v1::PublishMatchingRequest& request);
  absl::StatusOr<v1::SetPairRuleResponse> SetPairRule(const Caller& caller,
                                                      const v1::SetPairRuleRequest& request);
  absl::StatusOr<v1::DeletePairRuleResponse> DeletePairRule(
      const Caller& caller, const v1::DeletePairRuleRequest& request);
  absl::StatusOr<v1::ListPairRulesResponse> ListPairRules(const Caller& caller,
                                                          const v1::ListPairRulesRequest& request);
  absl::StatusOr<v1::RecordPlacementChangeResponse> RecordPlacementChange(
      const Caller& caller, const v1::RecordPlacementChangeRequest& request);
  absl::StatusOr<v1::ListPlacementsResponse> ListPlacements(
      const Caller& caller, const v1::ListPlacementsRequest& request);
  absl::StatusOr<v1::GetRoundOverviewResponse> GetRoundOverview(
      const Caller& caller, const v1::GetRoundOverviewRequest& request);

  // A job finished (the matching.job.finished event): a job that is not a preview is published.
  absl::Status OnJobFinished(const Caller& caller, const v1::MatchingJobFinished& finished);
  // A participant was erased (GDPR, registration.participant.erased): the stored copies of their
  // rounds that no running job needs go, their placement record goes, and the host lists forget
  // them; a host who expected them hears at once (an updated list and a cancellation). Rules
  // and results hold ids only.
  absl::Status OnParticipantErased(const Caller& caller, const v1::ParticipantErased& erased);

 private:
  struct Metrics;
  // NOT_FOUND naming the job when the tenant has no such job.
  absl::StatusOr<jobs::JobRecord> FindJob(const Caller& caller, const std::string& job_id) const;
  // The checks before publishing (round_report.h) with the tenant's sender settings in force;
  // logs what they find. Empty: nothing to fix.
  std::vector<errors::PreconditionViolation> PublishChecks(const Caller& caller,
                                                           PublishCheckInput check,
                                                           const std::string& job_id,
                                                           const std::string& round_id,
                                                           bool force) const;
  // force: publish although the checks before publishing found problems.
  absl::StatusOr<v1::PublishMatchingResponse> Publish(const Caller& caller,
                                                      const std::string& job_id, bool force);
  absl::StatusOr<v1::PublishMatchingResponse> PublishLocked(const Caller& caller,
                                                            const jobs::JobRecord& job, bool force);
  // A publication's events in messages of up to options_.event_batch events each
  // (EventsPerMessage).
  absl::StatusOr<std::vector<events::SealedEvent>> InBatches(
      const Caller& caller, std::vector<events::SealedEvent> events) const;
  // What storing changes writes: their records and their events, in batches (moved out of
  // changes). payloads makes the intern events' payloads (none among an erasure's changes).
  absl::StatusOr<PublicationWrites> Writes(const Caller& caller,
                                           std::span<PublicationChange> changes,
                                           EventPayloads* payloads) const;
  // Compares the publication into publication (empty) and stores its changes batch by batch,
  // the first batches while the rest are compared: options_.publication_threads threads store,
  // the calling thread among them once it has compared; the first failure.
  absl::Status CompareAndStore(const Caller& caller, const std::string& round_id,
                               const PublicationInput& input, Publication& publication,
                               BatchTimes& times) const;
  // The round as the job's stored copy has it; NOT_FOUND when that copy is gone.
  absl::StatusOr<RoundCopy> StoredCopy(const Caller& caller, const jobs::JobRecord& job) const;
  // The round as the registration service holds it now.
  absl::StatusOr<RoundCopy> CurrentCopy(const Caller& caller, const std::string& round_id) const;
  // The round now for labels: without names (an empty copy) while the round is open again.
  absl::StatusOr<RoundCopy> CurrentLabels(const Caller& caller, const std::string& round_id) const;
  // The job's stored copy, else the round now (after a publication the copy is deleted).
  absl::StatusOr<RoundCopy> LabelsOf(const Caller& caller, const jobs::JobRecord& job) const;
  // All of a finished job's assignments and unmatched interns.
  absl::Status ReadResult(const Caller& caller, const jobs::JobRecord& job,
                          std::vector<v1::MatchedPair>& assignments,
                          std::vector<v1::UnmatchedIntern>& unmatched) const;
  // The erased participant out of the round's placements and host lists: how many hosts are
  // told.
  absl::StatusOr<int> EraseFromPublication(const Caller& caller, const std::string& round_id,
                                           const std::string& participant_id);

  jobs::JobStore& jobs_;
  MatchingRepository& repository_;
  SnapshotSource snapshots_;
  RecordCheck records_;
  NotificationSource notification_;
  logging::Logger logger_;
  CoordinatorOptions options_;
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace ipraktik::matching_service
