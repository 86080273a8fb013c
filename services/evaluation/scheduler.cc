#include "scheduler.h"

#include "absl/strings/str_cat.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/model_proto/model_proto.h"
#include "ipraktik/server/periodic.h"
#include "ipraktik/tokens/tokens.h"
#include "ipraktik/v1/evaluation_events.pb.h"

namespace ipraktik::evaluation {
namespace {

constexpr char kTokenKind[] = "ipe";

// The invitation (or reminder: the same invitation id) for step, with the personal link.
absl::StatusOr<events::Envelope> Invitation(const std::string& tenant, const Participation& p,
                                            Step step, const std::string& link) {
  v1::EvaluationInvitationRequested payload;
  if (!payload.mutable_round()->ParseFromString(p.round_card) ||
      !payload.mutable_participant()->ParseFromString(p.person_card)) {
    return absl::DataLossError(absl::StrCat("participation ", p.Id(), " does not parse"));
  }
  payload.set_role(model::ToProto(p.role));
  payload.set_form_url(link);
  payload.set_invitation_id(absl::StrCat(p.Id(), ":", std::string(WaveName(step.wave))));
  payload.set_host_workplace_name(p.host_workplace_name);
  // The same step of the same participation is the same event, whoever sends it.
  const auto& survey = step.wave == Wave::kFirst ? p.progress.first : p.progress.follow_up;
  return events::BuildEnvelope(
      {.type = contract::kEvaluationInvitationRequested,
       .tenant = tenant,
       .id = events::EventIdFor(absl::StrCat(
           "evaluation/", tenant, "/", p.Id(), "/", std::string(WaveName(step.wave)), "/",
           survey.reminders_sent, step.kind == StepKind::kInvite ? "/invite" : "/remind"))},
      payload);
}

}  // namespace

std::chrono::year_month_day Today(absl::Time now, absl::TimeZone zone) {
  absl::CivilDay day = absl::ToCivilDay(now, zone);
  return std::chrono::year_month_day{std::chrono::year(static_cast<int>(day.year())),
                                     std::chrono::month(static_cast<unsigned>(day.month())),
                                     std::chrono::day(static_cast<unsigned>(day.day()))};
}

Scheduler::Scheduler(EvaluationStore& store, SchedulerOptions options, Clock clock,
                     EvaluationMetrics& metrics, logging::Logger logger)
    : store_(store),
      options_(std::move(options)),
      clock_(std::move(clock)),
      metrics_(metrics),
      logger_(std::move(logger)) {}

absl::StatusOr<Scheduler::Pass> Scheduler::RunOnce() {
  auto tenants = store_.Tenants();
  if (!tenants.ok()) return tenants.status();
  const auto today = Today(clock_(), options_.time_zone);
  Pass pass;
  for (const auto& tenant : *tenants) {
    auto due = store_.Due(tenant, today, options_.batch);
    if (!due.ok()) return due.status();
    std::map<std::string, ProgrammeSettings> settings;  // per programme, for this pass
    for (const auto& id : *due) {
      if (absl::Status visited = Visit(tenant, id, today, settings, pass); !visited.ok()) {
        return visited;
      }
    }
    if (absl::Status measured = MeasureResponseRates(tenant); !measured.ok()) return measured;
  }
  return pass;
}

absl::Status Scheduler::MeasureResponseRates(const std::string& tenant) {
  auto cells = store_.Cells(tenant);
  if (!cells.ok()) return cells.status();
  std::map<std::string, Tally> rounds;
  for (const Cell& cell : *cells) rounds[cell.key.round_id] += cell.tally;
  for (const auto& [round_id, tally] : rounds) {
    if (tally.participants == 0) continue;
    metrics_.ResponseRate(
        tenant, round_id,
        static_cast<double>(tally.answers) / static_cast<double>(tally.participants));
  }
  return absl::OkStatus();
}

absl::StatusOr<ScheduleSettings> Scheduler::ScheduleOf(
    const std::string& tenant, const std::string& programme_id,
    std::map<std::string, ProgrammeSettings>& settings) {
  auto found = settings.find(programme_id);
  if (found == settings.end()) {
    auto read = store_.Settings(tenant, programme_id);
    if (!read.ok()) return read.status();
    found = settings.emplace(programme_id, *read).first;
  }
  return found->second.schedule;
}

absl::Status Scheduler::Visit(const std::string& tenant, const std::string& participation_id,
                              std::chrono::year_month_day today,
                              std::map<std::string, ProgrammeSettings>& settings, Pass& pass) {
  auto loaded = store_.Load(tenant, participation_id);
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value() || (*loaded)->cancelled) return absl::OkStatus();
  const Participation& p = **loaded;
  auto schedule = ScheduleOf(tenant, p.cell.programme_id, settings);
  if (!schedule.ok()) return schedule.status();
  const Step step = NextStep(p.progress, today, *schedule);
  if (step.kind == StepKind::kNone) {
    // Not due after all (settings changed, or answered): look again on the right day.
    return store_
        .ApplyStep(tenant, p, p.progress, NextDueDay(p.progress, *schedule), {}, "", std::nullopt)
        .status();
  }
  auto sent = Send(tenant, p, step, today, *schedule);
  if (!sent.ok()) return sent.status();
  if (*sent) ++(step.kind == StepKind::kInvite ? pass.invitations : pass.reminders);
  return absl::OkStatus();
}

