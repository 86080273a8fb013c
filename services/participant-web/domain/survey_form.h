#pragma once

// The evaluation form's post read against the survey's questions: each answer in the type the
// API takes (a rating or count as a number, yes/no, a length verdict, text). A blank answer is
// left out (the evaluation service says whether it was required). A number that is not one gets
// the API's own message for the field; a choice the form never offered, or a field the survey
// does not have, makes the post malformed.

#include <map>
#include <string>

#include "domain/backends.h"
#include "domain/form.h"

namespace ipraktik::participant_web {

struct ParsedSurvey {
  SurveyAnswers answers;
  // API-style messages by question field ("must be 1 to 5"), for answers that are not numbers.
  std::map<std::string, std::string, std::less<>> errors;
  bool malformed = false;
};

// ignored: fields of the form that are no answers (the CSRF token).
ParsedSurvey ParseSurvey(const std::vector<SurveyQuestion>& questions, const Form& form,
                         std::string_view ignored);

// The form value of an answer, to show it again ("" when absent): "3", "yes", "too_short", text.
std::string FormValue(const AnswerValue& value);

}  // namespace ipraktik::participant_web
