// The evaluation service's parts against a real Redis, in-process (a clock the test moves): the
// intake turns published placements into participations, the scheduler requests one invitation
// per intern and per host side the day after the last day (once, with two schedulers too), a
// coordinator's invitations now reach each once (the schedule then invites nobody again),
// reminders go only to those who have not answered, a link's token works once, validation names
// the field, a report's figures equal ones computed by hand (small groups suppressed, the CSV
// parses with Python's csv module), and erasure leaves neither token nor e-mail address behind.
//
// What the scheduler requests is read from the tenant's outbox stream (the relay's input), and
// taken out of it as the relay does once it published an entry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "evaluation_testing.h"
#include "ipraktik/errors/errors.h"
#include "local_servers.h"

namespace ipraktik::evaluation {
namespace {

using ipraktik::testing::RedisServer;
using namespace testing;  // evaluation_testing.h
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

class Servers : public ::testing::Environment {
 public:
  void SetUp() override { redis = std::make_unique<RedisServer>(); }
  void TearDown() override {
    EXPECT_THAT(redis->KeysOutsideTheScheme(), ::testing::IsEmpty());
    redis.reset();
  }
  std::unique_ptr<RedisServer> redis;
};

Servers* const servers = dynamic_cast<Servers*>(::testing::AddGlobalTestEnvironment(new Servers));

class EvaluationTest : public testing::EvaluationParts {
 protected:
  void SetUp() override { SetUpParts(servers->redis->port()); }

  // 40 interns placed with h1 (80 participations), the day after their last day: two schedulers
  // pass at once while `meanwhile` runs on this thread. The outbox must hold 80 invitations, each
  // once; returns how many the two passes sent.
  int RaceTwoSchedulers(const std::function<void()>& meanwhile) {
    PlaceInterns(40, v1::SECTOR_STATE, "h1");
    AdvanceDays(1);
    auto first = NewScheduler();
    auto second = NewScheduler();
    absl::StatusOr<Scheduler::Pass> a, b;
    std::thread one([&] { a = first->RunOnce(); });
    std::thread two([&] { b = second->RunOnce(); });
    meanwhile();
    one.join();
    two.join();
    EXPECT_TRUE(a.ok()) << a.status();
    EXPECT_TRUE(b.ok()) << b.status();
    auto invitations = TakeInvitations();
    EXPECT_EQ(invitations.size(), 80u);
    std::set<std::string> ids;
    for (const auto& invitation : invitations) ids.insert(invitation.invitation_id());
    EXPECT_EQ(ids.size(), 80u);
    return (a.ok() ? a->invitations : 0) + (b.ok() ? b->invitations : 0);
  }
};

TEST_F(EvaluationTest, InvitesEveryInternAndHostSideOnceTheDayAfterTheLastDay) {
  PlaceInterns(2, v1::SECTOR_STATE, "h1");
  auto scheduler = NewScheduler();
  // On the last day nothing is due yet.
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_TRUE(TakeInvitations().empty());

  AdvanceDays(1);
  const double invited_before = Counter("ipraktik_evaluation_invitations_total", "first");
  auto pass = scheduler->RunOnce();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->invitations, 4);
  auto invitations = TakeInvitations();
  // Each intern once; the host contact once per intern they hosted.
  EXPECT_EQ(Recipients(invitations),
            (std::multiset<std::string>{"i0@people.example", "i1@people.example",
                                        "host-h1@people.example", "host-h1@people.example"}));
  std::set<std::string> tokens;
  for (const auto& invitation : invitations) {
    EXPECT_THAT(invitation.form_url(), HasSubstr(std::string(kFormUrl) + tenant_ + "/ipe_"));
    EXPECT_EQ(invitation.round().round_id(), "r-37");
    EXPECT_EQ(invitation.host_workplace_name(), "Socialforvaltningen");
    tokens.insert(TokenOf(invitation));
  }
  EXPECT_EQ(tokens.size(), 4u);
  EXPECT_EQ(Counter("ipraktik_evaluation_invitations_total", "first") - invited_before, 4);

