#include "grpc_backends.h"

#include <set>

#include "grpcpp/client_context.h"
#include "ipraktik/model_proto/model_proto.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/server/call_context.h"

namespace ipraktik::participant_web {
namespace {

// One token RPC as the pages make it: the link's tenant in x-ipraktik-tenant, a fresh
// correlation id and the deadline; on failure the service's status with its details.
template <typename Stub, typename Request, typename Response>
absl::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const std::string& tenant, std::chrono::milliseconds timeout,
                  const Request& request, Response& response) {
  grpc::ClientContext context;
  context.AddMetadata(server::kTenantHeader, tenant);
  context.AddMetadata(server::kCorrelationIdHeader, server::NewCorrelationId());
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  grpc::Status status = (stub.*method)(&context, request, &response);
  if (!status.ok()) return rpc_status::FromGrpcStatus(status);
  return absl::OkStatus();
}

std::optional<model::Date> DateOf(const v1::Date& date) {
  if (date.year() == 0) return std::nullopt;
  model::Date day = model::FromProto(date);
  if (!day.ok()) return std::nullopt;
  return day;
}

ApprovalState StateOf(v1::ApprovalState state) {
  switch (state) {
    case v1::APPROVAL_STATE_NOT_REQUIRED:
      return ApprovalState::kNotRequired;
    case v1::APPROVAL_STATE_APPROVED:
      return ApprovalState::kApproved;
    case v1::APPROVAL_STATE_REJECTED:
      return ApprovalState::kRejected;
    default:
      return ApprovalState::kPending;
  }
}

QuestionKind KindOf(v1::QuestionKind kind) {
  switch (kind) {
    case v1::QUESTION_KIND_LENGTH_VERDICT:
      return QuestionKind::kLengthVerdict;
    case v1::QUESTION_KIND_YES_NO:
      return QuestionKind::kYesNo;
    case v1::QUESTION_KIND_COUNT:
      return QuestionKind::kCount;
    case v1::QUESTION_KIND_LINE:
      return QuestionKind::kLine;
    case v1::QUESTION_KIND_TEXT:
      return QuestionKind::kText;
    default:
      return QuestionKind::kRating;
  }
}

PlacementPerson PersonOf(const v1::PersonCard& card) {
  return {.participant_id = card.participant_id(),
          .name = card.name(),
          .email = card.email(),
          .phone = card.phone(),
          .job_title = card.job_title(),
          .workplace_name = card.workplace_name()};
}

std::vector<model::Date> DaysOf(const google::protobuf::RepeatedPtrField<v1::Date>& days) {
  std::vector<model::Date> out;
  for (const v1::Date& day : days) {
    if (auto date = DateOf(day)) out.push_back(*date);
  }
  return out;
}

}  // namespace

GrpcApprovalBackend::GrpcApprovalBackend(const std::shared_ptr<grpc::Channel>& registration,
                                         std::chrono::milliseconds timeout)
    : stub_(v1::RegistrationService::NewStub(registration)), timeout_(timeout) {}

absl::StatusOr<ApprovalCase> GrpcApprovalBackend::Lookup(const std::string& tenant,
                                                         const std::string& token) {
  v1::LookupApprovalRequest request;
  request.set_approval_token(token);
  v1::LookupApprovalResponse response;
  if (absl::Status status = Call(*stub_, &v1::RegistrationService::Stub::LookupApproval, tenant,
                                 timeout_, request, response);
      !status.ok()) {
    return status;
  }
  const v1::Application& application = response.application();
  ApprovalCase approval;
  approval.intern_name = response.participant().name();
  approval.intern_job_title = response.participant().job_title();
  approval.manager_name = application.manager().name();
  approval.purpose = application.purpose();
  approval.programme_name = response.programme_name();
  approval.round_name = response.round().name();
  approval.window_start = DateOf(response.round().window_start());
  approval.window_end = DateOf(response.round().window_end());
  approval.respond_by = DateOf(response.respond_by());
  for (const v1::Date& day : application.available_days()) {
    if (auto date = DateOf(day)) approval.available_days.push_back(*date);
  }
  for (const v1::ApprovalWish& wish : response.wishes()) {
    approval.wishes.push_back({.rank = wish.rank(), .title = wish.title()});
  }
  approval.state = StateOf(application.approval_state());
  approval.comment = application.approval_comment();
  approval.language = model::FromProto(response.participant().language());
  return approval;
}

