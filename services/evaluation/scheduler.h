#pragma once

// Sends what is due: for every participation whose next message is due today (the store's due
// index), asks the domain schedule (NextStep) and applies the step in one script that compares
// and sets the participation's version and appends the evaluation.invitation.requested event to
// the outbox. Two replicas, a restart or a pass run twice therefore send each message once: the
// second attempt finds the version moved and sends nothing.
//
// Each message carries a fresh token (the participant's personal link); only its keyed digest is
// stored. The clock is given, so tests move the date.

#include <functional>
#include <map>
#include <stop_token>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "evaluation_metrics.h"
#include "evaluation_store.h"
#include "ipraktik/logging/logger.h"

namespace ipraktik::evaluation {

using Clock = std::function<absl::Time()>;

struct LinkSettings {
  // The personal link is form_url + tenant + "/" + token (the form needs the tenant for its
  // calls).
  std::string form_url = "http://127.0.0.1:7106/evaluation/";
  // The key of the tokens' digests (tokens::Digest).
  std::string token_secret;
};

struct SchedulerOptions {
  LinkSettings link{};
  absl::TimeZone time_zone = absl::UTCTimeZone();  // whose calendar days count
  absl::Duration poll_interval = absl::Seconds(60);
  int batch = 500;  // participations read per tenant and pass
};

// Today in zone, as the domain counts days.
std::chrono::year_month_day Today(absl::Time now, absl::TimeZone zone);

class Scheduler {
 public:
  Scheduler(EvaluationStore& store, SchedulerOptions options, Clock clock,
            EvaluationMetrics& metrics, logging::Logger logger);

  struct Pass {
    int invitations = 0;
    int reminders = 0;
  };
  // One pass over every tenant's due participations.
  absl::StatusOr<Pass> RunOnce();
  // Passes every poll_interval until stop is requested.
  void Run(std::stop_token stop);

 private:
  absl::Status Visit(const std::string& tenant, const std::string& participation_id,
                     std::chrono::year_month_day today,
                     std::map<std::string, ProgrammeSettings>& settings, Pass& pass);

  // Each round's response rate, from the tenant's cells (cost: the number of cells).
  absl::Status MeasureResponseRates(const std::string& tenant);

  EvaluationStore& store_;
  SchedulerOptions options_;
  Clock clock_;
  EvaluationMetrics& metrics_;
  logging::Logger logger_;
};

}  // namespace ipraktik::evaluation
