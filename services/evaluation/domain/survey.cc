#include "domain/survey.h"

#include "absl/strings/str_cat.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/text/text.h"

namespace ipraktik::evaluation {
namespace {

constexpr std::string_view kOverallValue = "overall_value";
constexpr std::string_view kRelevance = "relevance";
constexpr std::string_view kHostPreparation = "host_preparation";
constexpr std::string_view kInternContribution = "intern_contribution";
constexpr std::string_view kLength = "length";
constexpr std::string_view kWouldRecommend = "would_recommend";
constexpr std::string_view kNewContacts = "new_contacts";
constexpr std::string_view kIdea = "idea";
constexpr std::string_view kUsedLearning = "used_learning";
constexpr std::string_view kKeptContact = "kept_contact";
constexpr std::string_view kWorkplaceChanged = "workplace_changed";
constexpr std::string_view kComment = "comment";

// Every question of both waves and roles; QuestionsFor picks the ones that apply.
struct QuestionEntry {
  Question question;
  std::optional<Role> only_for;
  Wave wave;
};

const std::vector<QuestionEntry>& AllQuestions() {
  static const std::vector<QuestionEntry> kQuestions = {
      {{kOverallValue, QuestionKind::kRating, true,
        "Hvor værdifuld var praktikken for dig samlet set?",
        "How valuable was the internship to you overall?"},
       std::nullopt,
       Wave::kFirst},
      {{kRelevance, QuestionKind::kRating, true, "Hvor relevant var den for dit eget arbejde?",
        "How relevant was it to your own work?"},
       std::nullopt,
       Wave::kFirst},
      {{kHostPreparation, QuestionKind::kRating, true,
        "Hvor godt havde værten forberedt dit besøg?",
        "How well had the host prepared your visit?"},
       Role::kIntern,
       Wave::kFirst},
      {{kInternContribution, QuestionKind::kRating, true,
        "Hvor meget bidrog praktikanten med nye blikke på jeres arbejde?",
        "How much did the intern contribute new eyes on your work?"},
       Role::kHost,
       Wave::kFirst},
      {{kLength, QuestionKind::kLengthVerdict, true,
        "Var praktikkens længde for kort, passende eller for lang?",
        "Was the internship too short, about right or too long?"},
       std::nullopt,
       Wave::kFirst},
      {{kWouldRecommend, QuestionKind::kYesNo, true,
        "Vil du anbefale innovationspraktik til andre?",
        "Would you recommend an innovation internship to others?"},
       std::nullopt,
       Wave::kFirst},
      {{kNewContacts, QuestionKind::kCount, false, "Hvor mange nye kontakter fik du?",
        "How many new contacts did you make?"},
       std::nullopt,
       Wave::kFirst},
      {{kIdea, QuestionKind::kLine, false, "Én idé, du tager med hjem:", "One idea you take home:"},
       std::nullopt,
       Wave::kFirst},
      {{kUsedLearning, QuestionKind::kYesNo, true, "Har du brugt det, du lærte?",
        "Have you used what you learned?"},
       std::nullopt,
       Wave::kFollowUp},
      {{kKeptContact, QuestionKind::kYesNo, true, "Har du holdt kontakten med den anden part?",
        "Have you kept in touch with the other side?"},
       std::nullopt,
       Wave::kFollowUp},
      {{kWorkplaceChanged, QuestionKind::kYesNo, true,
        "Har praktikken ført til en ændring på din arbejdsplads?",
        "Has the internship led to a change at your workplace?"},
       std::nullopt,
       Wave::kFollowUp},
  };
  return kQuestions;
}

std::string Field(std::string_view name) { return "answers." + std::string(name); }

// Checks one question's answer: present when asked and required, absent when not asked.
template <typename T>
void CheckPresence(errors::Violations& violations, std::string_view name,
                   const std::optional<T>& value, bool asked, bool required) {
  if (asked && required && !value.has_value()) {
    violations.Add(Field(name), "is required");
  } else if (!asked && value.has_value()) {
    violations.Add(Field(name), "is not asked in this survey");
  }
}

void CheckRating(errors::Violations& violations, std::string_view name,
                 const std::optional<int>& value) {
  if (value.has_value() && (*value < kMinRating || *value > kMaxRating)) {
    violations.Add(Field(name), absl::StrCat("must be ", kMinRating, " to ", kMaxRating));
  }
}

void CheckText(errors::Violations& violations, std::string_view name, std::string_view value,
               std::size_t max_characters, bool multiline) {
  if (!text::IsCleanText(value, multiline)) {
    violations.Add(Field(name), multiline ? "must be valid UTF-8 without control or bidirectional "
                                            "characters"
                                          : "must be one line of valid UTF-8 text without control, "
                                            "bidirectional or zero-width characters");
  } else if (text::CharacterCount(value) > max_characters) {
    violations.Add(Field(name), absl::StrCat("is longer than ", max_characters, " characters"));
  }
}

bool Asked(std::string_view name, Role role, Wave wave) {
  for (const Question& question : QuestionsFor(role, wave)) {
    if (question.field == name) return true;
  }
  return false;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kIntern:
      return "intern";
    case Role::kHost:
      return "host";
    case Role::kUnspecified:
      break;
  }
  return "unspecified";
}

std::string_view WaveName(Wave wave) { return wave == Wave::kFirst ? "first" : "follow_up"; }

std::vector<Question> QuestionsFor(Role role, Wave wave) {
  std::vector<Question> questions;
  for (const QuestionEntry& entry : AllQuestions()) {
    if (entry.wave != wave || (entry.only_for.has_value() && *entry.only_for != role)) continue;
    questions.push_back(entry.question);
  }
  questions.push_back({kComment, QuestionKind::kText, false, "Har du andre kommentarer?",
                       "Anything else you would like to tell us?"});
  return questions;
}

absl::Status ValidateAnswers(const Answers& answers, Role role, Wave wave) {
  errors::Violations violations;
  auto presence = [&](std::string_view name, const auto& value) {
    bool asked = Asked(name, role, wave);
    bool required = false;
    for (const QuestionEntry& entry : AllQuestions()) {
      if (entry.question.field == name) required = entry.question.required;
    }
    CheckPresence(violations, name, value, asked, required);
  };
  presence(kOverallValue, answers.overall_value);
  presence(kRelevance, answers.relevance);
  presence(kHostPreparation, answers.host_preparation);
  presence(kInternContribution, answers.intern_contribution);
  presence(kLength, answers.length);
  presence(kWouldRecommend, answers.would_recommend);
  presence(kNewContacts, answers.new_contacts);
  presence(kUsedLearning, answers.used_learning);
  presence(kKeptContact, answers.kept_contact);
  presence(kWorkplaceChanged, answers.workplace_changed);

  CheckRating(violations, kOverallValue, answers.overall_value);
  CheckRating(violations, kRelevance, answers.relevance);
  CheckRating(violations, kHostPreparation, answers.host_preparation);
  CheckRating(violations, kInternContribution, answers.intern_contribution);
  if (answers.new_contacts.has_value() &&
      (*answers.new_contacts < 0 || *answers.new_contacts > kMaxNewContacts)) {
    violations.Add(Field(kNewContacts), absl::StrCat("must be 0 to ", kMaxNewContacts));
  }
  if (!answers.idea.empty() && !Asked(kIdea, role, wave)) {
    violations.Add(Field(kIdea), "is not asked in this survey");
  }
  CheckText(violations, kIdea, answers.idea, kMaxIdeaCharacters, /*multiline=*/false);
  CheckText(violations, kComment, answers.comment, kMaxCommentCharacters, /*multiline=*/true);
  return violations.ToStatus("the answers are not complete or not valid");
}

}  // namespace ipraktik::evaluation
