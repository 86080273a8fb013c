#include "coordinator.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/deadline/deadline.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/metrics/counters.h"
#include "ipraktik/model/page.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "publication.h"
#include "round_report.h"

namespace ipraktik::matching_service {
namespace {

// Ids of other services' resources: what any of them may be, no more.
void CheckId(errors::Violations& violations, std::string_view field, const std::string& value) {
  if (value.empty()) {
    violations.Add(std::string(field), "is required");
  } else if (value.size() > 128) {
    violations.Add(std::string(field), "is longer than 128 characters");
  } else if (std::any_of(value.begin(), value.end(),
                         [](unsigned char c) { return c <= ' ' || c == 0x7f || c == '|'; })) {
    violations.Add(std::string(field), "contains spaces, control characters or '|'");
  }
}

// Where a publication's time goes, phase by phase, for its log line (docs/benchmarks.md reads
// them): the fixed work of a round apart from the batches of people.
class PhaseClock {
 public:
  // The time since the previous lap (or the start) is added to phase.
  void Lap(double& phase) {
    const absl::Time now = absl::Now();
    phase += absl::ToDoubleMilliseconds(now - last_);
    last_ = now;
  }

 private:
  absl::Time last_ = absl::Now();
};

// A thread that does part of a call's work: it works to the call's deadline, as the call's own
// thread does (libs/deadline keeps it per thread).
template <typename Work>
std::jthread CallThread(Work work) {
  return std::jthread([deadline = deadline::Current(), work = std::move(work)]() mutable {
    std::optional<deadline::Scope> scope;
    if (deadline) scope.emplace(*deadline);
    work();
  });
}

// An event of caller's tenant whose id derives from name.
events::EventInfo Info(const Caller& caller, std::string type, std::string_view name) {
  return {.type = std::move(type),
          .tenant = caller.tenant,
          .correlation_id = caller.correlation_id,
          .schema_version = 1,
          .id = events::EventIdFor(name)};
}

absl::StatusOr<events::Envelope> Event(const Caller& caller, std::string type, std::string name,
                                       const google::protobuf::Message& payload) {
  return events::BuildEnvelope(Info(caller, std::move(type), name), payload);
}

}  // namespace

// The placement events of a publication, up to options_.event_batch in each message.
absl::StatusOr<std::vector<events::SealedEvent>> Coordinator::InBatches(
    const Caller& caller, std::vector<events::SealedEvent> events) const {
  const std::size_t size =
      EventsPerMessage(events.size(), options_.event_batch, options_.event_spread);
  if (size == 1) return events;
  std::vector<events::SealedEvent> batches;
  for (std::size_t begin = 0; begin < events.size(); begin += size) {
    const std::size_t end = std::min(events.size(), begin + size);
    auto batch = events::BuildBatch({.type = contract::kPlacementsPublished,
                                     .tenant = caller.tenant,
                                     .correlation_id = caller.correlation_id},
                                    std::span(events).subspan(begin, end - begin));
    if (!batch.ok()) return batch.status();
    batches.push_back(*std::move(batch));
  }
  return batches;
}

absl::StatusOr<PublicationWrites> Coordinator::Writes(const Caller& caller,
                                                      std::span<PublicationChange> changes,
                                                      EventPayloads* payloads) const {
  // The three kinds of event a publication sends, each checked once (not once per person).
  const absl::Time now = absl::Now();
  auto sealer = [&](std::string type, const google::protobuf::Descriptor* payload) {
    return events::EventSealer::For(
        {.type = std::move(type), .tenant = caller.tenant, .correlation_id = caller.correlation_id},
        payload->full_name(), now);
  };
  const auto placed = sealer(contract::kInternPlaced, v1::InternPlaced::descriptor());
  const auto unmatched = sealer(contract::kInternUnmatched, v1::InternUnmatched::descriptor());
  const auto host = sealer(contract::kHostInternsAssigned, v1::HostInternsAssigned::descriptor());
  for (const auto* made : {&placed, &unmatched, &host}) {
    if (!made->ok()) return made->status();
  }
  PublicationWrites writes;
  for (PublicationChange& change : changes) {
    if (change.placement) writes.placements.push_back(std::move(*change.placement));
    std::string host_list;
    if (change.host_list) host_list = change.host_list->SerializeAsString();
    if (change.event) {
      const PublicationEvent& event = *change.event;
      const bool to_host = event.type == contract::kHostInternsAssigned;
      if (!to_host && payloads == nullptr) {
        return absl::InternalError(
            absl::StrCat("an intern's event without its payloads: ", event.type));
      }
      const events::EventSealer& sealed_as = to_host                                 ? *host
                                             : event.type == contract::kInternPlaced ? *placed
                                                                                     : *unmatched;
      auto envelope =
          sealed_as.Seal(events::EventIdFor(event.name), to_host ? host_list : payloads->Of(event));
      if (!envelope.ok()) return envelope.status();
      writes.events.push_back(*std::move(envelope));
    }
    if (change.host_list) {
      writes.host_lists.emplace_back(change.host_list->host_offer().host_offer_id(),
                                     std::move(host_list));
    }
  }
  auto batched = InBatches(caller, std::move(writes.events));
  if (!batched.ok()) return batched.status();
  writes.events = *std::move(batched);
  return writes;
}

namespace {

// The changes of a publication the comparison has finished, for the threads that store them
// meanwhile: a batch is taken once it is complete, or once the comparison is over.
class ChangeFeed {
 public:
  explicit ChangeFeed(std::size_t batch) : batch_(batch) {}

