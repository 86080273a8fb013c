#include "domain/schedule.h"

namespace ipraktik::evaluation {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

bool OnOrAfter(year_month_day today, year_month_day day, int offset_days) {
  return sys_days(today) >= sys_days(day) + days(offset_days);
}

// The next message of one survey that opens on `opens`, or none.
StepKind NextOf(const SurveyProgress& survey, year_month_day opens, year_month_day today,
                const ScheduleSettings& settings) {
  if (!survey.invited) return OnOrAfter(today, opens, 0) ? StepKind::kInvite : StepKind::kNone;
  if (survey.answered || survey.reminders_sent >= settings.max_reminders) return StepKind::kNone;
  return OnOrAfter(today, survey.last_sent, settings.reminder_after_days) ? StepKind::kRemind
                                                                          : StepKind::kNone;
}

// The day the next message of one survey that opens on `opens` is due, or none.
std::optional<year_month_day> DueOf(const SurveyProgress& survey, year_month_day opens,
                                    const ScheduleSettings& settings) {
  if (!survey.invited) return opens;
  if (survey.answered || survey.reminders_sent >= settings.max_reminders) return std::nullopt;
  return year_month_day{sys_days(survey.last_sent) + days(settings.reminder_after_days)};
}

}  // namespace

std::optional<year_month_day> NextDueDay(const EvaluationProgress& progress,
                                         const ScheduleSettings& settings) {
  if (progress.closed) return std::nullopt;
  std::optional<year_month_day> due =
      DueOf(progress.first, year_month_day{sys_days(progress.last_day) + days(1)}, settings);
  if (!settings.follow_up_after_days.has_value()) return due;
  // NextStep looks at the follow-up whenever the first survey has nothing due today, so the
  // earlier of the two is the next due day.
  std::optional<year_month_day> follow_up = DueOf(
      progress.follow_up,
      year_month_day{sys_days(progress.last_day) + days(*settings.follow_up_after_days)}, settings);
  if (!due.has_value() || (follow_up.has_value() && sys_days(*follow_up) < sys_days(*due))) {
    return follow_up;
  }
  return due;
}

Step NextStep(const EvaluationProgress& progress, year_month_day today,
              const ScheduleSettings& settings) {
  if (progress.closed) return {};
  year_month_day first_opens{sys_days(progress.last_day) + days(1)};
  if (StepKind kind = NextOf(progress.first, first_opens, today, settings); kind != StepKind::kNone)
    return {.kind = kind, .wave = Wave::kFirst};
  if (!settings.follow_up_after_days.has_value()) return {};
  year_month_day follow_up_opens{sys_days(progress.last_day) +
                                 days(*settings.follow_up_after_days)};
  if (StepKind kind = NextOf(progress.follow_up, follow_up_opens, today, settings);
      kind != StepKind::kNone)
    return {.kind = kind, .wave = Wave::kFollowUp};
  return {};
}

InviteNow InviteNowDecision(const EvaluationProgress& progress, year_month_day today,
                            bool include_unfinished) {
  if (progress.closed) return InviteNow::kClosed;
  if (progress.first.invited) return InviteNow::kAlreadyInvited;
  if (!include_unfinished && sys_days(progress.last_day) > sys_days(today)) {
    return InviteNow::kNotFinished;
  }
  return InviteNow::kInvite;
}

EvaluationProgress AfterStep(EvaluationProgress progress, Step step, year_month_day today) {
  SurveyProgress& survey = step.wave == Wave::kFirst ? progress.first : progress.follow_up;
  switch (step.kind) {
    case StepKind::kNone:
      return progress;
    case StepKind::kInvite:
      survey.invited = true;
      break;
    case StepKind::kRemind:
      ++survey.reminders_sent;
      break;
  }
  survey.last_sent = today;
  return progress;
}

}  // namespace ipraktik::evaluation
