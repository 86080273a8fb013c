#include "notification_client.h"

#include <algorithm>
#include <chrono>

#include "grpcpp/client_context.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/v1/notification.grpc.pb.h"
#include "outgoing_call.h"

namespace ipraktik::matching_service {

NotificationSource NotificationFacts(std::shared_ptr<grpc::Channel> notification,
                                     std::string api_key) {
  auto stub = std::shared_ptr<v1::NotificationService::Stub>(
      v1::NotificationService::NewStub(std::move(notification)));
  const std::string authorization = "Bearer " + api_key;
  NotificationSource source;
  source.settings =
      [stub, authorization](const Caller& caller) -> absl::StatusOr<v1::NotificationSettings> {
    grpc::ClientContext context;
    PrepareOutgoingCall(context, authorization, caller);
    v1::GetNotificationSettingsResponse response;
    absl::Status status = rpc_status::FromGrpcStatus(
        stub->GetNotificationSettings(&context, v1::GetNotificationSettingsRequest(), &response));
    if (!status.ok()) return status;
    return response.effective();
  };
  source.deliveries = [stub, authorization](const Caller& caller, const std::string& round_id)
      -> absl::StatusOr<v1::CountDeliveriesResponse> {
    grpc::ClientContext context;
    PrepareOutgoingCall(context, authorization, caller);
    v1::CountDeliveriesRequest request;
    request.set_round_id(round_id);
    v1::CountDeliveriesResponse response;
    absl::Status status =
        rpc_status::FromGrpcStatus(stub->CountDeliveries(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  };
  return source;
}

}  // namespace ipraktik::matching_service
