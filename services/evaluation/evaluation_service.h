#pragma once

// The gRPC face of the evaluation service (ipraktik.v1.EvaluationService): each method reads the
// caller's tenant and deadline (the server's call shell) and hands the request to the Evaluator,
// on a handler thread; nothing else happens here.

#include "evaluator.h"
#include "ipraktik/server/calls.h"
#include "ipraktik/v1/evaluation.grpc.pb.h"

namespace ipraktik::evaluation {

class EvaluationServiceImpl final : public v1::EvaluationService::CallbackService {
 public:
  // evaluator must outlive the service.
  EvaluationServiceImpl(Evaluator& evaluator, server::Calls calls);

  // The generated base also declares each method's synchronous form; without these, overriding
  // the callback forms would hide them (-Woverloaded-virtual).
  using Base = v1::EvaluationService::CallbackService;
  using Base::CloseEvaluation;
  using Base::GetEvaluationReport;
  using Base::GetEvaluationSettings;
  using Base::GetNationalEvaluationReport;
  using Base::GetTenantEvaluationSettings;
  using Base::LookupEvaluation;
  using Base::SendEvaluationInvitations;
  using Base::SubmitEvaluation;
  using Base::UpdateEvaluationSettings;
  using Base::UpdateTenantEvaluationSettings;

  using Context = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;

  Reactor* LookupEvaluation(Context* c, const v1::LookupEvaluationRequest* q,
                            v1::LookupEvaluationResponse* r) override;
  Reactor* SubmitEvaluation(Context* c, const v1::SubmitEvaluationRequest* q,
                            v1::SubmitEvaluationResponse* r) override;
  Reactor* SendEvaluationInvitations(Context* c, const v1::SendEvaluationInvitationsRequest* q,
                                     v1::SendEvaluationInvitationsResponse* r) override;
  Reactor* CloseEvaluation(Context* c, const v1::CloseEvaluationRequest* q,
                           v1::CloseEvaluationResponse* r) override;
  Reactor* GetEvaluationSettings(Context* c, const v1::GetEvaluationSettingsRequest* q,
                                 v1::GetEvaluationSettingsResponse* r) override;
  Reactor* UpdateEvaluationSettings(Context* c, const v1::UpdateEvaluationSettingsRequest* q,
                                    v1::UpdateEvaluationSettingsResponse* r) override;
  Reactor* GetEvaluationReport(Context* c, const v1::GetEvaluationReportRequest* q,
                               v1::GetEvaluationReportResponse* r) override;
  Reactor* GetTenantEvaluationSettings(Context* c, const v1::GetTenantEvaluationSettingsRequest* q,
                                       v1::GetTenantEvaluationSettingsResponse* r) override;
  Reactor* UpdateTenantEvaluationSettings(Context* c,
                                          const v1::UpdateTenantEvaluationSettingsRequest* q,
                                          v1::UpdateTenantEvaluationSettingsResponse* r) override;
  Reactor* GetNationalEvaluationReport(Context* c, const v1::GetNationalEvaluationReportRequest* q,
                                       v1::GetNationalEvaluationReportResponse* r) override;

 private:
  Evaluator& evaluator_;
  server::Calls calls_;
};

}  // namespace ipraktik::evaluation
