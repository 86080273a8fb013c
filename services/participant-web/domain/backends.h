#pragma once

// The services behind the pages, as the pages see them: what a personal link is about and what
// the person decides or answers, in plain values. grpc_backends.h implements them with the
// registration and evaluation services' token RPCs (LookupApproval, DecideApproval,
// LookupEvaluation, SubmitEvaluation); tests give the pages fakes. A failure is the service's
// own status (with its details: field violations, precondition types), which the pages show.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "ipraktik/model/date.h"
#include "ipraktik/model/language.h"

namespace ipraktik::participant_web {

// ---- Manager approval (an "ipa_" link) ----

enum class ApprovalState { kNotRequired, kPending, kApproved, kRejected };

struct ApprovalWish {
  int rank = 0;
  std::string title;  // "" for a wish by criteria
};

// What a manager is asked to approve.
struct ApprovalCase {
  std::string intern_name;
  std::string intern_job_title;
  std::string manager_name;
  std::string purpose;
  std::string programme_name;
  std::string round_name;
  std::optional<model::Date> window_start;
  std::optional<model::Date> window_end;
  std::optional<model::Date> respond_by;  // the link's last day
  std::vector<model::Date> available_days;
  std::vector<ApprovalWish> wishes;
  ApprovalState state = ApprovalState::kPending;
  std::string comment;                                  // with the current decision
  model::Language language = model::Language::kDanish;  // the intern's
};

class ApprovalBackend {
 public:
  virtual ~ApprovalBackend() = default;
  virtual absl::StatusOr<ApprovalCase> Lookup(const std::string& tenant,
                                              const std::string& token) = 0;
  // The state after the decision.
  virtual absl::StatusOr<ApprovalState> Decide(const std::string& tenant, const std::string& token,
                                               bool approve, const std::string& comment) = 0;
};

// ---- Evaluation (an "ipe_" link) ----

enum class QuestionKind { kRating, kLengthVerdict, kYesNo, kCount, kLine, kText };

struct SurveyQuestion {
  std::string field;  // the API's answer field, e.g. "overall_value"
  QuestionKind kind = QuestionKind::kRating;
  bool required = false;
  std::string text;  // in the participant's language
};

struct EvaluationCase {
  std::string round_name;
  std::string host_workplace_name;
  bool host = false;       // the host's side (else the intern's)
  bool follow_up = false;  // the survey months later (else the first)
  std::optional<model::Date> first_day;
  std::optional<model::Date> last_day;
  model::Language language = model::Language::kDanish;
  std::vector<SurveyQuestion> questions;
  bool answered = false;
  bool corrections_allowed = false;
};

enum class LengthVerdict { kTooShort, kRight, kTooLong };
// One answer as the API takes it: a number (rating, count), yes/no, a length verdict or text.
using AnswerValue = std::variant<int, bool, LengthVerdict, std::string>;
// By the question's field; a question left blank is absent.
using SurveyAnswers = std::map<std::string, AnswerValue, std::less<>>;

class EvaluationBackend {
 public:
  virtual ~EvaluationBackend() = default;
  virtual absl::StatusOr<EvaluationCase> Lookup(const std::string& tenant,
                                                const std::string& token) = 0;
  // true when the answers replaced earlier ones.
  virtual absl::StatusOr<bool> Submit(const std::string& tenant, const std::string& token,
                                      const SurveyAnswers& answers) = 0;
};

}  // namespace ipraktik::participant_web