  // From the comparing thread, after each change: the waiting threads hear of whole batches.
  void Ready(std::span<PublicationChange> changes) {
    if (changes.size() % batch_ != 0) return;
    {
      std::lock_guard lock(mutex_);
      ready_ = changes;
    }
    changed_.notify_all();
  }
  void Finish(std::span<PublicationChange> changes) {
    {
      std::lock_guard lock(mutex_);
      ready_ = changes;
      finished_ = true;
    }
    changed_.notify_all();
  }
  // The changes of the batch that begins at begin, once they are final; none when the
  // comparison ended before it.
  std::span<PublicationChange> WaitForBatch(std::size_t begin) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return finished_ || ready_.size() >= begin + batch_; });
    if (ready_.size() <= begin) return {};
    return ready_.subspan(begin, std::min(batch_, ready_.size() - begin));
  }

 private:
  const std::size_t batch_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::span<PublicationChange> ready_;
  bool finished_ = false;
};

}  // namespace

absl::Status Coordinator::CompareAndStore(const Caller& caller, const std::string& round_id,
                                          const PublicationInput& input, Publication& publication,
                                          BatchTimes& times) const {
  const auto batch = static_cast<std::size_t>(std::max(options_.publication_batch, 1));
  const auto threads = static_cast<std::size_t>(std::max(options_.publication_threads, 1));
  ChangeFeed feed(batch);
  std::atomic<std::size_t> next{0};
  std::mutex mutex;  // guards failure and times
  absl::Status failure;
  // Each worker takes the next batch until none is left or one has failed: the batches are
  // independent (no person is in two), so their order does not matter, and a batch that failed
  // leaves the publication to be run again for the rest. A stored batch's changes are freed by
  // the thread that stored it, not all at the end by the calling thread.
  const auto work = [&] {
    EventPayloads payloads(input);  // its cache of serialized offers is its own
    double events_ms = 0, store_ms = 0;
    int stored = 0;
    for (;;) {
      const std::span<PublicationChange> changes = feed.WaitForBatch(next++ * batch);
      if (changes.empty()) break;
      {
        std::lock_guard lock(mutex);
        if (!failure.ok()) break;
      }
      PhaseClock clock;
      auto writes = Writes(caller, changes, &payloads);
      clock.Lap(events_ms);
      absl::Status applied = writes.ok() ? repository_.ApplyPublicationBatch(
                                               caller.tenant, round_id, *std::move(writes))
                                         : writes.status();
      if (!applied.ok()) {
        std::lock_guard lock(mutex);
        if (failure.ok()) failure = std::move(applied);
        break;
      }
      clock.Lap(store_ms);
      for (PublicationChange& change : changes) change = {};
      ++stored;
    }
    std::lock_guard lock(mutex);
    times.events += events_ms;
    times.store += store_ms;
    if (stored > 0) ++times.threads;
  };
  const absl::Time began = absl::Now();
  std::vector<std::jthread> helpers;  // joined last, once the feed is finished
  {
    // Finished however the comparison ends, so that no helper waits for changes forever.
    struct FinishFeed {
      ChangeFeed& feed;
      Publication& publication;
      ~FinishFeed() { feed.Finish(std::span(publication.changes)); }
    } finish{feed, publication};
    for (std::size_t i = 1; i < threads; ++i) {
      try {
        helpers.push_back(CallThread(work));
      } catch (const std::system_error&) {
        break;  // no thread to be had: the ones there are store every batch still
      }
    }
    ComparePublication(input, publication,
                       [&](std::span<PublicationChange> ready) { feed.Ready(ready); });
  }
  times.compared = absl::ToDoubleMilliseconds(absl::Now() - began);
  work();
  helpers.clear();
  return failure;
}

struct Coordinator::Metrics {
  explicit Metrics(prometheus::Registry* registry) {
    if (registry == nullptr) return;
    auto& requests = metrics::CounterFamily(*registry, "ipraktik_matching_requests_total",
                                            "Matching requests, by whether they started a job");
    started = &requests.Add({{"result", "started"}});
    joined = &requests.Add({{"result", "already_running"}});
    auto& publications = metrics::CounterFamily(*registry, "ipraktik_matching_publications_total",
                                                "Publications of matching results, by outcome");
    published = &publications.Add({{"result", "published"}});
    repeated = &publications.Add({{"result", "already_published"}});
    notified =
        &metrics::SingleCounter(*registry, "ipraktik_matching_notified_total",
                                "People told about a new or changed placement by publications");
    published_interns = &prometheus::BuildGauge()
                             .Name("ipraktik_matching_published_interns")
                             .Help("Interns of a round's last publication, placed or unmatched")
                             .Register(*registry);
    cross_sector = &prometheus::BuildGauge()
                        .Name("ipraktik_matching_cross_sector_ratio")
                        .Help("Share of a round's last published placements that cross sectors")
                        .Register(*registry);
  }