  // The same pass again, and another replica's: nothing more.
  ASSERT_TRUE(scheduler->RunOnce().ok());
  ASSERT_TRUE(NewScheduler()->RunOnce().ok());
  EXPECT_TRUE(TakeInvitations().empty());
}

TEST_F(EvaluationTest, TwoSchedulersAtOnceSendEachInvitationOnce) {
  EXPECT_EQ(RaceTwoSchedulers([] {}), 80);
}

// A coordinator's SendEvaluationInvitations for round r-37 (or round_id).
absl::StatusOr<v1::SendEvaluationInvitationsResponse> InviteNow(Evaluator& evaluator,
                                                                const std::string& tenant,
                                                                bool include_unfinished,
                                                                std::string round_id = "r-37") {
  v1::SendEvaluationInvitationsRequest request;
  request.set_round_id(std::move(round_id));
  request.set_include_unfinished(include_unfinished);
  return evaluator.SendInvitations(tenant, request);
}

TEST_F(EvaluationTest, ACoordinatorInvitesARoundNowOnceAndTheScheduleDoesNotInviteAgain) {
  PlaceInterns(3, v1::SECTOR_STATE, "h1");
  // Three days before the last day: the internships are not over.
  AdvanceDays(-3);
  auto early = InviteNow(*evaluator_, tenant_, /*include_unfinished=*/false);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(early->invited(), 0);
  EXPECT_EQ(early->not_finished(), 6);  // three interns, and the host's contact for each
  EXPECT_TRUE(TakeInvitations().empty());

  const double invited_before = Counter("ipraktik_evaluation_invitations_total", "first");
  auto sent = InviteNow(*evaluator_, tenant_, /*include_unfinished=*/true);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->invited(), 6);
  EXPECT_EQ(sent->already_invited(), 0);
  auto invitations = TakeInvitations();
  EXPECT_EQ(Recipients(invitations),
            (std::multiset<std::string>{"i0@people.example", "i1@people.example",
                                        "i2@people.example", "host-h1@people.example",
                                        "host-h1@people.example", "host-h1@people.example"}));
  EXPECT_EQ(Counter("ipraktik_evaluation_invitations_total", "first") - invited_before, 6);
  // The link works at once, and the report counts the invited.
  auto first = std::find_if(invitations.begin(), invitations.end(), [](const auto& invitation) {
    return invitation.participant().email() == "i0@people.example";
  });
  ASSERT_NE(first, invitations.end());
  ASSERT_TRUE(Submit(TokenOf(*first),
                     FirstAnswers(Role::kIntern, 5, 4, 4, v1::LENGTH_VERDICT_RIGHT, true, 2))
                  .ok());
  v1::GetEvaluationReportRequest scope;
  scope.set_round_id("r-37");
  auto report = evaluator_->Report(tenant_, scope);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->total().participants(), 6);
  EXPECT_EQ(report->total().answers(), 1);

  // Asked again: nobody twice.
  auto again = InviteNow(*evaluator_, tenant_, /*include_unfinished=*/true);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->invited(), 0);
  EXPECT_EQ(again->already_invited(), 6);
  EXPECT_TRUE(TakeInvitations().empty());

  // The day after the last day, when the schedule would have invited: nothing. The reminders
  // count from the invitation (five days later: two days after the last day), to the five who
  // have not answered.
  AdvanceDays(4);
  auto pass = NewScheduler()->RunOnce();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->invitations, 0);
  EXPECT_EQ(pass->reminders, 0);
  EXPECT_TRUE(TakeInvitations().empty());
  AdvanceDays(1);
  pass = NewScheduler()->RunOnce();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->invitations, 0);
  EXPECT_EQ(pass->reminders, 5);
  EXPECT_EQ(Recipients(TakeInvitations()).count("i0@people.example"), 0u);
}

TEST_F(EvaluationTest, ACoordinatorAndTwoSchedulersAtOnceInviteEachOnce) {
  absl::StatusOr<v1::SendEvaluationInvitationsResponse> sent;
  const int by_schedulers = RaceTwoSchedulers(
      [&] { sent = InviteNow(*evaluator_, tenant_, /*include_unfinished=*/false); });
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(by_schedulers + sent->invited(), 80);
  EXPECT_EQ(sent->invited() + sent->already_invited(), 80);
}

