#include "snapshot_client.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/v1/registration.grpc.pb.h"
#include "outgoing_call.h"

namespace ipraktik::matching_service {

namespace {

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
        PrepareOutgoingCall(context, authorization, caller);
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
  using Stub = v1::RegistrationService::Stub;
  auto stub = std::shared_ptr<Stub>(v1::RegistrationService::NewStub(std::move(registration)));
  return [stub, authorization = "Bearer " + api_key](
             const Caller& caller, const std::string& round_id, const std::string& participant_id,
             const std::string& host_offer_id) -> absl::Status {
    // One read of the caller's tenant; what failed reaching the service says what it read.
    auto read = [&](auto method, const auto& request, auto& response, std::string_view what) {
      grpc::ClientContext context;
      PrepareOutgoingCall(context, authorization, caller);
      return Reaching(rpc_status::FromGrpcStatus(((*stub).*method)(&context, request, &response)),
                      what);
    };
    v1::GetRoundRequest round;
    round.set_round_id(round_id);
    v1::GetParticipantRequest intern;
    intern.set_participant_id(participant_id);
    v1::GetHostOfferRequest offer;
    offer.set_host_offer_id(host_offer_id);
    v1::GetRoundResponse found_round;
    v1::GetParticipantResponse found_intern;
    v1::GetHostOfferResponse found_offer;
    absl::Status status = read(&Stub::GetRound, round, found_round, "reading the round");
    if (status.ok()) {
      status = read(&Stub::GetParticipant, intern, found_intern, "reading the intern");
    }
    if (status.ok() && !host_offer_id.empty()) {
      status = read(&Stub::GetHostOffer, offer, found_offer, "reading the host offer");
    }
    if (!status.ok() || host_offer_id.empty()) return status;
    if (found_offer.host_offer().round_id() != round_id) {
      return errors::NotFound(
          "host offer", host_offer_id,
          absl::StrCat("host offer ", host_offer_id, " is not in round ", round_id));
    }
    return absl::OkStatus();
  };
}

}  // namespace ipraktik::matching_service
