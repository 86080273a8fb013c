#include "job_handler.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ipraktik/matching/solver.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "result_parts.h"
#include "round_builder.h"

namespace ipraktik::matching_worker {

struct JobHandler::Metrics {
  explicit Metrics(prometheus::Registry* registry) {
    if (registry == nullptr) return;
    auto& jobs = prometheus::BuildCounter()
                     .Name("ipraktik_matching_jobs_total")
                     .Help("Matching job deliveries handled by this worker, by outcome")
                     .Register(*registry);
    for (std::string_view outcome :
         {"done", "failed", "retried", "superseded", "duplicate", "malformed"}) {
      outcomes.emplace(outcome, &jobs.Add({{"outcome", std::string(outcome)}}));
    }
    duration = &prometheus::BuildHistogram()
                    .Name("ipraktik_matching_job_duration_seconds")
                    .Help("From claiming a matching job to its stored result")
                    .Register(*registry)
                    .Add({}, prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2.5,
                                                                     5, 10, 30, 60, 120, 300, 600});
    matched = &prometheus::BuildHistogram()
                   .Name("ipraktik_matching_job_matched_interns")
                   .Help("Interns placed per finished matching job")
                   .Register(*registry)
                   .Add({}, prometheus::Histogram::BucketBoundaries{10, 100, 1'000, 10'000, 100'000,
                                                                    1'000'000});
  }

  void Count(std::string_view outcome) {
    if (auto it = outcomes.find(outcome); it != outcomes.end()) it->second->Increment();
  }

  std::map<std::string_view, prometheus::Counter*> outcomes;
  prometheus::Histogram* duration = nullptr;
  prometheus::Histogram* matched = nullptr;
};

JobHandler::JobHandler(jobs::JobStore& jobs, logging::Logger logger, JobHandlerOptions options)
    : jobs_(jobs),
      logger_(std::move(logger)),
      options_(std::move(options)),
      metrics_(std::make_unique<Metrics>(options_.registry)) {}

JobHandler::~JobHandler() = default;

absl::Status JobHandler::Handle(const v1::MatchingJobRequested& requested,
                                const server::EventContext& event) {
  if (requested.job_id().empty()) {
    metrics_->Count("malformed");
    return absl::InvalidArgumentError("the payload is not a MatchingJobRequested with a job_id");
  }
  const std::string& tenant = event.envelope.tenant();
  const std::string& job_id = requested.job_id();
  const logging::Logger logger =
      logger_.WithTenant(tenant).WithCorrelationId(event.envelope.correlation_id());

  auto claim = jobs_.Claim(tenant, job_id, options_.worker_id);
  if (absl::IsNotFound(claim.status())) {
    metrics_->Count("malformed");
    return absl::NotFoundError(absl::StrCat("matching job ", job_id, " does not exist"));
  }
  if (!claim.ok()) {
    metrics_->Count("retried");
    return absl::UnavailableError(claim.status().message());
  }
  if (claim->already_finished) {
    metrics_->Count("duplicate");
    logger.Info("matching job already finished", {{"job_id", job_id}});
    return absl::OkStatus();
  }
  // Every start claims the job, and every attempt the handler asked for is one start; the
  // starts beyond those ended without an outcome. A round that keeps killing its workers would
  // otherwise come back until the broker dead-letters it, and stay RUNNING for the coordinator.
  const int stops = claim->job.attempts - event.attempt;
  if (stops >= options_.max_stops) {
    return FailForGood(tenant, job_id, claim->fence,
                       absl::StrCat("the job stopped its worker ", stops,
                                    " times without finishing (killed, out of memory or cut off "
                                    "from the broker mid-job); it is not tried again"),
                       logger);
  }
  logger.Info("matching job claimed", {{"job_id", job_id},
                                       {"round_id", claim->job.round_id},
                                       {"attempt", claim->job.attempts},
                                       {"worker", options_.worker_id}});
  const absl::Time deadline = absl::Now() + absl::FromChrono(options_.hold_after_claim);
  while (absl::Now() < deadline) {
    if (event.stop.stop_requested()) return absl::UnavailableError("the worker is stopping");
    absl::SleepFor(std::min(absl::Milliseconds(50), deadline - absl::Now()));
  }

  const absl::Time started = absl::Now();
  std::int64_t matched = 0;
  absl::Status status = Run(tenant, *claim, logger, matched);
  if (status.ok()) {
    metrics_->Count("done");
    if (metrics_->duration != nullptr) {
      metrics_->duration->Observe(absl::ToDoubleSeconds(absl::Now() - started));
      metrics_->matched->Observe(static_cast<double>(matched));
    }
    logger.Info("matching job done", {{"job_id", job_id},
                                      {"matched", matched},
                                      {"seconds", absl::ToDoubleSeconds(absl::Now() - started)}});
    return absl::OkStatus();
  }
  if (jobs::IsSuperseded(status)) {
    metrics_->Count("superseded");
    logger.Warning("matching job taken over by a newer attempt", {{"job_id", job_id}});
    return absl::OkStatus();
  }
  const std::string reason(status.message());
  // A round the engine refuses will be refused again: no point in retrying it.
  const bool last = event.attempt >= options_.max_attempts || absl::IsInvalidArgument(status);
  if (!last) {
    metrics_->Count("retried");
    logger.Warning("matching job attempt failed; it will be retried",
                   {{"job_id", job_id}, {"attempt", event.attempt}, {"error", reason}});
    return absl::UnavailableError(reason);
  }
  return FailForGood(tenant, job_id, claim->fence, reason, logger);
}