absl::StatusOr<bool> Scheduler::Send(const std::string& tenant, const Participation& p, Step step,
                                     std::chrono::year_month_day today,
                                     const ScheduleSettings& schedule) {
  auto token = tokens::NewToken(kTokenKind);
  if (!token.ok()) return token.status();
  auto event =
      Invitation(tenant, p, step, absl::StrCat(options_.link.form_url, tenant, "/", *token));
  if (!event.ok()) return event.status();
  const EvaluationProgress after = AfterStep(p.progress, step, today);
  Tally tally;
  if (step.kind == StepKind::kInvite) {
    if (step.wave == Wave::kFirst) tally.AddParticipant(p.crosses_sectors);
    if (step.wave == Wave::kFollowUp) tally.AddFollowUpInvitation();
  }
  auto applied = store_.ApplyStep(tenant, p, after, NextDueDay(after, schedule), tally,
                                  tokens::Digest(options_.link.token_secret, *token), *event);
  if (!applied.ok()) return applied.status();
  if (!*applied) return false;
  if (step.kind == StepKind::kInvite) {
    metrics_.Invitation(step.wave);
  } else {
    metrics_.Reminder(step.wave);
  }
  return true;
}

absl::StatusOr<InviteNow> Scheduler::InviteOne(const std::string& tenant,
                                               const std::string& participation_id,
                                               std::chrono::year_month_day today,
                                               bool include_unfinished,
                                               std::map<std::string, ProgrammeSettings>& settings) {
  // A step that finds the version moved (the schedule or another call at the same moment) looks
  // again: the participation is then invited already, or still to invite. The version moves
  // once per message, so a few attempts settle it.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto loaded = store_.Load(tenant, participation_id);
    if (!loaded.ok()) return loaded.status();
    if (!loaded->has_value() || (*loaded)->cancelled) return InviteNow::kClosed;
    const Participation& p = **loaded;
    const InviteNow decision = InviteNowDecision(p.progress, today, include_unfinished);
    if (decision != InviteNow::kInvite) return decision;
    auto schedule = ScheduleOf(tenant, p.cell.programme_id, settings);
    if (!schedule.ok()) return schedule.status();
    auto sent = Send(tenant, p, {StepKind::kInvite, Wave::kFirst}, today, *schedule);
    if (!sent.ok()) return sent.status();
    if (*sent) return InviteNow::kInvite;
    // Not sent and the version unchanged: the round was closed meanwhile.
    auto closed = store_.Closed(tenant, p.cell.round_id);
    if (!closed.ok()) return closed.status();
    if (*closed) return InviteNow::kClosed;
  }
  return absl::AbortedError(absl::StrCat("participation ", participation_id,
                                         " kept changing while it was invited: call again"));
}

absl::StatusOr<Scheduler::RoundInvitations> Scheduler::InviteRound(const std::string& tenant,
                                                                   const std::string& round_id,
                                                                   bool include_unfinished) {
  auto ids = store_.RoundParticipations(tenant, round_id);
  if (!ids.ok()) return ids.status();
  if (ids->empty()) {
    return errors::NotFound("round", round_id,
                            absl::StrCat("no placement of round ", round_id,
                                         " has reached the evaluation: a round's placements "
                                         "arrive when it is published"));
  }
  auto closed = store_.Closed(tenant, round_id);
  if (!closed.ok()) return closed.status();
  if (*closed) {
    return errors::FailedPrecondition("EVALUATION_CLOSED", absl::StrCat("round/", round_id),
                                      "the round's evaluation is closed");
  }
  const auto today = Today(clock_(), options_.time_zone);
  std::map<std::string, ProgrammeSettings> settings;
  RoundInvitations done;
  for (const std::string& id : *ids) {
    auto outcome = InviteOne(tenant, id, today, include_unfinished, settings);
    if (!outcome.ok()) return outcome.status();
    switch (*outcome) {
      case InviteNow::kInvite:
        ++done.invited;
        break;
      case InviteNow::kAlreadyInvited:
        ++done.already_invited;
        break;
      case InviteNow::kNotFinished:
        ++done.not_finished;
        break;
      case InviteNow::kClosed:
        ++done.not_evaluated;
        break;
    }
  }
  logger_.Info("evaluation invitations sent at a coordinator's request",
               {{"tenant", tenant},
                {"round", round_id},
                {"invited", done.invited},
                {"already_invited", done.already_invited},
                {"not_finished", done.not_finished}});
  return done;
}

void Scheduler::Run(std::stop_token stop) {
  server::RunPeriodically(stop, options_.poll_interval, [this] {
    auto pass = RunOnce();
    if (!pass.ok()) {
      logger_.Warning("evaluation messages could not be scheduled; trying again",
                      {{"error", pass.status().ToString()}});
    } else if (pass->invitations + pass->reminders > 0) {
      logger_.Info("evaluation messages requested",
                   {{"invitations", pass->invitations}, {"reminders", pass->reminders}});
    }
  });
}

}  // namespace ipraktik::evaluation