absl::StatusOr<ApprovalState> GrpcApprovalBackend::Decide(const std::string& tenant,
                                                          const std::string& token, bool approve,
                                                          const std::string& comment) {
  v1::DecideApprovalRequest request;
  request.set_approval_token(token);
  request.set_decision(approve ? v1::APPROVAL_STATE_APPROVED : v1::APPROVAL_STATE_REJECTED);
  request.set_comment(comment);
  v1::DecideApprovalResponse response;
  if (absl::Status status = Call(*stub_, &v1::RegistrationService::Stub::DecideApproval, tenant,
                                 timeout_, request, response);
      !status.ok()) {
    return status;
  }
  return StateOf(response.application().approval_state());
}

GrpcEvaluationBackend::GrpcEvaluationBackend(const std::shared_ptr<grpc::Channel>& evaluation,
                                             std::chrono::milliseconds timeout)
    : stub_(v1::EvaluationService::NewStub(evaluation)), timeout_(timeout) {}

absl::StatusOr<EvaluationCase> GrpcEvaluationBackend::Lookup(const std::string& tenant,
                                                             const std::string& token) {
  v1::LookupEvaluationRequest request;
  request.set_token(token);
  v1::LookupEvaluationResponse response;
  if (absl::Status status = Call(*stub_, &v1::EvaluationService::Stub::LookupEvaluation, tenant,
                                 timeout_, request, response);
      !status.ok()) {
    return status;
  }
  EvaluationCase evaluation;
  evaluation.round_name = response.round().name();
  evaluation.host_workplace_name = response.host_workplace_name();
  evaluation.host = response.role() == v1::EVALUATION_ROLE_HOST;
  evaluation.follow_up = response.wave() == v1::EVALUATION_WAVE_FOLLOW_UP;
  evaluation.first_day = DateOf(response.first_day());
  evaluation.last_day = DateOf(response.last_day());
  evaluation.language = model::FromProto(response.language());
  for (const v1::SurveyQuestion& question : response.questions()) {
    evaluation.questions.push_back({.field = question.field(),
                                    .kind = KindOf(question.kind()),
                                    .required = question.required(),
                                    .text = question.text()});
  }
  evaluation.answered = response.answered();
  evaluation.corrections_allowed = response.corrections_allowed();
  return evaluation;
}

v1::EvaluationAnswers ToProto(const SurveyAnswers& answers) {
  v1::EvaluationAnswers message;
  const auto* descriptor = message.GetDescriptor();
  const auto* reflection = message.GetReflection();
  for (const auto& [name, value] : answers) {
    const auto* field = descriptor->FindFieldByName(name);
    if (field == nullptr || field->is_repeated()) continue;
    using Type = google::protobuf::FieldDescriptor::CppType;
    if (const int* number = std::get_if<int>(&value);
        number && field->cpp_type() == Type::CPPTYPE_INT32) {
      reflection->SetInt32(&message, field, *number);
    } else if (const bool* yes = std::get_if<bool>(&value);
               yes && field->cpp_type() == Type::CPPTYPE_BOOL) {
      reflection->SetBool(&message, field, *yes);
    } else if (const LengthVerdict* verdict = std::get_if<LengthVerdict>(&value);
               verdict && field->cpp_type() == Type::CPPTYPE_ENUM) {
      v1::LengthVerdict proto = *verdict == LengthVerdict::kTooShort ? v1::LENGTH_VERDICT_TOO_SHORT
                                : *verdict == LengthVerdict::kRight  ? v1::LENGTH_VERDICT_RIGHT
                                                                     : v1::LENGTH_VERDICT_TOO_LONG;
      reflection->SetEnumValue(&message, field, proto);
    } else if (const std::string* text = std::get_if<std::string>(&value);
               text && field->cpp_type() == Type::CPPTYPE_STRING) {
      reflection->SetString(&message, field, *text);
    }
  }
  return message;
}