TEST_F(EvaluationTest, InvitingNowNamesAMissingRoundAndRefusesAnUnknownOrClosedOne) {
  auto missing = InviteNow(*evaluator_, tenant_, true, "");
  ASSERT_TRUE(absl::IsInvalidArgument(missing.status())) << missing.status();
  ASSERT_EQ(errors::FieldViolationsOf(missing.status()).size(), 1u);
  EXPECT_EQ(errors::FieldViolationsOf(missing.status())[0].field, "round_id");

  // A round none of whose placements has arrived (not published, or another tenant's).
  auto unknown = InviteNow(*evaluator_, tenant_, true, "r-38");
  ASSERT_TRUE(absl::IsNotFound(unknown.status())) << unknown.status();
  EXPECT_THAT(unknown.status().message(), HasSubstr("published"));

  // A cancelled placement is not evaluated (its host's side, not cancelled here, is).
  auto placements = PlaceInterns(2, v1::SECTOR_STATE, "h1");
  CancelPlacement(placements[1], 2);
  auto sent = InviteNow(*evaluator_, tenant_, false);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->invited(), 3);
  EXPECT_EQ(sent->not_evaluated(), 1);
  EXPECT_EQ(Recipients(TakeInvitations()),
            (std::multiset<std::string>{"i0@people.example", "host-h1@people.example",
                                        "host-h1@people.example"}));

  v1::CloseEvaluationRequest close;
  close.set_round_id("r-37");
  ASSERT_TRUE(evaluator_->Close(tenant_, close).ok());
  auto closed = InviteNow(*evaluator_, tenant_, true);
  ASSERT_TRUE(absl::IsFailedPrecondition(closed.status())) << closed.status();
  EXPECT_EQ(errors::PreconditionViolationsOf(closed.status())[0].type, "EVALUATION_CLOSED");
  EXPECT_TRUE(TakeInvitations().empty());
}

TEST_F(EvaluationTest, ALinksTokenAnswersOnceAndValidationNamesTheFields) {
  auto invitations = InviteOnePlacement();
  ASSERT_EQ(invitations.size(), 2u);
  const auto& intern = invitations[0];
  const std::string token = TokenOf(intern);

  v1::LookupEvaluationRequest lookup;
  lookup.set_token(token);
  auto found = evaluator_->Lookup(tenant_, lookup);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->role(), v1::EVALUATION_ROLE_INTERN);
  EXPECT_EQ(found->wave(), v1::EVALUATION_WAVE_FIRST);
  EXPECT_EQ(found->round().round_id(), "r-37");
  EXPECT_EQ(found->last_day().day(), kLastDay.day());
  EXPECT_FALSE(found->answered());
  ASSERT_GT(found->questions_size(), 0);
  EXPECT_EQ(found->questions(0).field(), "overall_value");

  // Out of range and missing answers are named; a host's question is refused for an intern.
  v1::EvaluationAnswers wrong =
      FirstAnswers(Role::kIntern, 9, 3, 3, v1::LENGTH_VERDICT_RIGHT, true, 2);
  wrong.clear_relevance();
  wrong.set_intern_contribution(3);
  auto refused = Submit(token, wrong);
  ASSERT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  std::set<std::string> fields;
  for (const auto& violation : errors::FieldViolationsOf(refused.status())) {
    fields.insert(violation.field);
  }
  EXPECT_EQ(fields, (std::set<std::string>{"answers.overall_value", "answers.relevance",
                                           "answers.intern_contribution"}));

  const double answers_before = Counter("ipraktik_evaluation_answers_total", "intern");
  auto stored =
      Submit(token, FirstAnswers(Role::kIntern, 5, 4, 4, v1::LENGTH_VERDICT_TOO_SHORT, true, 3));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_FALSE(stored->corrected());
  EXPECT_EQ(Counter("ipraktik_evaluation_answers_total", "intern") - answers_before, 1);

  auto again =
      Submit(token, FirstAnswers(Role::kIntern, 1, 1, 1, v1::LENGTH_VERDICT_TOO_LONG, false, 0));
  ASSERT_TRUE(absl::IsFailedPrecondition(again.status())) << again.status();
  auto violations = errors::PreconditionViolationsOf(again.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].type, "ALREADY_ANSWERED");
  EXPECT_TRUE(evaluator_->Lookup(tenant_, lookup)->answered());

  // A token of the right format that was never handed out, and a mistyped one.
  std::string unknown = token;
  lookup.set_token("ipe_" + std::string(36, 'A'));
  EXPECT_TRUE(absl::IsInvalidArgument(evaluator_->Lookup(tenant_, lookup).status()));
  unknown[5] = unknown[5] == 'a' ? 'b' : 'a';
  lookup.set_token(unknown);
  EXPECT_FALSE(evaluator_->Lookup(tenant_, lookup).ok());
}