  // The programme view's figures of a round, from its newest publication.
  void Published(const std::string& tenant, const std::string& round_id, std::int64_t placed,
                 std::int64_t unmatched, double cross_sector_share) {
    if (published_interns == nullptr) return;
    const prometheus::Labels round = {{"tenant", tenant}, {"round", round_id}};
    auto with = [&](const char* outcome) {
      prometheus::Labels labels = round;
      labels.emplace("outcome", outcome);
      return labels;
    };
    published_interns->Add(with("placed")).Set(static_cast<double>(placed));
    published_interns->Add(with("unmatched")).Set(static_cast<double>(unmatched));
    cross_sector->Add(round).Set(cross_sector_share);
  }
  prometheus::Counter* started = nullptr;
  prometheus::Counter* joined = nullptr;
  prometheus::Counter* published = nullptr;
  prometheus::Counter* repeated = nullptr;
  prometheus::Counter* notified = nullptr;
  prometheus::Family<prometheus::Gauge>* published_interns = nullptr;
  prometheus::Family<prometheus::Gauge>* cross_sector = nullptr;
};

Coordinator::Coordinator(jobs::JobStore& jobs, MatchingRepository& repository,
                         SnapshotSource snapshots, RecordCheck records,
                         NotificationSource notification, logging::Logger logger,
                         CoordinatorOptions options)
    : jobs_(jobs),
      repository_(repository),
      snapshots_(std::move(snapshots)),
      records_(std::move(records)),
      notification_(std::move(notification)),
      logger_(std::move(logger)),
      options_(options),
      metrics_(std::make_unique<Metrics>(options.registry)) {}

Coordinator::~Coordinator() = default;

absl::StatusOr<jobs::JobRecord> Coordinator::FindJob(const Caller& caller,
                                                     const std::string& job_id) const {
  auto job = jobs_.Get(caller.tenant, job_id);
  if (absl::IsNotFound(job.status())) return errors::NotFound("matching job", job_id);
  return job;
}

absl::StatusOr<v1::RequestMatchingResponse> Coordinator::RequestMatching(
    const Caller& caller, const v1::RequestMatchingRequest& request) {
  errors::Violations violations;
  CheckId(violations, "round_id", request.round_id());
  if (!request.request_id().empty()) CheckId(violations, "request_id", request.request_id());
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  const std::string& round_id = request.round_id();

  v1::RequestMatchingResponse response;
  auto active = jobs_.ActiveJob(caller.tenant, round_id);
  if (!active.ok()) return active.status();
  if (active->has_value()) {
    metrics::Increment(metrics_->joined);
    *response.mutable_job() = (*active)->ToProto();
    response.set_already_running(true);
    return response;
  }

  jobs::NewJob job{.job_id = events::NewEventId(),
                   .request_id = request.request_id(),
                   .correlation_id = caller.correlation_id};
  v1::MatchingJobInput& input = job.input;
  input.set_job_id(job.job_id);
  input.set_round_id(round_id);
  input.set_preview(request.preview());
  int parts = 0;
  // A matching that is not a preview is published as soon as it is done: the checks before
  // publishing run now, on the round as copied, as PublishMatching runs them (with force, the
  // coordinator publishes regardless).
  const bool check = !request.preview() && !request.force();
  RoundCopy checked;
  absl::Status copied =
      snapshots_(caller, round_id, [&](const v1::ExportRoundSnapshotResponse& part) {
        if (part.has_header()) {
          *input.mutable_round() = part.header().round();
          input.set_snapshot_revision(part.header().revision());
        }
        if (check) checked.Add(part);
        ++parts;
        return jobs_.AppendSnapshotPart(caller.tenant, job.job_id, part);
      });
  if (!copied.ok()) return copied;
  input.set_snapshot_parts(parts);
  if (check) {
    const std::vector<errors::PreconditionViolation> problems =
        PublishChecks(caller, {.copy = &checked}, job.job_id, round_id, /*force=*/false);
    if (!problems.empty()) {
      (void)jobs_.DiscardSnapshot(caller.tenant, job.job_id);
      return errors::FailedPrecondition(
          problems,
          absl::StrCat("the checks before publishing found ", problems.size(),
                       " problem(s), and a matching that is not a preview is published as soon "
                       "as it is done: fix them, or request it with force (or as a preview)"));
    }
  }

  auto rules = repository_.Rules(caller.tenant, round_id);
  if (!rules.ok()) return rules.status();
  for (auto& rule : *rules) *input.add_rules() = std::move(rule);
  auto withdrawn = repository_.Withdrawn(caller.tenant, round_id);
  if (!withdrawn.ok()) return withdrawn.status();
  for (auto& participant : *withdrawn) input.add_withdrawn_participant_ids(std::move(participant));
  auto published = jobs_.PublishedJob(caller.tenant, round_id);
  if (!published.ok()) return published.status();
  if (published->has_value()) {
    // A re-match: what the last publication told stands where it still can.
    job.rematch = true;
    auto placements = repository_.Placements(caller.tenant, round_id);
    if (!placements.ok()) return placements.status();
    for (auto& [participant, placement] : *placements) {
      if (!placement.host_offer_id().empty()) *input.add_published() = std::move(placement);
    }
  }

  auto created = jobs_.Create(caller.tenant, job);
  if (!created.ok()) return created.status();
  metrics::Increment(created->existing ? metrics_->joined : metrics_->started);
  *response.mutable_job() = created->job.ToProto();
  response.set_already_running(created->existing);
  logger_.WithTenant(caller.tenant)
      .WithCorrelationId(caller.correlation_id)
      .Info(created->existing ? "matching already requested" : "matching requested",
            {{"job_id", created->job.job_id},
             {"round_id", round_id},
             {"preview", request.preview()},
             {"rematch", job.rematch},
             {"snapshot_parts", parts}});
  return response;
}

