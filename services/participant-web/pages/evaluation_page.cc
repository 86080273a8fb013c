#include "pages/evaluation_page.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "domain/field_messages.h"
#include "domain/page_text.h"
#include "domain/survey_form.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/model/date_text.h"

namespace ipraktik::participant_web {
namespace {

struct Choice {
  const char* value;
  const char* word;  // the wording's key
};

std::vector<Choice> ChoicesOf(QuestionKind kind) {
  switch (kind) {
    case QuestionKind::kRating:
      return {{"1", "rating_1"},
              {"2", "rating_2"},
              {"3", "rating_3"},
              {"4", "rating_4"},
              {"5", "rating_5"}};
    case QuestionKind::kYesNo:
      return {{"yes", "answer_yes"}, {"no", "answer_no"}};
    case QuestionKind::kLengthVerdict:
      return {{"too_short", "length_too_short"},
              {"right", "length_right"},
              {"too_long", "length_too_long"}};
    default:
      return {};
  }
}

// What every page of the survey says about the internship.
PageData CaseData(const EvaluationCase& evaluation, const Views& views) {
  const model::Language language = evaluation.language;
  PageData data{PageData::type::object};
  data.set("round_name", evaluation.round_name);
  data.set("host_workplace_name", evaluation.host_workplace_name);
  data.set("has_host_workplace", !evaluation.host_workplace_name.empty());
  SetText(data, "period",
          PeriodText(evaluation.first_day, evaluation.last_day, evaluation.language));
  data.set("intro", views.Word(language, evaluation.host ? "evaluation_intro_host"
                                                         : "evaluation_intro_intern"));
  data.set("follow_up", evaluation.follow_up);
  return data;
}

}  // namespace

PageData EvaluationData(const EvaluationCase& evaluation, const Views& views,
                        const std::string& action, const std::string& csrf, const Form* posted,
                        const std::map<std::string, std::string, std::less<>>& errors) {
  const model::Language language = evaluation.language;
  PageData data = CaseData(evaluation, views);
  data.set("title", views.Word(language, "evaluation_title"));
  data.set("action", action);
  data.set("csrf", csrf);
  data.set("correcting", evaluation.answered && evaluation.corrections_allowed);
  PageData questions{PageData::type::list};
  PageData summary{PageData::type::list};
  int number = 0;
  for (const SurveyQuestion& question : evaluation.questions) {
    ++number;
    const std::string value = posted != nullptr ? posted->Value(question.field) : "";
    const std::string id = absl::StrCat("q-", question.field);
    PageData item{PageData::type::object};
    item.set("field", question.field);
    item.set("id", id);
    item.set("number", std::to_string(number));
    item.set("text", question.text);
    item.set("required", question.required);
    item.set("value", value);
    item.set("choice", question.kind == QuestionKind::kRating ||
                           question.kind == QuestionKind::kYesNo ||
                           question.kind == QuestionKind::kLengthVerdict);
    item.set("count", question.kind == QuestionKind::kCount);
    item.set("line", question.kind == QuestionKind::kLine);
    item.set("long_text", question.kind == QuestionKind::kText);
    item.set("rating", question.kind == QuestionKind::kRating);
    PageData options{PageData::type::list};
    int index = 0;
    for (const Choice& choice : ChoicesOf(question.kind)) {
      PageData option{PageData::type::object};
      option.set("id", absl::StrCat(id, "-", ++index));
      option.set("value", choice.value);
      option.set("label", views.Word(language, choice.word));
      option.set("checked", value == choice.value);
      options.push_back(option);
    }
    item.set("options", options);
    auto error = errors.find(question.field);
    const bool has_error = error != errors.end();
    item.set("has_error", has_error);
    item.set("error", has_error ? error->second : "");
    // The first input of a choice carries the id the summary links to.
    item.set("first_id", absl::StrCat(id, index > 0 ? "-1" : ""));
    if (has_error) {
      PageData entry{PageData::type::object};
      entry.set("target", absl::StrCat(id, index > 0 ? "-1" : ""));
      entry.set("number", std::to_string(number));
      entry.set("error", error->second);
      summary.push_back(entry);
    }
    questions.push_back(item);
  }
  data.set("questions", questions);
  data.set("errors", summary);
  data.set("has_errors", !errors.empty());
  data.set("error_count", std::to_string(errors.size()));
  return data;
}

PageData EvaluationDoneData(const EvaluationCase& evaluation, const Views& views, bool corrected) {
  PageData data = CaseData(evaluation, views);
  data.set("title", views.Word(evaluation.language, "evaluation_done_title"));
  data.set("corrected", corrected);
  return data;
}

PageData EvaluationAnsweredData(const EvaluationCase& evaluation, const Views& views) {
  PageData data = CaseData(evaluation, views);
  data.set("title", views.Word(evaluation.language, "evaluation_answered_title"));
  return data;
}

Response EvaluationPage::Get(const PageRequest& request) {
  auto evaluation = backend_.Lookup(request.tenant, request.token);
  if (!evaluation.ok()) {
    return tools_.Problem(ProblemOf(evaluation.status()), request.browser_language);
  }
  if (evaluation->answered && !evaluation->corrections_allowed) {
    return tools_.Render("evaluation_answered", evaluation->language,
                         EvaluationAnsweredData(*evaluation, tools_.views));
  }
  return tools_.Render("evaluation", evaluation->language,
                       EvaluationData(*evaluation, tools_.views, request.http.path,
                                      tools_.CsrfFor("evaluation", request)));
}

Response EvaluationPage::Post(const PageRequest& request, const Form& form) {
  auto evaluation = backend_.Lookup(request.tenant, request.token);
  if (!evaluation.ok()) {
    return tools_.Problem(ProblemOf(evaluation.status()), request.browser_language);
  }
  const model::Language language = evaluation->language;
  if (evaluation->answered && !evaluation->corrections_allowed) {
    return tools_.Render("evaluation_answered", language,
                         EvaluationAnsweredData(*evaluation, tools_.views), 409);
  }
  ParsedSurvey parsed = ParseSurvey(evaluation->questions, form, kCsrfField);
  if (parsed.malformed) return tools_.Problem(Problem::kMalformed, language);
  std::map<std::string, std::string, std::less<>> messages;
  for (const auto& [field, rule] : parsed.errors) messages[field] = FieldMessage(rule, language);
  if (messages.empty()) {
    auto submitted = backend_.Submit(request.tenant, request.token, parsed.answers);
    if (submitted.ok()) {
      return tools_.Render("evaluation_done", language,
                           EvaluationDoneData(*evaluation, tools_.views, *submitted));
    }
    if (ProblemOf(submitted.status()) == Problem::kAlreadyAnswered) {
      return tools_.Render("evaluation_answered", language,
                           EvaluationAnsweredData(*evaluation, tools_.views), 409);
    }
    for (const errors::FieldViolation& violation : errors::FieldViolationsOf(submitted.status())) {
      constexpr std::string_view kAnswers = "answers.";
      if (violation.field.starts_with(kAnswers)) {
        messages[violation.field.substr(kAnswers.size())] =
            FieldMessage(violation.description, language);
      }
    }
    if (messages.empty()) return tools_.Problem(ProblemOf(submitted.status()), language);
  }
  return tools_.Render("evaluation", language,
                       EvaluationData(*evaluation, tools_.views, request.http.path,
                                      tools_.CsrfFor("evaluation", request), &form, messages),
                       422);
}

}  // namespace ipraktik::participant_web
