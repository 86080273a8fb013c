#include "evaluation_service.h"

#include <utility>

namespace ipraktik::evaluation {

EvaluationServiceImpl::EvaluationServiceImpl(Evaluator& evaluator, server::Calls calls)
    : evaluator_(evaluator), calls_(std::move(calls)) {}

namespace {

// The evaluator acts for the caller's tenant.
const std::string& TenantOf(const server::CallContext& call) { return call.tenant; }

}  // namespace

// Each RPC is the Evaluator's method of the same meaning, for the caller's tenant.
#define IPRAKTIK_EVALUATION_UNARY(Rpc, Method)                                \
  EvaluationServiceImpl::Reactor* EvaluationServiceImpl::Rpc(                 \
      Context* c, const v1::Rpc##Request* q, v1::Rpc##Response* r) {          \
    return calls_.UnaryOn(c, q, r, evaluator_, &Evaluator::Method, TenantOf); \
  }

IPRAKTIK_EVALUATION_UNARY(LookupEvaluation, Lookup)
IPRAKTIK_EVALUATION_UNARY(SubmitEvaluation, Submit)
IPRAKTIK_EVALUATION_UNARY(SendEvaluationInvitations, SendInvitations)
IPRAKTIK_EVALUATION_UNARY(CloseEvaluation, Close)
IPRAKTIK_EVALUATION_UNARY(GetEvaluationSettings, GetSettings)
IPRAKTIK_EVALUATION_UNARY(UpdateEvaluationSettings, UpdateSettings)
IPRAKTIK_EVALUATION_UNARY(GetEvaluationReport, Report)
IPRAKTIK_EVALUATION_UNARY(GetTenantEvaluationSettings, GetTenantSettings)
IPRAKTIK_EVALUATION_UNARY(UpdateTenantEvaluationSettings, UpdateTenantSettings)

#undef IPRAKTIK_EVALUATION_UNARY

// Across tenants: the caller's tenant plays no part (who may call it is the RPC's declaration).
EvaluationServiceImpl::Reactor* EvaluationServiceImpl::GetNationalEvaluationReport(
    Context* c, const v1::GetNationalEvaluationReportRequest* q,
    v1::GetNationalEvaluationReportResponse* r) {
  return calls_.Unary(c, q, r, [this](const server::CallContext&, const auto& request) {
    return evaluator_.NationalReport(request);
  });
}

}  // namespace ipraktik::evaluation