absl::StatusOr<v1::GetMatchingJobResponse> Coordinator::GetMatchingJob(
    const Caller& caller, const v1::GetMatchingJobRequest& request) {
  errors::Violations violations;
  CheckId(violations, "job_id", request.job_id());
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  auto job = FindJob(caller, request.job_id());
  if (!job.ok()) return job.status();
  v1::GetMatchingJobResponse response;
  *response.mutable_job() = job->ToProto();
  return response;
}

absl::StatusOr<v1::ListMatchingJobsResponse> Coordinator::ListMatchingJobs(
    const Caller& caller, const v1::ListMatchingJobsRequest& request) {
  errors::Violations violations;
  CheckId(violations, "round_id", request.round_id());
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  auto page =
      jobs_.List(caller.tenant, request.round_id(), request.page_size(), request.page_token());
  if (absl::IsInvalidArgument(page.status())) {
    return errors::InvalidArgument({{"page_token", "is not a token this service gave out"}});
  }
  if (!page.ok()) return page.status();
  v1::ListMatchingJobsResponse response;
  for (const auto& job : page->jobs) *response.add_jobs() = job.ToProto();
  response.set_next_page_token(page->next_page_token);
  return response;
}

absl::StatusOr<ResultStream> Coordinator::ResultOf(const Caller& caller,
                                                   const v1::GetMatchingResultRequest& request) {
  errors::Violations violations;
  CheckId(violations, "job_id", request.job_id());
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  auto job = FindJob(caller, request.job_id());
  if (!job.ok()) return job.status();
  if (job->state != v1::MATCHING_JOB_STATE_DONE) {
    return errors::FailedPrecondition(
        "JOB_NOT_DONE", absl::StrCat("matching_job/", job->job_id),
        job->state == v1::MATCHING_JOB_STATE_FAILED
            ? absl::StrCat("the job failed: ", job->failure_reason)
            : "the job has no result yet (see its state and progress)");
  }
  auto copy = LabelsOf(caller, *job);
  if (!copy.ok()) return copy.status();
  return ResultStream{.job = *std::move(job), .copy = *std::move(copy)};
}

absl::StatusOr<v1::GetMatchingResultResponse> Coordinator::ResultPart(const Caller& caller,
                                                                      const ResultStream& result,
                                                                      int index) {
  auto part = jobs_.ResultPart(caller.tenant, result.job.job_id, index);
  if (!part.ok()) return part.status();
  if (index == 0) *part->mutable_job() = result.job.ToProto();
  Label(result.copy, *part);
  return part;
}

absl::StatusOr<RoundCopy> Coordinator::StoredCopy(const Caller& caller,
                                                  const jobs::JobRecord& job) const {
  RoundCopy copy;
  auto parts = jobs_.SnapshotParts(caller.tenant, job.job_id, job.snapshot_parts);
  if (!parts.ok()) return parts.status();
  for (const std::string& part : *parts) {
    if (absl::Status read = copy.AddStored(part); !read.ok()) {
      return absl::DataLossError(
          absl::StrCat("the copy of the round of matching job ", job.job_id, ": ", read.message()));
    }
  }
  return copy;
}

absl::StatusOr<RoundCopy> Coordinator::CurrentCopy(const Caller& caller,
                                                   const std::string& round_id) const {
  RoundCopy copy;
  absl::Status read =
      snapshots_(caller, round_id, [&](const v1::ExportRoundSnapshotResponse& part) {
        copy.Add(part);
        return absl::OkStatus();
      });
  if (!read.ok()) return read;
  return copy;
}

absl::StatusOr<RoundCopy> Coordinator::LabelsOf(const Caller& caller,
                                                const jobs::JobRecord& job) const {
  auto stored = StoredCopy(caller, job);
  if (!absl::IsNotFound(stored.status())) return stored;
  return CurrentLabels(caller, job.round_id);
}

absl::StatusOr<RoundCopy> Coordinator::CurrentLabels(const Caller& caller,
                                                     const std::string& round_id) const {
  auto current = CurrentCopy(caller, round_id);
  // A round reopened for late sign-ups is not exported until it is closed again: the ids are
  // served without names meanwhile.
  if (absl::IsFailedPrecondition(current.status())) {
    logger_.WithTenant(caller.tenant)
        .WithCorrelationId(caller.correlation_id)
        .Info("result served without names",
              {{"round_id", round_id}, {"reason", std::string(current.status().message())}});
    return RoundCopy();
  }
  return current;
}

