#include "evaluation_service.h"

#include <utility>

#include "ipraktik/server/unary.h"

namespace ipraktik::evaluation {

EvaluationServiceImpl::EvaluationServiceImpl(Evaluator& evaluator, logging::Logger logger,
                                             server::DeadlinePolicy deadlines)
    : evaluator_(evaluator), logger_(std::move(logger)), deadlines_(deadlines) {}

template <typename Request, typename Response>
EvaluationServiceImpl::Reactor* EvaluationServiceImpl::Serve(
    Context* context, const char* method, const Request* request, Response* response,
    absl::StatusOr<Response> (Evaluator::*work)(const std::string&, const Request&)) {
  return server::ServeUnary(
      context, deadlines_, logger_, method, response,
      [&](const server::CallContext& call) { return (evaluator_.*work)(call.tenant, *request); });
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::LookupEvaluation(
    Context* c, const v1::LookupEvaluationRequest* q, v1::LookupEvaluationResponse* r) {
  return Serve(c, "LookupEvaluation", q, r, &Evaluator::Lookup);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::SubmitEvaluation(
    Context* c, const v1::SubmitEvaluationRequest* q, v1::SubmitEvaluationResponse* r) {
  return Serve(c, "SubmitEvaluation", q, r, &Evaluator::Submit);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::CloseEvaluation(
    Context* c, const v1::CloseEvaluationRequest* q, v1::CloseEvaluationResponse* r) {
  return Serve(c, "CloseEvaluation", q, r, &Evaluator::Close);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::GetEvaluationSettings(
    Context* c, const v1::GetEvaluationSettingsRequest* q, v1::GetEvaluationSettingsResponse* r) {
  return Serve(c, "GetEvaluationSettings", q, r, &Evaluator::GetSettings);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::UpdateEvaluationSettings(
    Context* c, const v1::UpdateEvaluationSettingsRequest* q,
    v1::UpdateEvaluationSettingsResponse* r) {
  return Serve(c, "UpdateEvaluationSettings", q, r, &Evaluator::UpdateSettings);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::GetEvaluationReport(
    Context* c, const v1::GetEvaluationReportRequest* q, v1::GetEvaluationReportResponse* r) {
  return Serve(c, "GetEvaluationReport", q, r, &Evaluator::Report);
}

}  // namespace ipraktik::evaluation
