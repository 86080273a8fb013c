#pragma once

// The evaluation survey, /evaluation/<tenant>/<ipe_ token> (the link of the evaluation
// service's invitation e-mails): the questions of the person's role and survey in their
// language, validated by the evaluation service (its messages next to the fields), a thank-you
// page, and the "already answered" page (unless the programme allows corrections, when the form
// says the answers will replace the earlier ones).

#include <map>
#include <string>

#include "domain/backends.h"
#include "domain/site.h"

namespace ipraktik::participant_web {

class EvaluationPage : public Page {
 public:
  EvaluationPage(PageTools tools, EvaluationBackend& backend) : tools_(tools), backend_(backend) {}

  std::string_view TokenKind() const override { return "ipe"; }
  Response Get(const PageRequest& request) override;
  Response Post(const PageRequest& request, const Form& form) override;

 private:
  PageTools tools_;
  EvaluationBackend& backend_;
};

// The survey form's model: the questions with their inputs, the answers posted (shown again
// after a refusal) and the messages by question field (already in the person's words).
PageData EvaluationData(const EvaluationCase& evaluation, const Views& views,
                        const std::string& action, const std::string& csrf,
                        const Form* posted = nullptr,
                        const std::map<std::string, std::string, std::less<>>& errors = {});

// The thank-you and the "already answered" pages' model.
PageData EvaluationDoneData(const EvaluationCase& evaluation, const Views& views, bool corrected);
PageData EvaluationAnsweredData(const EvaluationCase& evaluation, const Views& views);

}  // namespace ipraktik::participant_web