absl::Status Coordinator::ReadResult(const Caller& caller, const jobs::JobRecord& job,
                                     std::vector<v1::MatchedPair>& assignments,
                                     std::vector<v1::UnmatchedIntern>& unmatched) const {
  auto parts = jobs_.ResultParts(caller.tenant, job.job_id, job.result_parts);
  if (!parts.ok()) return parts.status();
  for (v1::GetMatchingResultResponse& part : *parts) {
    for (auto& pair : *part.mutable_assignments()) assignments.push_back(std::move(pair));
    for (auto& intern : *part.mutable_unmatched()) unmatched.push_back(std::move(intern));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::PublishMatchingResponse> Coordinator::PublishMatching(
    const Caller& caller, const v1::PublishMatchingRequest& request) {
  errors::Violations violations;
  CheckId(violations, "job_id", request.job_id());
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  return Publish(caller, request.job_id(), request.force());
}

absl::Status Coordinator::OnParticipantErased(const Caller& caller,
                                              const v1::ParticipantErased& erased) {
  int forgotten = 0;
  int hosts_told = 0;
  for (const std::string& round_id : erased.round_ids()) {
    auto dropped = jobs_.ForgetSnapshots(caller.tenant, round_id);
    if (!dropped.ok()) return dropped.status();
    forgotten += *dropped;
    auto told = EraseFromPublication(caller, round_id, erased.participant_id());
    if (!told.ok()) return told.status();
    hosts_told += *told;
  }
  logger_.WithTenant(caller.tenant)
      .WithCorrelationId(caller.correlation_id)
      .Info("participant erased: round snapshots forgotten, hosts told",
            {{"participant_id", erased.participant_id()},
             {"snapshots", forgotten},
             {"hosts_told", hosts_told}});
  return absl::OkStatus();
}

absl::StatusOr<int> Coordinator::EraseFromPublication(const Caller& caller,
                                                      const std::string& round_id,
                                                      const std::string& participant_id) {
  // Under the round's publication lease, so a publication never reads a host list half-erased.
  const std::string holder = events::NewEventId();
  auto leased =
      repository_.AcquirePublishing(caller.tenant, round_id, holder, options_.publishing_lease);
  if (!leased.ok()) return leased.status();
  if (!*leased) return absl::UnavailableError("a publication of the round is under way");
  auto told = [&]() -> absl::StatusOr<int> {
    auto told_hosts = repository_.HostLists(caller.tenant, round_id);
    if (!told_hosts.ok()) return told_hosts.status();
    std::vector<PublicationChange> changes = EraseFromHostLists(participant_id, *told_hosts);
    const auto hosts_told = std::count_if(changes.begin(), changes.end(),
                                          [](const PublicationChange& c) { return c.event; });
    auto writes = Writes(caller, changes, /*payloads=*/nullptr);
    if (!writes.ok()) return writes.status();
    absl::Status applied =
        repository_.ApplyErasure(caller.tenant, round_id, participant_id, *std::move(writes));
    if (!applied.ok()) return applied;
    return static_cast<int>(hosts_told);
  }();
  (void)repository_.ReleasePublishing(caller.tenant, round_id, holder);
  return told;
}

absl::Status Coordinator::OnJobFinished(const Caller& caller,
                                        const v1::MatchingJobFinished& finished) {
  if (finished.preview() || finished.state() != v1::MATCHING_JOB_STATE_DONE) {
    return absl::OkStatus();
  }
  // The coordinator asked for a matching that is not a preview: it is published as asked. The
  // checks before publishing ran when it was requested (RequestMatching refused it, or the
  // coordinator forced it); what they find now is logged.
  auto published = Publish(caller, finished.job_id(), /*force=*/true);
  // A newer publication of the round won: this result is stale and stays unpublished.
  if (absl::IsFailedPrecondition(published.status())) {
    logger_.WithTenant(caller.tenant)
        .Warning(
            "finished job not published",
            {{"job_id", finished.job_id()}, {"reason", std::string(published.status().message())}});
    return absl::OkStatus();
  }
  return published.status();
}

absl::StatusOr<v1::PublishMatchingResponse> Coordinator::Publish(const Caller& caller,
                                                                 const std::string& job_id,
                                                                 bool force) {
  auto job = FindJob(caller, job_id);
  if (!job.ok()) return job.status();
  v1::PublishMatchingResponse response;
  if (job->published_at != absl::InfinitePast()) {
    metrics::Increment(metrics_->repeated);
    *response.mutable_job() = job->ToProto();
    response.set_already_published(true);
    return response;
  }
  if (job->state != v1::MATCHING_JOB_STATE_DONE) {
    return errors::FailedPrecondition("JOB_NOT_DONE", absl::StrCat("matching_job/", job_id),
                                      "only a finished (done) job can be published");
  }
  const std::string holder = events::NewEventId();
  auto leased = repository_.AcquirePublishing(caller.tenant, job->round_id, holder,
                                              options_.publishing_lease);
  if (!leased.ok()) return leased.status();
  if (!*leased) {
    return errors::WithReason(
        absl::AbortedError("a publication of this round is under way; try again shortly"),
        "PUBLICATION_UNDER_WAY");
  }
  auto result = PublishLocked(caller, *job, force);
  (void)repository_.ReleasePublishing(caller.tenant, job->round_id, holder);
  return result;
}

std::vector<errors::PreconditionViolation> Coordinator::PublishChecks(const Caller& caller,
                                                                      PublishCheckInput check,
                                                                      const std::string& job_id,
                                                                      const std::string& round_id,
                                                                      bool force) const {
  if (notification_.settings) {
    auto settings = notification_.settings(caller);
    if (settings.ok()) {
      check.settings = *std::move(settings);
    } else {
      check.settings_error = std::string(settings.status().message());
    }
  } else {
    check.settings_error = "no notification service is configured";
  }
  std::vector<errors::PreconditionViolation> problems = PublishProblems(check);
  if (!problems.empty()) {
    std::vector<std::string> types;
    for (const auto& problem : problems) types.push_back(problem.type);
    logger_.WithTenant(caller.tenant)
        .WithCorrelationId(caller.correlation_id)
        .Warning(
            force ? "publishing despite the checks" : "publication refused by the checks",
            {{"job_id", job_id}, {"round_id", round_id}, {"problems", absl::StrJoin(types, ",")}});
  }
  return problems;
}

absl::StatusOr<v1::PublishMatchingResponse> Coordinator::PublishLocked(const Caller& caller,
                                                                       const jobs::JobRecord& job,
                                                                       bool force) {
  const std::string& round_id = job.round_id;
  struct {
    double newest = 0, copy = 0, result = 0, checks = 0, told = 0, compare = 0, batches = 0,
           final = 0;
  } ms;
  PhaseClock clock;
  auto newest = jobs_.PublishedJob(caller.tenant, round_id);
  if (!newest.ok()) return newest.status();
  if (newest->has_value() && (*newest)->job_id != job.job_id &&
      (*newest)->requested_at > job.requested_at) {
    return errors::FailedPrecondition(
        "NEWER_PUBLICATION", absl::StrCat("round/", round_id),
        absl::StrCat("a newer matching job exists for round ", round_id, ": job ", job.job_id,
                     " (the one to publish) was requested before job ", (*newest)->job_id,
                     ", the newest, which is already published; publishing the older one would "
                     "undo it (request a new matching to change the published result)"));
  }

  clock.Lap(ms.newest);

  // What the job matched: the cards from its snapshot, the result, what was told before.
  auto copy = StoredCopy(caller, job);
  if (absl::IsNotFound(copy.status())) {
    return errors::FailedPrecondition(
        "SNAPSHOT_EXPIRED", absl::StrCat("matching_job/", job.job_id),
        "the job's copy of the round (its personal data) is no longer kept: request a new "
        "matching of the round and publish that");
  }
  if (!copy.ok()) return copy.status();
  PublicationInput input;
  input.job_id = job.job_id;
  input.round = copy->round;
  clock.Lap(ms.copy);
  if (absl::Status read = ReadResult(caller, job, input.assignments, input.unmatched); !read.ok()) {
    return read;
  }
  clock.Lap(ms.result);

  // The checks before publishing: the sender, everybody's address, the approvals.
  const std::vector<errors::PreconditionViolation> problems = PublishChecks(
      caller, {.copy = &*copy, .assignments = &input.assignments, .unmatched = &input.unmatched},
      job.job_id, round_id, force);
  if (!problems.empty() && !force) {
    return errors::FailedPrecondition(
        problems, absl::StrCat("the checks before publishing found ", problems.size(),
                               " problem(s): fix them, or publish with force"));
  }
  // The cards are moved, not copied, once the checks have read them.
  input.interns = std::move(copy->interns);
  for (auto& [id, offer] : copy->offers) input.offers[id] = std::move(offer.card);
  clock.Lap(ms.checks);

  auto told_interns = repository_.Placements(caller.tenant, round_id);
  if (!told_interns.ok()) return told_interns.status();
  input.told_interns = *std::move(told_interns);
  auto told_hosts = repository_.HostLists(caller.tenant, round_id);
  if (!told_hosts.ok()) return told_hosts.status();
  input.told_hosts = *std::move(told_hosts);
  clock.Lap(ms.told);

  // In batches: each batch's records and their events are one atomic step, so a publication
  // cut short and run again finds those people told already and tells only the rest.
  Publication publication;
  BatchTimes batch_times;
  if (absl::Status stored = CompareAndStore(caller, round_id, input, publication, batch_times);
      !stored.ok()) {
    return stored;
  }
  clock.Lap(ms.batches);
  // The comparison's own time, and the batches' after it (the first ones stored meanwhile).
  ms.compare = batch_times.compared;
  ms.batches -= batch_times.compared;

  v1::MatchingResultPublished result;
  *result.mutable_round() = input.round;
  result.set_job_id(job.job_id);
  result.set_interns(static_cast<std::int32_t>(publication.placed + publication.unplaced));
  result.set_placed(static_cast<std::int32_t>(publication.placed));
  result.set_unmatched(static_cast<std::int32_t>(publication.unplaced));
  result.set_notified(static_cast<std::int32_t>(publication.notified));
  auto final_event =
      Event(caller, contract::kResultPublished, absl::StrCat(job.job_id, "/published"), result);
  if (!final_event.ok()) return final_event.status();
  auto marked = jobs_.MarkPublished(caller.tenant, job.job_id, {&*final_event, 1});
  if (!marked.ok()) return marked.status();

  auto updated = jobs_.Get(caller.tenant, job.job_id);
  if (!updated.ok()) return updated.status();
  clock.Lap(ms.final);
  v1::PublishMatchingResponse response;
  *response.mutable_job() = updated->ToProto();
  response.set_already_published(!*marked);
  response.set_notified(static_cast<std::int32_t>(publication.notified));
  metrics::Increment(*marked ? metrics_->published : metrics_->repeated);
  metrics::Increment(metrics_->notified, static_cast<double>(publication.notified));
  metrics_->Published(caller.tenant, round_id, publication.placed, publication.unplaced,
                      job.summary.cross_sector_share());
  logger_.WithTenant(caller.tenant)
      .WithCorrelationId(caller.correlation_id)
      .Info("matching published", {{"job_id", job.job_id},
                                   {"round_id", round_id},
                                   {"placed", publication.placed},
                                   {"unmatched", publication.unplaced},
                                   {"notified", publication.notified},
                                   {"ms_newest", ms.newest},
                                   {"ms_copy", ms.copy},
                                   {"ms_result", ms.result},
                                   {"ms_checks", ms.checks},
                                   {"ms_told", ms.told},
                                   {"ms_compare", ms.compare},
                                   {"ms_batches", ms.batches},
                                   // The batches' wall time above; the threads' below, summed.
                                   {"batch_threads", batch_times.threads},
                                   {"thread_ms_events", batch_times.events},
                                   {"thread_ms_store", batch_times.store},
                                   {"ms_final", ms.final}});
  return response;
}

absl::StatusOr<v1::SetPairRuleResponse> Coordinator::SetPairRule(
    const Caller& caller, const v1::SetPairRuleRequest& request) {
  const v1::PairRule& rule = request.rule();
  errors::Violations violations;
  if (!request.has_rule()) violations.Add("rule", "is required");
  CheckId(violations, "rule.round_id", rule.round_id());
  CheckId(violations, "rule.participant_id", rule.participant_id());
  CheckId(violations, "rule.host_offer_id", rule.host_offer_id());
  if (rule.kind() != v1::PAIR_RULE_KIND_PIN && rule.kind() != v1::PAIR_RULE_KIND_FORBID) {
    violations.Add("rule.kind", "must be PAIR_RULE_KIND_PIN or PAIR_RULE_KIND_FORBID");
  }
  if (rule.note().size() > 500) violations.Add("rule.note", "is longer than 500 characters");
  if (rule.host_declined()) {
    violations.Add("rule.host_declined",
                   "is set by RecordPlacementChange (PLACEMENT_CHANGE_KIND_HOST_DECLINED) only");
  }
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  if (absl::Status exists =
          records_(caller, rule.round_id(), rule.participant_id(), rule.host_offer_id());
      !exists.ok()) {
    return exists;
  }
  if (absl::Status status = repository_.SetRule(caller.tenant, rule); !status.ok()) return status;
  v1::SetPairRuleResponse response;
  *response.mutable_rule() = rule;
  return response;
}

absl::StatusOr<v1::DeletePairRuleResponse> Coordinator::DeletePairRule(
    const Caller& caller, const v1::DeletePairRuleRequest& request) {
  errors::Violations violations;
  CheckId(violations, "round_id", request.round_id());
  CheckId(violations, "participant_id", request.participant_id());
  CheckId(violations, "host_offer_id", request.host_offer_id());
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  auto deleted = repository_.DeleteRule(caller.tenant, request.round_id(), request.participant_id(),
                                        request.host_offer_id());
  if (!deleted.ok()) return deleted.status();
  if (!*deleted) {
    return errors::NotFound("pair rule",
                            absl::StrCat(request.participant_id(), "|", request.host_offer_id()));
  }
  return v1::DeletePairRuleResponse();
}

absl::StatusOr<v1::ListPairRulesResponse> Coordinator::ListPairRules(
    const Caller& caller, const v1::ListPairRulesRequest& request) {
  errors::Violations violations;
  CheckId(violations, "round_id", request.round_id());
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  auto rules = repository_.Rules(caller.tenant, request.round_id());
  if (!rules.ok()) return rules.status();
  v1::ListPairRulesResponse response;
  for (auto& rule : *rules) *response.add_rules() = std::move(rule);
  return response;
}

absl::StatusOr<v1::RecordPlacementChangeResponse> Coordinator::RecordPlacementChange(
    const Caller& caller, const v1::RecordPlacementChangeRequest& request) {
  errors::Violations violations;
  CheckId(violations, "round_id", request.round_id());
  CheckId(violations, "participant_id", request.participant_id());
  if (request.kind() != v1::PLACEMENT_CHANGE_KIND_HOST_DECLINED &&
      request.kind() != v1::PLACEMENT_CHANGE_KIND_INTERN_WITHDREW) {
    violations.Add("kind", "must be PLACEMENT_CHANGE_KIND_HOST_DECLINED or _INTERN_WITHDREW");
  }
  if (request.note().size() > 500) violations.Add("note", "is longer than 500 characters");
  if (!request.host_offer_id().empty()) {
    CheckId(violations, "host_offer_id", request.host_offer_id());
    if (request.kind() == v1::PLACEMENT_CHANGE_KIND_INTERN_WITHDREW) {
      violations.Add("host_offer_id", "names the declining host: only with HOST_DECLINED");
    }
  }
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  if (absl::Status exists = records_(caller, request.round_id(), request.participant_id(), "");
      !exists.ok()) {
    return exists;
  }

  if (request.kind() == v1::PLACEMENT_CHANGE_KIND_INTERN_WITHDREW) {
    if (absl::Status status =
            repository_.AddWithdrawn(caller.tenant, request.round_id(), request.participant_id());
        !status.ok()) {
      return status;
    }
    return v1::RecordPlacementChangeResponse();
  }
  auto placements = repository_.Placements(caller.tenant, request.round_id());
  if (!placements.ok()) return placements.status();
  auto placement = placements->find(request.participant_id());
  if (placement == placements->end() || placement->second.host_offer_id().empty()) {
    return errors::FailedPrecondition(
        "NOT_PLACED", absl::StrCat("participant/", request.participant_id()),
        "the intern has no published placement in this round, so no host can decline them");
  }
  if (!request.host_offer_id().empty() &&
      placement->second.host_offer_id() != request.host_offer_id()) {
    return errors::FailedPrecondition(
        "PLACED_ELSEWHERE", absl::StrCat("participant/", request.participant_id()),
        absl::StrCat("the intern's published placement is not at host offer ",
                     request.host_offer_id(),
                     " (a re-match moved them), so it cannot decline them"));
  }
  v1::PairRule rule;
  rule.set_round_id(request.round_id());
  rule.set_participant_id(request.participant_id());
  rule.set_host_offer_id(placement->second.host_offer_id());
  rule.set_kind(v1::PAIR_RULE_KIND_FORBID);
  rule.set_note(request.note().empty() ? "host declined" : request.note());
  rule.set_host_declined(true);
  if (absl::Status status = repository_.SetRule(caller.tenant, rule); !status.ok()) return status;
  return v1::RecordPlacementChangeResponse();
}

absl::StatusOr<v1::ListPlacementsResponse> Coordinator::ListPlacements(
    const Caller& caller, const v1::ListPlacementsRequest& request) {
  errors::Violations violations;
  CheckId(violations, "round_id", request.round_id());
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  auto placements = repository_.Placements(caller.tenant, request.round_id());
  if (!placements.ok()) return placements.status();
  const int page_size = model::PageSizeOf(request.page_size());
  // The token is the last participant id of the previous page (the records are ordered by it).
  auto it = request.page_token().empty() ? placements->begin()
                                         : placements->upper_bound(request.page_token());
  v1::ListPlacementsResponse response;
  for (; it != placements->end() && response.placements_size() < page_size; ++it) {
    *response.add_placements() = it->second;
  }
  if (response.placements_size() > 0) {
    // The publication's copy of the round is gone: the names are the round's as it is now.
    auto copy = CurrentLabels(caller, request.round_id());
    if (!copy.ok()) return copy.status();
    for (auto& placement : *response.mutable_placements()) Label(*copy, placement);
  }
  if (it != placements->end() && response.placements_size() > 0) {
    response.set_next_page_token(
        response.placements(response.placements_size() - 1).participant_id());
  }
  return response;
}

absl::StatusOr<v1::GetRoundOverviewResponse> Coordinator::GetRoundOverview(
    const Caller& caller, const v1::GetRoundOverviewRequest& request) {
  errors::Violations violations;
  CheckId(violations, "round_id", request.round_id());
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  const std::string& round_id = request.round_id();
  auto copy = CurrentCopy(caller, round_id);
  if (!copy.ok()) return copy.status();

  OverviewInput input{.copy = &*copy};
  // The result counted: the published job, else the newest finished one.
  auto published = jobs_.PublishedJob(caller.tenant, round_id);
  if (!published.ok()) return published.status();
  std::optional<jobs::JobRecord> job = *std::move(published);
  input.published = job.has_value();
  for (std::string token; !job;) {
    auto page = jobs_.List(caller.tenant, round_id, 100, token);
    if (!page.ok()) return page.status();
    for (auto& listed : page->jobs) {
      if (listed.state == v1::MATCHING_JOB_STATE_DONE) {
        job = std::move(listed);
        break;
      }
    }
    token = page->next_page_token;
    if (token.empty()) break;
  }
  if (job) {
    input.job_id = job->job_id;
    if (absl::Status read = ReadResult(caller, *job, input.assignments, input.unmatched);
        !read.ok()) {
      return read;
    }
  }
  if (!notification_.deliveries) {
    return absl::FailedPreconditionError("no notification service is configured");
  }
  auto deliveries = notification_.deliveries(caller, round_id);
  if (!deliveries.ok()) return deliveries.status();
  input.deliveries = *std::move(deliveries);

  v1::GetRoundOverviewResponse response;
  *response.mutable_overview() = Overview(input);
  return response;
}

}  // namespace ipraktik::matching_service