TEST_F(EvaluationTest, EveryWrongFieldOfTheSurveyIsNamedAtOnce) {
  auto invitations = InviteOnePlacement();
  // The intern's first survey, every field wrong: out of range, missing, too long, not asked.
  v1::EvaluationAnswers wrong;
  wrong.set_overall_value(0);
  wrong.set_relevance(6);
  wrong.set_intern_contribution(3);  // a host's question
  wrong.set_new_contacts(101);
  wrong.set_idea(std::string(501, 'x'));
  wrong.set_comment(std::string(4001, 'x'));
  wrong.set_used_learning(true);  // a follow-up question
  auto refused = Submit(TokenOf(invitations[0]), wrong);
  ASSERT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  std::map<std::string, std::string> named;
  for (const auto& violation : errors::FieldViolationsOf(refused.status())) {
    named[violation.field] = violation.description;
  }
  EXPECT_EQ(named, (std::map<std::string, std::string>{
                       {"answers.overall_value", "must be 1 to 5"},
                       {"answers.relevance", "must be 1 to 5"},
                       {"answers.host_preparation", "is required"},
                       {"answers.intern_contribution", "is not asked in this survey"},
                       {"answers.length", "is required"},
                       {"answers.would_recommend", "is required"},
                       {"answers.new_contacts", "must be 0 to 100"},
                       {"answers.idea", "is longer than 500 characters"},
                       {"answers.comment", "is longer than 4000 characters"},
                       {"answers.used_learning", "is not asked in this survey"}}));
}

TEST_F(EvaluationTest, CorrectionsReplaceTheAnswersWhenTheProgrammeAllowsThem) {
  v1::UpdateEvaluationSettingsRequest update;
  update.set_programme_id("coi");
  auto* settings = update.mutable_settings();
  settings->set_reminder_after_days(5);
  settings->set_max_reminders(2);
  settings->set_allow_corrections(true);
  settings->set_anonymous_answers(false);  // a correction replaces the person's own answers
  settings->set_min_answers(1);
  settings->set_min_answers_for_text(1);
  ASSERT_TRUE(evaluator_->UpdateSettings(tenant_, update).ok());
  SetTenantThresholds(1, 1);
  auto invitations = InviteOnePlacement();
  ASSERT_EQ(invitations.size(), 2u);
  const auto& intern = invitations[0];
  ASSERT_TRUE(Submit(TokenOf(intern), FirstAnswers(Role::kIntern, 2, 2, 2, v1::LENGTH_VERDICT_RIGHT,
                                                   false, 1, "first"))
                  .ok());
  auto corrected =
      Submit(TokenOf(intern),
             FirstAnswers(Role::kIntern, 4, 4, 4, v1::LENGTH_VERDICT_RIGHT, true, 1, "second"));
  ASSERT_TRUE(corrected.ok()) << corrected.status();
  EXPECT_TRUE(corrected->corrected());

  v1::GetEvaluationReportRequest request;
  request.set_programme_id("coi");
  request.set_role(v1::EVALUATION_ROLE_INTERN);
  auto report = evaluator_->Report(tenant_, request);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->total().answers(), 1);
  EXPECT_EQ(report->total().overall_value().mean(), 4.0);
  EXPECT_EQ(report->total().recommend_share(), 1.0);
  EXPECT_THAT(report->total().ideas(), ElementsAre("second"));
}

TEST_F(EvaluationTest, WhetherAnswersAreAnonymousIsFixedAtTheProgrammesFirstAnswer) {
  auto update = [&](std::optional<bool> anonymous, bool corrections) {
    v1::UpdateEvaluationSettingsRequest request;
    request.set_programme_id("coi");
    auto* settings = request.mutable_settings();
    settings->set_reminder_after_days(5);
    settings->set_max_reminders(2);
    settings->set_allow_corrections(corrections);
    settings->set_min_answers(5);
    settings->set_min_answers_for_text(8);
    if (anonymous.has_value()) settings->set_anonymous_answers(*anonymous);
    return evaluator_->UpdateSettings(tenant_, request);
  };
  // Anonymous by default; corrections need the link to the person.
  auto refused = update(std::nullopt, true);
  ASSERT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  EXPECT_EQ(errors::FieldViolationsOf(refused.status())[0].field, "settings.allow_corrections");
  // Before any answer it may change either way.
  ASSERT_TRUE(update(false, true).ok());
  auto back = update(true, false);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->settings().anonymous_answers());

  auto invitations = InviteOnePlacement();
  ASSERT_TRUE(Submit(TokenOf(invitations[0]),
                     FirstAnswers(Role::kIntern, 4, 4, 4, v1::LENGTH_VERDICT_RIGHT, true, 1))
                  .ok());
  // After the first answer: the same value (or none) is fine, another is refused by name.
  EXPECT_TRUE(update(true, false).ok());
  EXPECT_TRUE(update(std::nullopt, false).ok());
  auto fixed = update(false, true);
  ASSERT_TRUE(absl::IsFailedPrecondition(fixed.status())) << fixed.status();
  const auto violation = errors::PreconditionViolationsOf(fixed.status())[0];
  EXPECT_EQ(violation.type, "ANONYMITY_FIXED");
  EXPECT_EQ(violation.subject, "settings.anonymous_answers");
  v1::GetEvaluationSettingsRequest get;
  get.set_programme_id("coi");
  EXPECT_TRUE(evaluator_->GetSettings(tenant_, get)->settings().anonymous_answers());
  // Anonymous: nothing in the participation records what it answered.
  auto stored = redis_->Command(
      {"HKEYS", store::TenantKeys::For(tenant_)->Key("evaluation:participation", "pl-i0:intern")});
  ASSERT_TRUE(stored.ok());
  for (const auto& field : stored->elements()) EXPECT_THAT(field.str(), Not(HasSubstr("answer")));
}

