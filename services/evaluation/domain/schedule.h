#pragma once

// When a participant is invited to evaluate an internship, reminded, and asked again later: a
// pure decision from where that participant stands and today's date, so the service only applies
// it (in Redis, atomically, once whatever the number of replicas) and tests need no clock.

#include <chrono>
#include <optional>

#include "domain/survey.h"

namespace ipraktik::evaluation {

struct ScheduleSettings {
  // Days after an invitation (or the previous reminder) before a reminder; at most this many.
  int reminder_after_days = 5;
  int max_reminders = 2;
  // Days after the internship's last day before the follow-up survey; nullopt: no follow-up.
  std::optional<int> follow_up_after_days = 90;
};

// One survey's progress for one participant of one placement.
struct SurveyProgress {
  bool invited = false;
  int reminders_sent = 0;
  std::chrono::year_month_day last_sent{};  // the invitation's or the last reminder's day
  bool answered = false;
  friend bool operator==(const SurveyProgress&, const SurveyProgress&) = default;
};

struct EvaluationProgress {
  std::chrono::year_month_day last_day{};  // the internship's last day
  SurveyProgress first{};
  SurveyProgress follow_up{};
  bool closed = false;  // the round's evaluation is closed: nothing more is sent
  friend bool operator==(const EvaluationProgress&, const EvaluationProgress&) = default;
};

enum class StepKind { kNone, kInvite, kRemind };

struct Step {
  StepKind kind = StepKind::kNone;
  Wave wave = Wave::kFirst;
  friend bool operator==(const Step&, const Step&) = default;
};

// What is due today, first survey before follow-up: an invitation the day after the last day, a
// reminder reminder_after_days after the last message while unanswered (at most max_reminders),
// the follow-up's invitation follow_up_after_days after the last day, then its reminders.
Step NextStep(const EvaluationProgress& progress, std::chrono::year_month_day today,
              const ScheduleSettings& settings);

// The first day on which NextStep returns a step if nothing else happens (no answer, no
// closing), or nullopt when nothing more will ever be sent: the day a scheduler looks at this
// participant again, so that it reads only those due instead of everyone every day.
std::optional<std::chrono::year_month_day> NextDueDay(const EvaluationProgress& progress,
                                                      const ScheduleSettings& settings);

// Whether a coordinator's request to invite now (before the schedule's day) invites a
// participant to the first survey today.
enum class InviteNow {
  kInvite,          // yes: Step{kInvite, kFirst}
  kAlreadyInvited,  // invited before: never twice
  kNotFinished,     // the internship's last day is after today, and unfinished ones were not asked
  kClosed,          // the round's evaluation is closed
};
// Invites once the internship's last day has come (the schedule would wait one more day), or at
// any time with include_unfinished; never a participant invited already.
InviteNow InviteNowDecision(const EvaluationProgress& progress, std::chrono::year_month_day today,
                            bool include_unfinished);

// The progress once step was sent today.
EvaluationProgress AfterStep(EvaluationProgress progress, Step step,
                             std::chrono::year_month_day today);

}  // namespace ipraktik::evaluation
