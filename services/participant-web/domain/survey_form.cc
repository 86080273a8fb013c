#include "domain/survey_form.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace ipraktik::participant_web {
namespace {

constexpr char kRatingRule[] = "must be 1 to 5";
constexpr char kCountRule[] = "must be 0 to 100";

}  // namespace

ParsedSurvey ParseSurvey(const std::vector<SurveyQuestion>& questions, const Form& form,
                         std::string_view ignored) {
  ParsedSurvey parsed;
  for (const auto& [name, value] : form.fields()) {
    if (name == ignored) continue;
    bool asked = false;
    for (const SurveyQuestion& question : questions) asked = asked || question.field == name;
    if (!asked) parsed.malformed = true;
  }
  for (const SurveyQuestion& question : questions) {
    const std::string raw = form.Value(question.field);
    const std::string trimmed(absl::StripAsciiWhitespace(raw));
    if (trimmed.empty()) continue;
    switch (question.kind) {
      case QuestionKind::kRating:
      case QuestionKind::kCount: {
        int number = 0;
        if (absl::SimpleAtoi(trimmed, &number)) {
          parsed.answers[question.field] = number;
        } else {
          parsed.errors[question.field] =
              question.kind == QuestionKind::kRating ? kRatingRule : kCountRule;
        }
        break;
      }
      case QuestionKind::kYesNo:
        if (trimmed == "yes" || trimmed == "no") {
          parsed.answers[question.field] = trimmed == "yes";
        } else {
          parsed.malformed = true;
        }
        break;
      case QuestionKind::kLengthVerdict:
        if (trimmed == "too_short") {
          parsed.answers[question.field] = LengthVerdict::kTooShort;
        } else if (trimmed == "right") {
          parsed.answers[question.field] = LengthVerdict::kRight;
        } else if (trimmed == "too_long") {
          parsed.answers[question.field] = LengthVerdict::kTooLong;
        } else {
          parsed.malformed = true;
        }
        break;
      case QuestionKind::kLine:
      case QuestionKind::kText:
        parsed.answers[question.field] = raw;
        break;
    }
  }
  return parsed;
}

std::string FormValue(const AnswerValue& value) {
  if (const int* number = std::get_if<int>(&value)) return std::to_string(*number);
  if (const bool* yes = std::get_if<bool>(&value)) return *yes ? "yes" : "no";
  if (const LengthVerdict* verdict = std::get_if<LengthVerdict>(&value)) {
    switch (*verdict) {
      case LengthVerdict::kTooShort:
        return "too_short";
      case LengthVerdict::kRight:
        return "right";
      case LengthVerdict::kTooLong:
        return "too_long";
    }
  }
  return std::get<std::string>(value);
}

}  // namespace ipraktik::participant_web