TEST_F(EvaluationTest, ReportsApplyTheTenantsThresholdsRaisedByAProgrammesOwn) {
  auto invitations = InviteOnePlacement();
  for (const auto& invitation : invitations) {
    ASSERT_TRUE(Submit(TokenOf(invitation), FirstAnswers(RoleOf(invitation), 4, 4, 4,
                                                         v1::LENGTH_VERDICT_RIGHT, true, 1, "idea"))
                    .ok());
  }
  v1::GetEvaluationReportRequest tenant_wide;
  v1::GetEvaluationReportRequest programme;
  programme.set_programme_id("coi");
  // Defaults 5 and 8: two answers show counts only.
  v1::GetTenantEvaluationSettingsRequest get;
  auto defaults = evaluator_->GetTenantSettings(tenant_, get);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->settings().min_answers(), 5);
  EXPECT_EQ(defaults->settings().min_answers_for_text(), 8);
  EXPECT_TRUE(evaluator_->Report(tenant_, tenant_wide)->total().hidden());
  // The tenant lowers them to 2: figures and ideas show in the tenant's report; a programme's
  // report applies the higher of its own (still the defaults) and the tenant's.
  SetTenantThresholds(2, 2);
  auto shown = evaluator_->Report(tenant_, tenant_wide);
  ASSERT_TRUE(shown.ok());
  EXPECT_FALSE(shown->total().hidden());
  EXPECT_THAT(shown->total().ideas(), ElementsAre("idea", "idea"));
  EXPECT_TRUE(evaluator_->Report(tenant_, programme)->total().hidden());
  v1::UpdateEvaluationSettingsRequest update;
  update.set_programme_id("coi");
  update.mutable_settings()->set_reminder_after_days(5);
  update.mutable_settings()->set_min_answers(2);
  update.mutable_settings()->set_min_answers_for_text(2);
  ASSERT_TRUE(evaluator_->UpdateSettings(tenant_, update).ok());
  EXPECT_FALSE(evaluator_->Report(tenant_, programme)->total().hidden());
  // The tenant raises its own to 3: the programme's 2 no longer suffice.
  SetTenantThresholds(3, 3);
  EXPECT_TRUE(evaluator_->Report(tenant_, programme)->total().hidden());
  // Out of range: named.
  v1::UpdateTenantEvaluationSettingsRequest bad;
  bad.mutable_settings()->set_min_answers(0);
  bad.mutable_settings()->set_min_answers_for_text(2000);
  auto refused = evaluator_->UpdateTenantSettings(tenant_, bad);
  ASSERT_TRUE(absl::IsInvalidArgument(refused.status()));
  std::set<std::string> fields;
  for (const auto& violation : errors::FieldViolationsOf(refused.status())) {
    fields.insert(violation.field);
  }
  EXPECT_EQ(fields,
            (std::set<std::string>{"settings.min_answers", "settings.min_answers_for_text"}));
}