absl::StatusOr<bool> GrpcEvaluationBackend::Submit(const std::string& tenant,
                                                   const std::string& token,
                                                   const SurveyAnswers& answers) {
  v1::SubmitEvaluationRequest request;
  request.set_token(token);
  *request.mutable_answers() = ToProto(answers);
  v1::SubmitEvaluationResponse response;
  if (absl::Status status = Call(*stub_, &v1::EvaluationService::Stub::SubmitEvaluation, tenant,
                                 timeout_, request, response);
      !status.ok()) {
    return status;
  }
  return response.corrected();
}

GrpcPlacementBackend::GrpcPlacementBackend(const std::shared_ptr<grpc::Channel>& notification,
                                           std::chrono::milliseconds timeout)
    : stub_(v1::NotificationService::NewStub(notification)), timeout_(timeout) {}

absl::StatusOr<PlacementCase> GrpcPlacementBackend::Lookup(const std::string& tenant,
                                                           const std::string& token) {
  v1::LookupPlacementRequest request;
  request.set_placement_token(token);
  v1::LookupPlacementResponse response;
  if (absl::Status status = Call(*stub_, &v1::NotificationService::Stub::LookupPlacement, tenant,
                                 timeout_, request, response);
      !status.ok()) {
    return status;
  }
  PlacementCase placement;
  placement.host = response.role() == v1::PLACEMENT_ROLE_HOST;
  placement.round_name = response.round().name();
  placement.window_start = DateOf(response.round().window_start());
  placement.window_end = DateOf(response.round().window_end());
  const v1::HostOfferCard& offer = response.host_offer();
  placement.host_title = offer.title();
  placement.host_workplace_name = offer.workplace_name();
  placement.host_description = offer.description();
  placement.address = offer.address();
  placement.municipality = offer.municipality();
  placement.contact = PersonOf(offer.contact());
  placement.participant = PersonOf(response.participant());
  placement.days = DaysOf(response.days());
  placement.purpose = response.purpose();
  const std::set<std::string> declined(response.declined_participant_ids().begin(),
                                       response.declined_participant_ids().end());
  for (const v1::VisitingIntern& visitor : response.interns()) {
    placement.interns.push_back({.person = PersonOf(visitor.intern()),
                                 .purpose = visitor.purpose(),
                                 .days = DaysOf(visitor.days()),
                                 .declined = declined.contains(visitor.intern().participant_id())});
  }
  placement.guide = response.guide();
  for (const v1::CalendarAttachment& calendar : response.calendars()) {
    placement.calendars.push_back(
        {.file_name = calendar.file_name(), .content = calendar.content()});
  }
  placement.valid_until = DateOf(response.valid_until());
  placement.language = model::FromProto(response.language());
  return placement;
}

absl::StatusOr<bool> GrpcPlacementBackend::Decline(const std::string& tenant,
                                                   const std::string& token,
                                                   const std::string& participant_id,
                                                   const std::string& reason) {
  v1::DeclinePlacementRequest request;
  request.set_placement_token(token);
  request.set_participant_id(participant_id);
  request.set_reason(reason);
  v1::DeclinePlacementResponse response;
  if (absl::Status status = Call(*stub_, &v1::NotificationService::Stub::DeclinePlacement, tenant,
                                 timeout_, request, response);
      !status.ok()) {
    return status;
  }
  return response.already_declined();
}

absl::StatusOr<bool> GrpcPlacementBackend::Withdraw(const std::string& tenant,
                                                    const std::string& token,
                                                    const std::string& reason) {
  v1::WithdrawPlacementRequest request;
  request.set_placement_token(token);
  request.set_reason(reason);
  v1::WithdrawPlacementResponse response;
  if (absl::Status status = Call(*stub_, &v1::NotificationService::Stub::WithdrawPlacement, tenant,
                                 timeout_, request, response);
      !status.ok()) {
    return status;
  }
  return response.already_withdrawn();
}

}  // namespace ipraktik::participant_web
