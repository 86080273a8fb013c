#pragma once

// The services behind the pages, as the pages see them: what a personal link is about and what
// the person decides or answers, in plain values. grpc_backends.h implements them with the
// registration, evaluation and notification services' token RPCs (LookupApproval, DecideApproval,
// LookupEvaluation, SubmitEvaluation, LookupPlacement, DeclinePlacement, WithdrawPlacement); tests
// give the pages fakes. A failure is the service's
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

// ---- My placement (an "ipp_" link of a placement e-mail) ----

// A person as the placement e-mails show them.
struct PlacementPerson {
  std::string participant_id{};
  std::string name{};
  std::string email{};
  std::string phone{};
  std::string job_title{};
  std::string workplace_name{};
};

// An intern coming to the host (the host's link).
struct PlacementIntern {
  PlacementPerson person{};
  std::string purpose{};
  std::vector<model::Date> days{};
  // Declined through this link; the re-match has not placed them elsewhere yet.
  bool declined = false;
};

// A calendar file of the e-mail (text/calendar).
struct PlacementCalendar {
  std::string file_name{};
  std::string content{};
};

struct PlacementCase {
  bool host = false;  // the host contact's link (else the intern's)
  std::string round_name{};
  std::optional<model::Date> window_start{};
  std::optional<model::Date> window_end{};
  // The host offer.
  std::string host_title{};
  std::string host_workplace_name{};
  std::string host_description{};
  std::string address{};
  std::string municipality{};
  PlacementPerson contact{};
  // The person the link is for (the intern, or the host's contact).
  PlacementPerson participant{};
  // The intern's days (intern), or every day an intern comes (host); sorted.
  std::vector<model::Date> days{};
  std::string purpose{};                   // the intern's (intern)
  std::vector<PlacementIntern> interns{};  // (host)
  std::string guide{};                     // plain text in the person's language
  std::vector<PlacementCalendar> calendars{};
  std::optional<model::Date> valid_until{};
  model::Language language = model::Language::kDanish;
};

class PlacementBackend {
 public:
  virtual ~PlacementBackend() = default;
  virtual absl::StatusOr<PlacementCase> Lookup(const std::string& tenant,
                                               const std::string& token) = 0;
  // The host declines one of its interns (reason: for the coordinators); true when the link had
  // declined this intern already (nothing new recorded).
  virtual absl::StatusOr<bool> Decline(const std::string& tenant, const std::string& token,
                                       const std::string& participant_id,
                                       const std::string& reason) = 0;
  // The intern withdraws (reason optional); true when the link had withdrawn already.
  virtual absl::StatusOr<bool> Withdraw(const std::string& tenant, const std::string& token,
                                        const std::string& reason) = 0;
};

}  // namespace ipraktik::participant_web
