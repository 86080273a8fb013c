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

}  // namespace

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
