#pragma once

// The pages' backends over gRPC, calling the registration, evaluation and notification services as
// any partner would: the token RPCs (access role "participant": the link's token in the request is
// the credential, so no API key goes with them), the link's tenant in x-ipraktik-tenant, a fresh
// correlation id and a deadline per call. A service's error comes back as its status with its
// details (libs/rpc_status).

#include <chrono>
#include <memory>

#include "domain/backends.h"
#include "grpcpp/channel.h"
#include "ipraktik/v1/evaluation.grpc.pb.h"
#include "ipraktik/v1/notification.grpc.pb.h"
#include "ipraktik/v1/registration.grpc.pb.h"

namespace ipraktik::participant_web {

class GrpcApprovalBackend : public ApprovalBackend {
 public:
  GrpcApprovalBackend(const std::shared_ptr<grpc::Channel>& registration,
                      std::chrono::milliseconds timeout);
  absl::StatusOr<ApprovalCase> Lookup(const std::string& tenant, const std::string& token) override;
  absl::StatusOr<ApprovalState> Decide(const std::string& tenant, const std::string& token,
                                       bool approve, const std::string& comment) override;

 private:
  std::unique_ptr<v1::RegistrationService::Stub> stub_;
  std::chrono::milliseconds timeout_;
};

class GrpcEvaluationBackend : public EvaluationBackend {
 public:
  GrpcEvaluationBackend(const std::shared_ptr<grpc::Channel>& evaluation,
                        std::chrono::milliseconds timeout);
  absl::StatusOr<EvaluationCase> Lookup(const std::string& tenant,
                                        const std::string& token) override;
  absl::StatusOr<bool> Submit(const std::string& tenant, const std::string& token,
                              const SurveyAnswers& answers) override;

 private:
  std::unique_ptr<v1::EvaluationService::Stub> stub_;
  std::chrono::milliseconds timeout_;
};

class GrpcPlacementBackend : public PlacementBackend {
 public:
  GrpcPlacementBackend(const std::shared_ptr<grpc::Channel>& notification,
                       std::chrono::milliseconds timeout);
  absl::StatusOr<PlacementCase> Lookup(const std::string& tenant,
                                       const std::string& token) override;
  absl::StatusOr<bool> Decline(const std::string& tenant, const std::string& token,
                               const std::string& participant_id,
                               const std::string& reason) override;
  absl::StatusOr<bool> Withdraw(const std::string& tenant, const std::string& token,
                                const std::string& reason) override;

 private:
  std::unique_ptr<v1::NotificationService::Stub> stub_;
  std::chrono::milliseconds timeout_;
};

// The answers as the API's message, field by field by name.
v1::EvaluationAnswers ToProto(const SurveyAnswers& answers);

}  // namespace ipraktik::participant_web
