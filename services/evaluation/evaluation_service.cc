#include "evaluation_service.h"

#include <utility>

namespace ipraktik::evaluation {

EvaluationServiceImpl::EvaluationServiceImpl(Evaluator& evaluator, server::Calls calls)
    : evaluator_(evaluator), calls_(std::move(calls)) {}

namespace {

// The evaluator acts for the caller's tenant.
const std::string& TenantOf(const server::CallContext& call) { return call.tenant; }

}  // namespace

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::LookupEvaluation(
    Context* c, const v1::LookupEvaluationRequest* q, v1::LookupEvaluationResponse* r) {
  return calls_.UnaryOn(c, q, r, evaluator_, &Evaluator::Lookup, TenantOf);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::SubmitEvaluation(
    Context* c, const v1::SubmitEvaluationRequest* q, v1::SubmitEvaluationResponse* r) {
  return calls_.UnaryOn(c, q, r, evaluator_, &Evaluator::Submit, TenantOf);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::CloseEvaluation(
    Context* c, const v1::CloseEvaluationRequest* q, v1::CloseEvaluationResponse* r) {
  return calls_.UnaryOn(c, q, r, evaluator_, &Evaluator::Close, TenantOf);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::GetEvaluationSettings(
    Context* c, const v1::GetEvaluationSettingsRequest* q, v1::GetEvaluationSettingsResponse* r) {
  return calls_.UnaryOn(c, q, r, evaluator_, &Evaluator::GetSettings, TenantOf);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::UpdateEvaluationSettings(
    Context* c, const v1::UpdateEvaluationSettingsRequest* q,
    v1::UpdateEvaluationSettingsResponse* r) {
  return calls_.UnaryOn(c, q, r, evaluator_, &Evaluator::UpdateSettings, TenantOf);
}

EvaluationServiceImpl::Reactor* EvaluationServiceImpl::GetEvaluationReport(
    Context* c, const v1::GetEvaluationReportRequest* q, v1::GetEvaluationReportResponse* r) {
  return calls_.UnaryOn(c, q, r, evaluator_, &Evaluator::Report, TenantOf);
}

}  // namespace ipraktik::evaluation
