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

// The participant pages' survey on the local stack (IPRAKTIK_EVALUATION_FORM_URL's default).
inline constexpr char kDefaultFormUrl[] = "http://127.0.0.1:7180/evaluation/";

struct LinkSettings {
  // The personal link is form_url + tenant + "/" + token (the form needs the tenant for its
  // calls).
  std::string form_url = kDefaultFormUrl;
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

  // What InviteRound did, counted in participations.
  struct RoundInvitations {
    int invited = 0;
    int already_invited = 0;
    int not_finished = 0;   // last day after today, unfinished ones not asked for
    int not_evaluated = 0;  // cancelled placements, erased people
  };
  // A coordinator's request: the round's participants invited to the first survey today, each by
  // the same compare-and-set step the schedule applies, so that each is invited once whoever
  // comes first (the schedule then sends only the reminders, counted from today). Participations
  // whose last day is after today only with include_unfinished (InviteNowDecision). NOT_FOUND
  // when the round has no participation; FAILED_PRECONDITION (EVALUATION_CLOSED) when closed.
  // Costs two round trips per participation; a call cut short is simply repeated.
  absl::StatusOr<RoundInvitations> InviteRound(const std::string& tenant,
                                               const std::string& round_id,
                                               bool include_unfinished);
  // Passes every poll_interval until stop is requested.
  void Run(std::stop_token stop);

 private:
  absl::Status Visit(const std::string& tenant, const std::string& participation_id,
                     std::chrono::year_month_day today,
                     std::map<std::string, ProgrammeSettings>& settings, Pass& pass);
  // The programme's settings, read once per pass or call.
  absl::StatusOr<ScheduleSettings> ScheduleOf(const std::string& tenant,
                                              const std::string& programme_id,
                                              std::map<std::string, ProgrammeSettings>& settings);
  // One participation of InviteRound: kInvite when this call invited it, kClosed when it is not
  // evaluated (cancelled, erased, or its round closed meanwhile).
  absl::StatusOr<InviteNow> InviteOne(const std::string& tenant,
                                      const std::string& participation_id,
                                      std::chrono::year_month_day today, bool include_unfinished,
                                      std::map<std::string, ProgrammeSettings>& settings);
  // Sends step to p (seen at p.version) with a fresh link, in one compare-and-set with its
  // event; false when the version moved meanwhile (another replica, pass or call came first).
  absl::StatusOr<bool> Send(const std::string& tenant, const Participation& p, Step step,
                            std::chrono::year_month_day today, const ScheduleSettings& schedule);

  // Each round's response rate, from the tenant's cells (cost: the number of cells).
  absl::Status MeasureResponseRates(const std::string& tenant);

  EvaluationStore& store_;
  SchedulerOptions options_;
  Clock clock_;
  EvaluationMetrics& metrics_;
  logging::Logger logger_;
};

}  // namespace ipraktik::evaluation
