#include "domain/schedule.h"

#include <gtest/gtest.h>

namespace ipraktik::evaluation {
namespace {

using std::chrono::day;
using std::chrono::days;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

constexpr year_month_day kLastDay{year(2026), month(9), day(9)};

year_month_day DaysAfterLastDay(int n) { return year_month_day{sys_days(kLastDay) + days(n)}; }

// Runs the schedule day by day from the last day to `until` days after it, answering the first
// survey on `answer_first_on` (if given), and returns what was sent on which day.
std::vector<std::pair<int, Step>> SendOverDays(const ScheduleSettings& settings, int until,
                                               std::optional<int> answer_first_on = std::nullopt) {
  EvaluationProgress progress{.last_day = kLastDay};
  std::vector<std::pair<int, Step>> sent;
  for (int n = 0; n <= until; ++n) {
    if (answer_first_on == n) progress.first.answered = true;
    // A step is applied once; the same day asks again and gets nothing more (or the next wave).
    for (Step step = NextStep(progress, DaysAfterLastDay(n), settings);
         step.kind != StepKind::kNone; step = NextStep(progress, DaysAfterLastDay(n), settings)) {
      sent.emplace_back(n, step);
      progress = AfterStep(progress, step, DaysAfterLastDay(n));
    }
  }
  return sent;
}

TEST(Schedule, InvitesTheDayAfterTheLastDayThenRemindsTwiceFiveDaysApart) {
  ScheduleSettings settings{.follow_up_after_days = std::nullopt};
  std::vector<std::pair<int, Step>> expected = {
      {1, {StepKind::kInvite, Wave::kFirst}},
      {6, {StepKind::kRemind, Wave::kFirst}},
      {11, {StepKind::kRemind, Wave::kFirst}},
  };
  EXPECT_EQ(SendOverDays(settings, 200), expected);
}

TEST(Schedule, NoReminderAfterAnAnswer) {
  ScheduleSettings settings{.follow_up_after_days = std::nullopt};
  std::vector<std::pair<int, Step>> expected = {{1, {StepKind::kInvite, Wave::kFirst}},
                                                {6, {StepKind::kRemind, Wave::kFirst}}};
  EXPECT_EQ(SendOverDays(settings, 200, /*answer_first_on=*/7), expected);
}

TEST(Schedule, TheFollowUpComesAfterItsDaysWithItsOwnReminders) {
  ScheduleSettings settings{
      .reminder_after_days = 3, .max_reminders = 1, .follow_up_after_days = 90};
  std::vector<std::pair<int, Step>> expected = {
      {1, {StepKind::kInvite, Wave::kFirst}},
      {90, {StepKind::kInvite, Wave::kFollowUp}},
      {93, {StepKind::kRemind, Wave::kFollowUp}},
  };
  EXPECT_EQ(SendOverDays(settings, 200, /*answer_first_on=*/2), expected);
}

TEST(Schedule, NothingBeforeTheLastDayHasPassedNorAfterTheEvaluationCloses) {
  EvaluationProgress progress{.last_day = kLastDay};
  EXPECT_EQ(NextStep(progress, kLastDay, {}).kind, StepKind::kNone);
  progress.closed = true;
  EXPECT_EQ(NextStep(progress, DaysAfterLastDay(1), {}).kind, StepKind::kNone);
}

TEST(Schedule, ACoordinatorInvitesNowOnceTheLastDayHasComeOrEarlierWhenAsked) {
  EvaluationProgress progress{.last_day = kLastDay};
  EXPECT_EQ(InviteNowDecision(progress, DaysAfterLastDay(-3), false), InviteNow::kNotFinished);
  EXPECT_EQ(InviteNowDecision(progress, DaysAfterLastDay(-3), true), InviteNow::kInvite);
  // On the last day itself (the schedule would wait until the next).
  EXPECT_EQ(InviteNowDecision(progress, kLastDay, false), InviteNow::kInvite);
  EXPECT_EQ(InviteNowDecision(progress, DaysAfterLastDay(4), false), InviteNow::kInvite);
  EvaluationProgress closed{.last_day = kLastDay, .closed = true};
  EXPECT_EQ(InviteNowDecision(closed, DaysAfterLastDay(4), true), InviteNow::kClosed);
}

TEST(Schedule, AnInvitationSentEarlyIsNeverSentAgainAndItsRemindersCountFromIt) {
  ScheduleSettings settings{.follow_up_after_days = 90};
  EvaluationProgress progress{.last_day = kLastDay};
  progress = AfterStep(progress, {StepKind::kInvite, Wave::kFirst}, DaysAfterLastDay(-3));
  EXPECT_EQ(InviteNowDecision(progress, DaysAfterLastDay(-3), true), InviteNow::kAlreadyInvited);
  EXPECT_EQ(NextDueDay(progress, settings), DaysAfterLastDay(2));
  std::vector<std::pair<int, Step>> sent;
  for (int n = -3; n <= 200; ++n) {
    for (Step step = NextStep(progress, DaysAfterLastDay(n), settings);
         step.kind != StepKind::kNone; step = NextStep(progress, DaysAfterLastDay(n), settings)) {
      sent.emplace_back(n, step);
      progress = AfterStep(progress, step, DaysAfterLastDay(n));
    }
  }
  // No invitation the day after the last day: reminders five days after the early one, and the
  // follow-up still counted from the last day.
  std::vector<std::pair<int, Step>> expected = {
      {2, {StepKind::kRemind, Wave::kFirst}},      {7, {StepKind::kRemind, Wave::kFirst}},
      {90, {StepKind::kInvite, Wave::kFollowUp}},  {95, {StepKind::kRemind, Wave::kFollowUp}},
      {100, {StepKind::kRemind, Wave::kFollowUp}},
  };
  EXPECT_EQ(sent, expected);
}

TEST(Schedule, ARestartedScheduleThatIsLateSendsOneMessageNotABacklog) {
  // The service was down for 30 days after the last day: one invitation, then a reminder only
  // reminder_after_days after that invitation.
  EvaluationProgress progress{.last_day = kLastDay};
  ScheduleSettings settings{.follow_up_after_days = std::nullopt};
  Step step = NextStep(progress, DaysAfterLastDay(30), settings);
  EXPECT_EQ(step, (Step{StepKind::kInvite, Wave::kFirst}));
  progress = AfterStep(progress, step, DaysAfterLastDay(30));
  EXPECT_EQ(NextStep(progress, DaysAfterLastDay(34), settings).kind, StepKind::kNone);
  EXPECT_EQ(NextStep(progress, DaysAfterLastDay(35), settings).kind, StepKind::kRemind);
}

TEST(Schedule, TheNextDueDayIsTheFirstDayAStepIsDueAndNoneOnceNothingMoreWillBeSent) {
  ScheduleSettings settings{
      .reminder_after_days = 3, .max_reminders = 2, .follow_up_after_days = 20};
  for (std::optional<int> answer_on : {std::optional<int>{}, std::optional<int>{5}}) {
    EvaluationProgress progress{.last_day = kLastDay};
    for (int n = 0; n <= 60; ++n) {
      if (answer_on == n) progress.first.answered = true;
      std::optional<year_month_day> due = NextDueDay(progress, settings);
      Step step = NextStep(progress, DaysAfterLastDay(n), settings);
      if (step.kind == StepKind::kNone) {
        // Nothing today: the due day is later, or there is none.
        EXPECT_TRUE(!due.has_value() || sys_days(*due) > sys_days(DaysAfterLastDay(n))) << n;
        continue;
      }
      ASSERT_TRUE(due.has_value()) << n;
      EXPECT_LE(sys_days(*due), sys_days(DaysAfterLastDay(n))) << n;
      progress = AfterStep(progress, step, DaysAfterLastDay(n));
    }
    // Everything was sent: nothing is ever due again.
    EXPECT_EQ(NextDueDay(progress, settings), std::nullopt);
  }
  EvaluationProgress closed{.last_day = kLastDay, .closed = true};
  EXPECT_EQ(NextDueDay(closed, settings), std::nullopt);
}

}  // namespace
}  // namespace ipraktik::evaluation
