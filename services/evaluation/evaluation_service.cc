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
IPRAKTIK_EVALUATION_UNARY(CloseEvaluation, Close)
IPRAKTIK_EVALUATION_UNARY(GetEvaluationSettings, GetSettings)
IPRAKTIK_EVALUATION_UNARY(UpdateEvaluationSettings, UpdateSettings)
IPRAKTIK_EVALUATION_UNARY(GetEvaluationReport, Report)

#undef IPRAKTIK_EVALUATION_UNARY

}  // namespace ipraktik::evaluation