absl::Status JobHandler::FailForGood(std::string_view tenant, const std::string& job_id,
                                     std::int64_t fence, const std::string& reason,
                                     const logging::Logger& logger) {
  metrics_->Count("failed");
  logger.Error("matching job failed for good", {{"job_id", job_id}, {"error", reason}});
  if (absl::Status failed = jobs_.Fail(tenant, job_id, fence, reason); !failed.ok()) {
    if (jobs::IsSuperseded(failed)) return absl::OkStatus();
    // The job stays visible as running; the retry tries to record the failure again.
    return absl::UnavailableError(
        absl::StrCat(reason, "; recording the failure: ", failed.message()));
  }
  return absl::FailedPreconditionError(reason);
}

absl::Status JobHandler::Run(std::string_view tenant, const jobs::JobClaim& claim,
                             const logging::Logger& logger, std::int64_t& matched) {
  const std::string& job_id = claim.job.job_id;
  absl::Time last_report = absl::InfinitePast();
  absl::Status superseded;
  // Progress is best effort, but a report refused as superseded means another worker owns the
  // job now: remember it, so the solve's result is not stored for nothing.
  const auto report = [&](std::string_view phase, double fraction, bool force) {
    const absl::Time now = absl::Now();
    if (!force && now - last_report < absl::FromChrono(options_.progress_interval)) return;
    last_report = now;
    absl::Status status = jobs_.ReportProgress(tenant, job_id, claim.fence, phase, fraction);
    if (jobs::IsSuperseded(status)) superseded = status;
  };

  auto input = jobs_.Input(tenant, job_id);
  if (!input.ok()) return input.status();
  const int parts = input->snapshot_parts();
  RoundBuilder builder(*std::move(input));
  for (int i = 0; i < parts; ++i) {
    auto part = jobs_.SnapshotPart(tenant, job_id, i);
    if (!part.ok()) return part.status();
    if (absl::Status status = builder.Add(*part); !status.ok()) return status;
    report("snapshot", static_cast<double>(i + 1) / parts, i == 0);
    if (!superseded.ok()) return superseded;
  }
  auto round = std::move(builder).Finish();
  if (!round.ok()) return round.status();
  logger.Info("matching job snapshot read", {{"job_id", job_id},
                                             {"interns", round->instance.interns.size()},
                                             {"host_offers", round->instance.hosts.size()}});

  matching::SolveOptions solve_options;
  solve_options.progress = [&](std::string_view phase, double fraction) {
    report(phase, fraction, false);
  };
  auto result = matching::Solve(round->instance, solve_options);
  if (!result.ok()) return result.status();
  if (!superseded.ok()) return superseded;

  report("storing", 0, true);
  const v1::MatchingSummary summary = Summarize(*result, *round);
  absl::Status stored =
      EmitResultParts(*result, *round, summary, options_.items_per_part,
                      [&](const v1::GetMatchingResultResponse& part) {
                        return jobs_.AppendResultPart(tenant, job_id, claim.fence, part);
                      });
  if (!stored.ok()) return stored;
  matched = summary.matched();
  return jobs_.Finish(tenant, job_id, claim.fence, summary);
}

}  // namespace ipraktik::matching_worker
