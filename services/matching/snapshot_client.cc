#include "snapshot_client.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "ipraktik/access/access.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/server/call_context.h"
#include "ipraktik/v1/registration.grpc.pb.h"

namespace ipraktik::matching_service {

namespace {

void Prepare(grpc::ClientContext& context, const std::string& authorization, const Caller& caller) {
  context.AddMetadata(access::kAuthorizationHeader, authorization);
  context.AddMetadata(server::kTenantHeader, caller.tenant);
  context.AddMetadata(server::kCorrelationIdHeader, caller.correlation_id);
  context.set_deadline(caller.deadline);
}

// A failure to reach the registration service, said as such.
absl::Status Reaching(absl::Status status, std::string_view what) {
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return absl::Status(
        status.code(),
        absl::StrCat(std::string(what), " from the registration service: ", status.message()));
  }
  return status;
}

}  // namespace

SnapshotSource RegistrationSnapshots(std::shared_ptr<grpc::Channel> registration,
                                     std::string api_key) {
  auto stub = std::shared_ptr<v1::RegistrationService::Stub>(
      v1::RegistrationService::NewStub(std::move(registration)));
  return
      [stub, authorization = "Bearer " + api_key](const Caller& caller, const std::string& round_id,
                                                  const SnapshotSink& sink) -> absl::Status {
        grpc::ClientContext context;
        Prepare(context, authorization, caller);
        v1::ExportRoundSnapshotRequest request;
        request.set_round_id(round_id);
        auto reader = stub->ExportRoundSnapshot(&context, request);
        v1::ExportRoundSnapshotResponse part;
        absl::Status consumed;
        while (reader->Read(&part)) {
          consumed = sink(part);
          if (!consumed.ok()) {
            context.TryCancel();
            break;
          }
        }
        const absl::Status finished = rpc_status::FromGrpcStatus(reader->Finish());
        if (!consumed.ok()) return consumed;
        return Reaching(finished, "reading the round's snapshot");
      };
}

RecordCheck RegistrationRecords(std::shared_ptr<grpc::Channel> registration, std::string api_key) {
  auto stub = std::shared_ptr<v1::RegistrationService::Stub>(
      v1::RegistrationService::NewStub(std::move(registration)));
  return [stub, authorization = "Bearer " + api_key](
             const Caller& caller, const std::string& round_id, const std::string& participant_id,
             const std::string& host_offer_id) -> absl::Status {
    {
      grpc::ClientContext context;
      Prepare(context, authorization, caller);
      v1::GetRoundRequest request;
      request.set_round_id(round_id);
      v1::GetRoundResponse response;
      absl::Status status =
          rpc_status::FromGrpcStatus(stub->GetRound(&context, request, &response));
      if (!status.ok()) return Reaching(status, "reading the round");
    }
    {
      grpc::ClientContext context;
      Prepare(context, authorization, caller);
      v1::GetParticipantRequest request;
      request.set_participant_id(participant_id);
      v1::GetParticipantResponse response;
      absl::Status status =
          rpc_status::FromGrpcStatus(stub->GetParticipant(&context, request, &response));
      if (!status.ok()) return Reaching(status, "reading the intern");
    }
    if (host_offer_id.empty()) return absl::OkStatus();
    grpc::ClientContext context;
    Prepare(context, authorization, caller);
    v1::GetHostOfferRequest request;
    request.set_host_offer_id(host_offer_id);
    v1::GetHostOfferResponse response;
    absl::Status status =
        rpc_status::FromGrpcStatus(stub->GetHostOffer(&context, request, &response));
    if (!status.ok()) return Reaching(status, "reading the host offer");
    if (response.host_offer().round_id() != round_id) {
      return errors::NotFound(
          "host offer", host_offer_id,
          absl::StrCat("host offer ", host_offer_id, " is not in round ", round_id));
    }
    return absl::OkStatus();
  };
}

}  // namespace ipraktik::matching_service
