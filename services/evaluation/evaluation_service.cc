#include "evaluation_service.h"

#include <utility>


namespace ipraktik::evaluation {

EvaluationServiceImpl::EvaluationServiceImpl(Evaluator& evaluator, server::Calls calls)
    : evaluator_(evaluator), calls_(std::move(calls)) {}

template <typename Request, typename Response>
EvaluationServiceImpl::Reactor* EvaluationServiceImpl::Serve(
    Context* context, const Request* request, Response* response,
    absl::StatusOr<Response> (Evaluator::*work)(const std::string&, const Request&)) {
  return calls_.Unary(context, request, response,
                      [this, work](const server::CallContext& call, const Request& r) {
                        return (evaluator_.*work)(call.tenant, r);
                      });
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::LookupEvaluation(
    Context* c, const v1::LookupEvaluationRequest* q, v1::LookupEvaluationResponse* r) {
  return Serve(c, q, r, &Evaluator::Lookup);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::SubmitEvaluation(
    Context* c, const v1::SubmitEvaluationRequest* q, v1::SubmitEvaluationResponse* r) {
  return Serve(c, q, r, &Evaluator::Submit);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::CloseEvaluation(
    Context* c, const v1::CloseEvaluationRequest* q, v1::CloseEvaluationResponse* r) {
  return Serve(c, q, r, &Evaluator::Close);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::GetEvaluationSettings(
    Context* c, const v1::GetEvaluationSettingsRequest* q, v1::GetEvaluationSettingsResponse* r) {
  return Serve(c, q, r, &Evaluator::GetSettings);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::UpdateEvaluationSettings(
    Context* c, const v1::UpdateEvaluationSettingsRequest* q,
    v1::UpdateEvaluationSettingsResponse* r) {
  return Serve(c, q, r, &Evaluator::UpdateSettings);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::GetEvaluationReport(
    Context* c, const v1::GetEvaluationReportRequest* q, v1::GetEvaluationReportResponse* r) {
  return Serve(c, q, r, &Evaluator::Report);
}

}  // namespace ipraktik::evaluation
