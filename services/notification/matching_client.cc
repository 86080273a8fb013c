#include "matching_client.h"

#include "grpcpp/client_context.h"
#include "ipraktik/access/access.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/v1/matching.grpc.pb.h"

namespace ipraktik::notification {

RecordPlacementChange MatchingPlacementChanges(std::shared_ptr<grpc::Channel> matching,
                                               std::string api_key) {
  auto stub =
      std::shared_ptr<v1::MatchingService::Stub>(v1::MatchingService::NewStub(std::move(matching)));
  const std::string authorization = "Bearer " + api_key;
  return [stub, authorization](const server::CallContext& call,
                               const PlacementChange& change) -> absl::Status {
    grpc::ClientContext context;
    context.AddMetadata(access::kAuthorizationHeader, authorization);
    context.AddMetadata(server::kTenantHeader, call.tenant);
    context.AddMetadata(server::kCorrelationIdHeader, call.correlation_id);
    context.set_deadline(call.deadline);
    v1::RecordPlacementChangeRequest request;
    request.set_round_id(change.round_id);
    request.set_participant_id(change.participant_id);
    request.set_kind(change.kind == PlacementChange::Kind::kHostDeclined
                         ? v1::PLACEMENT_CHANGE_KIND_HOST_DECLINED
                         : v1::PLACEMENT_CHANGE_KIND_INTERN_WITHDREW);
    request.set_host_offer_id(change.host_offer_id);
    request.set_note(change.note);
    v1::RecordPlacementChangeResponse response;
    return rpc_status::FromGrpcStatus(stub->RecordPlacementChange(&context, request, &response));
  };
}

}  // namespace ipraktik::notification