TEST_F(EvaluationTest, TheNationalReportSumsEveryTenantUnderTheSameRules) {
  // Three answers here and three in another tenant: neither tenant shows figures alone, the
  // nation (six answers) does.
  // Three interns and their host invited in this test's tenant; three of the six answer.
  auto three_of_six_answer = [&](int overall) {
    PlaceInterns(3, v1::SECTOR_STATE, "h1");
    AdvanceDays(1);
    ASSERT_TRUE(NewScheduler()->RunOnce().ok());
    auto invitations = TakeInvitations();
    ASSERT_EQ(invitations.size(), 6u);
    invitations.resize(3);
    for (const auto& invitation : invitations) {
      ASSERT_TRUE(Submit(TokenOf(invitation), FirstAnswers(RoleOf(invitation), overall, 4, 4,
                                                           v1::LENGTH_VERDICT_RIGHT, true, 1))
                      .ok());
    }
  };
  three_of_six_answer(5);
  const std::string first_tenant = tenant_;
  SetUpParts(servers->redis->port());  // another tenant on the same Redis
  ASSERT_TRUE(redis_->Command({"SADD", "ipraktik:evaluation:tenants", first_tenant}).ok());
  three_of_six_answer(3);
  EXPECT_TRUE(evaluator_->Report(tenant_, {})->total().hidden());

  v1::GetNationalEvaluationReportRequest request;
  auto national = evaluator_->NationalReport(request);
  ASSERT_TRUE(national.ok()) << national.status();
  EXPECT_EQ(national->tenants(), 2);
  EXPECT_EQ(national->report().total().participants(), 12);
  EXPECT_EQ(national->report().total().answers(), 6);
  EXPECT_FALSE(national->report().total().hidden());
  EXPECT_DOUBLE_EQ(national->report().total().overall_value().mean(), 4.0);
  EXPECT_THAT(national->report().csv(), HasSubstr("\"total\""));
  // A tenant's higher threshold applies to the whole nation.
  SetTenantThresholds(7, 8);
  EXPECT_TRUE(evaluator_->NationalReport(request)->report().total().hidden());
}

TEST_F(EvaluationTest, RemindersGoOnlyToThoseWhoHaveNotAnsweredAndStopAfterTheLastOne) {
  PlaceInterns(2, v1::SECTOR_STATE, "h1");
  auto scheduler = NewScheduler();
  AdvanceDays(1);
  ASSERT_TRUE(scheduler->RunOnce().ok());
  auto invitations = TakeInvitations();
  ASSERT_EQ(invitations.size(), 4u);
  for (const auto& invitation : invitations) {
    if (invitation.participant().email() == "i0@people.example") {
      ASSERT_TRUE(Submit(TokenOf(invitation),
                         FirstAnswers(Role::kIntern, 4, 4, 4, v1::LENGTH_VERDICT_RIGHT, true, 1))
                      .ok());
    }
  }
  // Four days later: nothing; five: a reminder to the three who did not answer.
  AdvanceDays(4);
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_TRUE(TakeInvitations().empty());
  AdvanceDays(1);
  const double reminded_before = Counter("ipraktik_evaluation_reminders_total", "first");
  auto pass = scheduler->RunOnce();
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->reminders, 3);
  auto reminders = TakeInvitations();
  EXPECT_EQ(Recipients(reminders),
            (std::multiset<std::string>{"i1@people.example", "host-h1@people.example",
                                        "host-h1@people.example"}));
  EXPECT_EQ(Counter("ipraktik_evaluation_reminders_total", "first") - reminded_before, 3);
  // A reminder is the same invitation (same id) with a fresh link; the old link still works.
  std::set<std::string> first_ids;
  for (const auto& invitation : invitations) first_ids.insert(invitation.invitation_id());
  for (const auto& reminder : reminders) {
    EXPECT_TRUE(first_ids.contains(reminder.invitation_id()));
  }
  // The second reminder five days later; then nothing more, however long one waits (the
  // follow-up survey comes 90 days after the last day).
  AdvanceDays(5);
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_EQ(TakeInvitations().size(), 3u);
  AdvanceDays(30);
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_TRUE(TakeInvitations().empty());
}

TEST_F(EvaluationTest, TheFollowUpSurveyComesNinetyDaysAfterTheLastDayAndCountsApart) {
  auto invitations = InviteOnePlacement();
  ASSERT_EQ(invitations.size(), 2u);
  for (const auto& invitation : invitations) {
    ASSERT_TRUE(Submit(TokenOf(invitation),
                       FirstAnswers(RoleOf(invitation), 4, 4, 4, v1::LENGTH_VERDICT_RIGHT, true, 1))
                    .ok());
  }
  auto scheduler = NewScheduler();
  AdvanceDays(88);  // day 89 after the last day: nothing yet
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_TRUE(TakeInvitations().empty());
  AdvanceDays(1);
  const double invited_before = Counter("ipraktik_evaluation_invitations_total", "follow_up");
  ASSERT_TRUE(scheduler->RunOnce().ok());
  auto follow_ups = TakeInvitations();
  ASSERT_EQ(follow_ups.size(), 2u);
  EXPECT_EQ(Counter("ipraktik_evaluation_invitations_total", "follow_up") - invited_before, 2);
  EXPECT_THAT(follow_ups[0].invitation_id(), ::testing::EndsWith(":follow_up"));

  // The new link asks the follow-up's questions; the first survey's answers stay.
  v1::LookupEvaluationRequest lookup;
  lookup.set_token(TokenOf(follow_ups[0]));
  auto found = evaluator_->Lookup(tenant_, lookup);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->wave(), v1::EVALUATION_WAVE_FOLLOW_UP);
  EXPECT_FALSE(found->answered());
  v1::EvaluationAnswers follow_up;
  follow_up.set_used_learning(true);
  follow_up.set_kept_contact(false);
  follow_up.set_workplace_changed(true);
  ASSERT_TRUE(Submit(TokenOf(follow_ups[0]), follow_up).ok());
  auto report = evaluator_->Report(tenant_, v1::GetEvaluationReportRequest());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->total().answers(), 2);  // first-survey answers
}

