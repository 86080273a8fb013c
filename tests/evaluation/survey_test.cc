#include "domain/survey.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ipraktik/errors/errors.h"

namespace ipraktik::evaluation {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

Answers CompleteInternAnswers() {
  return {.overall_value = 5,
          .relevance = 4,
          .host_preparation = 3,
          .length = LengthVerdict::kTooShort,
          .would_recommend = true,
          .new_contacts = 4,
          .idea = "Morgenmøder på ti minutter",
          .comment = "To dage var for kort.\nMen godt."};
}

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const auto& violation : errors::FieldViolationsOf(status)) fields.push_back(violation.field);
  return fields;
}

TEST(Survey, CompleteAnswersOfEachRoleAndWaveAreAccepted) {
  EXPECT_TRUE(ValidateAnswers(CompleteInternAnswers(), Role::kIntern, Wave::kFirst).ok());
  Answers host = CompleteInternAnswers();
  host.host_preparation.reset();
  host.intern_contribution = 5;
  EXPECT_TRUE(ValidateAnswers(host, Role::kHost, Wave::kFirst).ok());
  Answers follow_up{.used_learning = true, .kept_contact = false, .workplace_changed = true};
  EXPECT_TRUE(ValidateAnswers(follow_up, Role::kIntern, Wave::kFollowUp).ok());
}

TEST(Survey, EveryMissingRequiredAnswerIsNamed) {
  absl::Status status = ValidateAnswers({}, Role::kIntern, Wave::kFirst);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(status), UnorderedElementsAre("answers.overall_value", "answers.relevance",
                                                     "answers.host_preparation", "answers.length",
                                                     "answers.would_recommend"));
  EXPECT_THAT(FieldsOf(ValidateAnswers({}, Role::kHost, Wave::kFollowUp)),
              UnorderedElementsAre("answers.used_learning", "answers.kept_contact",
                                   "answers.workplace_changed"));
}

TEST(Survey, OutOfRangeValuesAndQuestionsOfTheOtherRoleOrWaveAreNamed) {
  Answers answers = CompleteInternAnswers();
  answers.overall_value = 0;
  answers.relevance = 6;
  answers.intern_contribution = 3;  // a host's question
  answers.new_contacts = -1;
  answers.used_learning = true;  // a follow-up question
  EXPECT_THAT(FieldsOf(ValidateAnswers(answers, Role::kIntern, Wave::kFirst)),
              UnorderedElementsAre("answers.overall_value", "answers.relevance",
                                   "answers.intern_contribution", "answers.new_contacts",
                                   "answers.used_learning"));
  Answers follow_up{.used_learning = true, .kept_contact = true, .workplace_changed = false};
  follow_up.idea = "an idea belongs to the first survey";
  EXPECT_THAT(FieldsOf(ValidateAnswers(follow_up, Role::kIntern, Wave::kFollowUp)),
              ElementsAre("answers.idea"));
}

TEST(Survey, TextMustBeCleanAndShortEnough) {
  Answers answers = CompleteInternAnswers();
  answers.idea = "two\nlines";
  answers.comment = std::string("bad \xff byte");
  EXPECT_THAT(FieldsOf(ValidateAnswers(answers, Role::kIntern, Wave::kFirst)),
              UnorderedElementsAre("answers.idea", "answers.comment"));
  answers.idea = std::string(kMaxIdeaCharacters, 'x');
  answers.comment = "";
  EXPECT_TRUE(ValidateAnswers(answers, Role::kIntern, Wave::kFirst).ok());
  // Characters, not bytes: 500 "æ" are 1000 bytes and still fit.
  answers.idea.clear();
  for (std::size_t i = 0; i < kMaxIdeaCharacters; ++i) answers.idea += "æ";
  EXPECT_TRUE(ValidateAnswers(answers, Role::kIntern, Wave::kFirst).ok());
  answers.idea += "æ";
  EXPECT_THAT(FieldsOf(ValidateAnswers(answers, Role::kIntern, Wave::kFirst)),
              ElementsAre("answers.idea"));
}

TEST(Survey, QuestionsDependOnRoleAndWaveAndEndWithTheComment) {
  auto fields = [](Role role, Wave wave) {
    std::vector<std::string_view> out;
    for (const Question& question : QuestionsFor(role, wave)) {
      EXPECT_FALSE(question.danish.empty());
      EXPECT_FALSE(question.english.empty());
      out.push_back(question.field);
    }
    return out;
  };
  EXPECT_THAT(fields(Role::kIntern, Wave::kFirst),
              ElementsAre("overall_value", "relevance", "host_preparation", "length",
                          "would_recommend", "new_contacts", "idea", "comment"));
  EXPECT_THAT(fields(Role::kHost, Wave::kFirst),
              ElementsAre("overall_value", "relevance", "intern_contribution", "length",
                          "would_recommend", "new_contacts", "idea", "comment"));
  EXPECT_THAT(fields(Role::kHost, Wave::kFollowUp),
              ElementsAre("used_learning", "kept_contact", "workplace_changed", "comment"));
}

}  // namespace
}  // namespace ipraktik::evaluation
