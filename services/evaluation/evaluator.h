#pragma once

// The evaluation API's work, apart from gRPC: a participant's token resolved to their
// participation, the answers validated by the domain and added to their cell's tally, reports
// built from the cells by the domain (anonymity applied there), settings and closing. Each call
// acts in one tenant (the caller's).

#include <string>

#include "absl/status/statusor.h"
#include "evaluation_metrics.h"
#include "evaluation_store.h"
#include "ipraktik/v1/evaluation.pb.h"
#include "scheduler.h"

namespace ipraktik::evaluation {

// The report as CSV: a header line, the total, then one line per row (RFC 4180 quoting).
std::string ReportCsv(const v1::GetEvaluationReportResponse& report);
// The domain's report as the API's, with its CSV.
v1::GetEvaluationReportResponse ReportResponse(const Report& report);

class Evaluator {
 public:
  // scheduler sends a coordinator's invitations (the same steps it schedules).
  Evaluator(EvaluationStore& store, Scheduler& scheduler, std::string token_secret,
            EvaluationMetrics& metrics);

  absl::StatusOr<v1::LookupEvaluationResponse> Lookup(const std::string& tenant,
                                                      const v1::LookupEvaluationRequest& request);
  absl::StatusOr<v1::SubmitEvaluationResponse> Submit(const std::string& tenant,
                                                      const v1::SubmitEvaluationRequest& request);
  absl::StatusOr<v1::SendEvaluationInvitationsResponse> SendInvitations(
      const std::string& tenant, const v1::SendEvaluationInvitationsRequest& request);
  absl::StatusOr<v1::CloseEvaluationResponse> Close(const std::string& tenant,
                                                    const v1::CloseEvaluationRequest& request);
  absl::StatusOr<v1::GetEvaluationSettingsResponse> GetSettings(
      const std::string& tenant, const v1::GetEvaluationSettingsRequest& request);
  absl::StatusOr<v1::UpdateEvaluationSettingsResponse> UpdateSettings(
      const std::string& tenant, const v1::UpdateEvaluationSettingsRequest& request);
  absl::StatusOr<v1::GetTenantEvaluationSettingsResponse> GetTenantSettings(
      const std::string& tenant, const v1::GetTenantEvaluationSettingsRequest& request);
  absl::StatusOr<v1::UpdateTenantEvaluationSettingsResponse> UpdateTenantSettings(
      const std::string& tenant, const v1::UpdateTenantEvaluationSettingsRequest& request);
  absl::StatusOr<v1::GetEvaluationReportResponse> Report(
      const std::string& tenant, const v1::GetEvaluationReportRequest& request);
  // Across every tenant (the national operator's; who may call it is the API's declaration).
  absl::StatusOr<v1::GetNationalEvaluationReportResponse> NationalReport(
      const v1::GetNationalEvaluationReportRequest& request);

 private:
  struct Resolved {
    std::string digest;
    Participation participation;
  };
  absl::StatusOr<Resolved> Resolve(const std::string& tenant, const std::string& token);

  EvaluationStore& store_;
  Scheduler& scheduler_;
  std::string token_secret_;
  EvaluationMetrics& metrics_;
};

}  // namespace ipraktik::evaluation