TEST_F(EvaluationTest, ACancelledPlacementIsNotEvaluated) {
  auto placements = PlaceInterns(2, v1::SECTOR_STATE, "h1");
  CancelPlacement(placements[1], 2);
  v1::HostInternsAssigned assigned = Assigned(Offer("h1"), {placements[0]}, 2);
  *assigned.add_cancelled() = Assigned(Offer("h1"), {placements[1]}).interns(0);
  Deliver(contract::kHostInternsAssigned, assigned);
  // A late copy of the first placement event changes nothing.
  Deliver(contract::kInternPlaced, placements[1]);

  AdvanceDays(1);
  ASSERT_TRUE(NewScheduler()->RunOnce().ok());
  EXPECT_EQ(Recipients(TakeInvitations()),
            (std::multiset<std::string>{"i0@people.example", "host-h1@people.example"}));
}

TEST_F(EvaluationTest, TheReportEqualsFiguresComputedByHandAndHidesSmallGroups) {
  // Six interns from the state sector and two from the private one with host h1 (municipal).
  auto state = PlaceInterns(6, v1::SECTOR_STATE, "h1", "s");
  AdvanceDays(1);
  ASSERT_TRUE(NewScheduler()->RunOnce().ok());
  auto invitations = TakeInvitations();
  ASSERT_EQ(invitations.size(), 12u);
  // The interns' answers: overall 5,4,4,3,5,2 (mean 23/6), recommend 5 of 6, contacts 1..6.
  const int overall[] = {5, 4, 4, 3, 5, 2};
  int intern = 0;
  int host = 0;
  for (const auto& invitation : invitations) {
    if (invitation.role() == v1::EVALUATION_ROLE_INTERN) {
      ASSERT_TRUE(
          Submit(TokenOf(invitation),
                 FirstAnswers(Role::kIntern, overall[intern], 3, 4,
                              intern < 4 ? v1::LENGTH_VERDICT_TOO_SHORT : v1::LENGTH_VERDICT_RIGHT,
                              intern != 5, intern + 1, "idea " + std::to_string(intern)))
              .ok());
      ++intern;
    } else if (host < 2) {  // two of the six host sides answer
      ASSERT_TRUE(Submit(TokenOf(invitation),
                         FirstAnswers(Role::kHost, 4, 4, 5, v1::LENGTH_VERDICT_RIGHT, true, 0))
                      .ok());
      ++host;
    }
  }

  // The scheduler's next pass sets the round's response rate.
  ASSERT_TRUE(NewScheduler()->RunOnce().ok());
  EXPECT_EQ(TenantGauge("ipraktik_evaluation_response_rate"), 8.0 / 12);

  v1::GetEvaluationReportRequest request;
  request.set_round_id("r-37");
  auto report = evaluator_->Report(tenant_, request);
  ASSERT_TRUE(report.ok()) << report.status();
  const auto& total = report->total();
  EXPECT_EQ(total.participants(), 12);
  EXPECT_EQ(total.answers(), 8);
  EXPECT_FALSE(total.hidden());
  EXPECT_DOUBLE_EQ(total.response_rate(), 8.0 / 12);
  // Interns of the state sector with a municipal host cross sectors; hosts with state interns too.
  EXPECT_EQ(total.cross_sector(), 12);
  EXPECT_DOUBLE_EQ(total.overall_value().mean(), (23.0 + 8) / 8);
  EXPECT_THAT(total.overall_value().distribution(), ElementsAre(0, 1, 1, 4, 2));
  EXPECT_DOUBLE_EQ(total.recommend_share(), 7.0 / 8);
  EXPECT_EQ(total.length_too_short(), 4);
  EXPECT_EQ(total.length_right(), 4);
  EXPECT_DOUBLE_EQ(total.mean_new_contacts(), 21.0 / 8);
  // Eight answers: the ideas show (text only).
  EXPECT_FALSE(total.ideas_hidden());
  EXPECT_EQ(total.ideas_size(), 6);
  // Rows: hosts (2 answers) are hidden, and so the interns' row is too, or the total minus it
  // would give the hosts' figures away.
  ASSERT_EQ(report->rows_size(), 2);
  for (const auto& row : report->rows()) {
    EXPECT_TRUE(row.hidden());
    EXPECT_EQ(row.overall_value().distribution_size(), 0);
  }

  // The interns alone (a filter) would show six answers, but the unfiltered total minus them
  // would give away the two hosts' answers: hidden too.
  request.set_role(v1::EVALUATION_ROLE_INTERN);
  auto interns = evaluator_->Report(tenant_, request);
  ASSERT_TRUE(interns.ok());
  EXPECT_EQ(interns->total().answers(), 6);
  EXPECT_TRUE(interns->total().hidden());
  EXPECT_EQ(interns->total().ideas_size(), 0);
  request.clear_role();

  // The CSV parses with Python's csv module into the same table.
  auto path = std::filesystem::temp_directory_path() / (tenant_ + ".csv");
  std::ofstream(path, std::ios::binary) << report->csv();
  std::string parsed = ipraktik::testing::RunCommand(
      "/usr/bin/python3 -c \"import csv,sys; rows=list(csv.DictReader(open(sys.argv[1], "
      "newline=''))); print(len(rows), rows[0]['role'], rows[0]['answers'], "
      "rows[0]['overall_value_mean'], rows[1]['hidden'], rows[1]['sector'], "
      "rows[0]['ideas'].count(chr(10)))\" " +
      path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(parsed, "3 total 8 3.875 true state 5\n");
}

TEST_F(EvaluationTest, ClosingARoundStopsRemindersAndAnswers) {
  auto invitations = InviteOnePlacement();
  ASSERT_EQ(invitations.size(), 2u);
  v1::CloseEvaluationRequest close;
  close.set_round_id("r-37");
  ASSERT_TRUE(evaluator_->Close(tenant_, close).ok());
  auto refused = Submit(TokenOf(invitations[0]), FirstAnswers(RoleOf(invitations[0]), 4, 4, 4,
                                                              v1::LENGTH_VERDICT_RIGHT, true, 1));
  ASSERT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  EXPECT_EQ(errors::PreconditionViolationsOf(refused.status())[0].type, "EVALUATION_CLOSED");
  AdvanceDays(5);
  ASSERT_TRUE(NewScheduler()->RunOnce().ok());
  EXPECT_TRUE(TakeInvitations().empty());
}

TEST_F(EvaluationTest, ErasureLeavesNoTokenNorAddressButTheTalliesStay) {
  ASSERT_TRUE(redis_->Command({"FLUSHALL"}).ok());
  auto invitations = InviteOnePlacement();
  ASSERT_EQ(invitations.size(), 2u);
  for (const auto& invitation : invitations) {
    ASSERT_TRUE(
        Submit(TokenOf(invitation), FirstAnswers(RoleOf(invitation), 4, 4, 4,
                                                 v1::LENGTH_VERDICT_RIGHT, true, 1, "an idea"))
            .ok());
  }
  for (const std::string id : {"i0", "host-h1"}) {
    v1::ParticipantErased erased;
    erased.set_participant_id(id);
    Deliver(contract::kParticipantErased, erased);
  }
  // Neither the tokens nor anything that names the people is left in the tenant's keys.
  for (const auto& invitation : invitations) {
    v1::LookupEvaluationRequest lookup;
    lookup.set_token(TokenOf(invitation));
    EXPECT_TRUE(absl::IsNotFound(evaluator_->Lookup(tenant_, lookup).status()));
  }
  // Every key of the Redis (this program's own: the earlier tests' keys were flushed).
  std::string everything;
  std::string cursor = "0";
  do {
    auto scan = redis_->Command({"SCAN", cursor});
    ASSERT_TRUE(scan.ok());
    cursor = scan->elements()[0].str();
    for (const auto& key : scan->elements()[1].elements()) {
      everything += key.str() + "\n" + Contents(key.str()) + "\n";
    }
  } while (cursor != "0");
  EXPECT_THAT(everything, Not(HasSubstr("people.example")));
  EXPECT_THAT(everything, Not(HasSubstr("Person i0")));
  // The answers still count.
  v1::GetEvaluationReportRequest request;
  auto report = evaluator_->Report(tenant_, request);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->total().answers(), 2);
  EXPECT_EQ(report->total().participants(), 2);
}

}  // namespace
}  // namespace ipraktik::evaluation
