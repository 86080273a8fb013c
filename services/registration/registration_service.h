#pragma once

// The gRPC face of the registration service (ipraktik.v1.RegistrationService, callback API):
// each handler runs in the server's call shell (libs/server calls.h), which hands the request to
// the Registrar on a handler thread and finishes with its answer or its error (rich details
// included). The import reads its stream row batch by row batch; the snapshot export writes one
// message at a time, producing the next only when the previous was sent (each step on a handler
// thread). SignUp, the hot call, goes to its batcher instead, which signs up the calls queued
// meanwhile together.

#include "ipraktik/server/calls.h"
#include "ipraktik/v1/registration.grpc.pb.h"
#include "registrar.h"
#include "signup_batcher.h"

namespace ipraktik::registration {

class RegistrationServiceImpl final : public v1::RegistrationService::CallbackService {
 public:
  // registrar must outlive the service.
  RegistrationServiceImpl(Registrar& registrar, server::Calls calls,
                          SignUpBatcherOptions sign_up_batches = {});

  // The generated base also declares each method's synchronous form; without these, overriding
  // the callback forms would hide them (-Woverloaded-virtual).
  using Base = v1::RegistrationService::CallbackService;
  using Base::ApplyRetention;
  using Base::CreateHostOffer;
  using Base::CreateProgramme;
  using Base::CreateRound;
  using Base::CreateWorkplace;
  using Base::DecideApproval;
  using Base::EraseParticipant;
  using Base::ExportRoundSnapshot;
  using Base::GetApplication;
  using Base::GetHostOffer;
  using Base::GetParticipant;
  using Base::GetProgramme;
  using Base::GetRound;
  using Base::GetWorkplace;
  using Base::ImportSignUps;
  using Base::ListApplications;
  using Base::ListHostOffers;
  using Base::ListParticipants;
  using Base::ListProgrammes;
  using Base::ListRounds;
  using Base::ListWorkplaces;
  using Base::LookupApproval;
  using Base::PublishHostOffer;
  using Base::RegisterParticipant;
  using Base::SignUp;
  using Base::TransitionRound;
  using Base::UpdateApplication;
  using Base::UpdateHostOffer;
  using Base::UpdateParticipant;
  using Base::UpdateProgramme;
  using Base::UpdateRound;
  using Base::UpdateWorkplace;
  using Base::WithdrawHostOffer;

  using Context = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;

  Reactor* CreateProgramme(Context* c, const v1::CreateProgrammeRequest* q,
                           v1::CreateProgrammeResponse* r) override;
  Reactor* GetProgramme(Context* c, const v1::GetProgrammeRequest* q,
                        v1::GetProgrammeResponse* r) override;
  Reactor* ListProgrammes(Context* c, const v1::ListProgrammesRequest* q,
                          v1::ListProgrammesResponse* r) override;
  Reactor* UpdateProgramme(Context* c, const v1::UpdateProgrammeRequest* q,
                           v1::UpdateProgrammeResponse* r) override;
  Reactor* CreateRound(Context* c, const v1::CreateRoundRequest* q,
                       v1::CreateRoundResponse* r) override;
  Reactor* GetRound(Context* c, const v1::GetRoundRequest* q, v1::GetRoundResponse* r) override;
  Reactor* ListRounds(Context* c, const v1::ListRoundsRequest* q,
                      v1::ListRoundsResponse* r) override;
  Reactor* UpdateRound(Context* c, const v1::UpdateRoundRequest* q,
                       v1::UpdateRoundResponse* r) override;
  Reactor* TransitionRound(Context* c, const v1::TransitionRoundRequest* q,
                           v1::TransitionRoundResponse* r) override;
  Reactor* CreateWorkplace(Context* c, const v1::CreateWorkplaceRequest* q,
                           v1::CreateWorkplaceResponse* r) override;
  Reactor* GetWorkplace(Context* c, const v1::GetWorkplaceRequest* q,
                        v1::GetWorkplaceResponse* r) override;
  Reactor* ListWorkplaces(Context* c, const v1::ListWorkplacesRequest* q,
                          v1::ListWorkplacesResponse* r) override;
  Reactor* UpdateWorkplace(Context* c, const v1::UpdateWorkplaceRequest* q,
                           v1::UpdateWorkplaceResponse* r) override;
  Reactor* RegisterParticipant(Context* c, const v1::RegisterParticipantRequest* q,
                               v1::RegisterParticipantResponse* r) override;
  Reactor* GetParticipant(Context* c, const v1::GetParticipantRequest* q,
                          v1::GetParticipantResponse* r) override;
  Reactor* ListParticipants(Context* c, const v1::ListParticipantsRequest* q,
                            v1::ListParticipantsResponse* r) override;
  Reactor* UpdateParticipant(Context* c, const v1::UpdateParticipantRequest* q,
                             v1::UpdateParticipantResponse* r) override;
  Reactor* EraseParticipant(Context* c, const v1::EraseParticipantRequest* q,
                            v1::EraseParticipantResponse* r) override;
  Reactor* ApplyRetention(Context* c, const v1::ApplyRetentionRequest* q,
                          v1::ApplyRetentionResponse* r) override;
  Reactor* CreateHostOffer(Context* c, const v1::CreateHostOfferRequest* q,
                           v1::CreateHostOfferResponse* r) override;
  Reactor* GetHostOffer(Context* c, const v1::GetHostOfferRequest* q,
                        v1::GetHostOfferResponse* r) override;
  Reactor* ListHostOffers(Context* c, const v1::ListHostOffersRequest* q,
                          v1::ListHostOffersResponse* r) override;
  Reactor* UpdateHostOffer(Context* c, const v1::UpdateHostOfferRequest* q,
                           v1::UpdateHostOfferResponse* r) override;
  Reactor* PublishHostOffer(Context* c, const v1::PublishHostOfferRequest* q,
                            v1::PublishHostOfferResponse* r) override;
  Reactor* WithdrawHostOffer(Context* c, const v1::WithdrawHostOfferRequest* q,
                             v1::WithdrawHostOfferResponse* r) override;
  Reactor* SignUp(Context* c, const v1::SignUpRequest* q, v1::SignUpResponse* r) override;
  Reactor* GetApplication(Context* c, const v1::GetApplicationRequest* q,
                          v1::GetApplicationResponse* r) override;
  Reactor* ListApplications(Context* c, const v1::ListApplicationsRequest* q,
                            v1::ListApplicationsResponse* r) override;
  Reactor* UpdateApplication(Context* c, const v1::UpdateApplicationRequest* q,
                             v1::UpdateApplicationResponse* r) override;
  Reactor* LookupApproval(Context* c, const v1::LookupApprovalRequest* q,
                          v1::LookupApprovalResponse* r) override;
  Reactor* DecideApproval(Context* c, const v1::DecideApprovalRequest* q,
                          v1::DecideApprovalResponse* r) override;

  grpc::ServerReadReactor<v1::ImportSignUpsRequest>* ImportSignUps(
      Context* context, v1::ImportSignUpsResponse* response) override;
  grpc::ServerWriteReactor<v1::ExportRoundSnapshotResponse>* ExportRoundSnapshot(
      Context* context, const v1::ExportRoundSnapshotRequest* request) override;

 private:
  Registrar& registrar_;
  server::Calls calls_;
  // Last: destroyed (and so drained) first, while everything its calls use still exists.
  SignUpBatcher sign_ups_;
};

}  // namespace ipraktik::registration
