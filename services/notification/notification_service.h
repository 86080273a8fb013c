#pragma once

// The gRPC face of the notification service (ipraktik.v1.NotificationService, callback API):
// preview, delivery status, resend and tenant settings. Each handler runs in the server's call
// shell (libs/server calls.h) and answers, on a handler thread, from the Notifier and the
// repository. A resend is recorded together with its event in the outbox (one Redis script); the
// outbox relay publishes it to the service's own queue, so it is sent by the same consumer with
// the same once-only record, rate limit and retries as every other message.

#include <functional>

#include "delivery_repository.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/server/calls.h"
#include "ipraktik/v1/notification.grpc.pb.h"
#include "notifier.h"
#include "placement_desk.h"

namespace ipraktik::notification {

class NotificationServiceImpl final : public v1::NotificationService::CallbackService {
 public:
  NotificationServiceImpl(Notifier& notifier, DeliveryRepository& repository, PlacementDesk& desk,
                          server::Calls calls, Clock clock);

  using Base = v1::NotificationService::CallbackService;
  using Base::CountDeliveries;
  using Base::DeclinePlacement;
  using Base::GetDelivery;
  using Base::GetNotificationSettings;
  using Base::ListDeliveries;
  using Base::LookupPlacement;
  using Base::PreviewMessages;
  using Base::ResendMessage;
  using Base::UpdateNotificationSettings;
  using Base::WithdrawPlacement;
  using Context = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;

  Reactor* PreviewMessages(Context* context, const v1::PreviewMessagesRequest* request,
                           v1::PreviewMessagesResponse* response) override;
  Reactor* ListDeliveries(Context* context, const v1::ListDeliveriesRequest* request,
                          v1::ListDeliveriesResponse* response) override;
  Reactor* GetDelivery(Context* context, const v1::GetDeliveryRequest* request,
                       v1::GetDeliveryResponse* response) override;
  Reactor* CountDeliveries(Context* context, const v1::CountDeliveriesRequest* request,
                           v1::CountDeliveriesResponse* response) override;
  Reactor* ResendMessage(Context* context, const v1::ResendMessageRequest* request,
                         v1::ResendMessageResponse* response) override;
  Reactor* GetNotificationSettings(Context* context,
                                   const v1::GetNotificationSettingsRequest* request,
                                   v1::GetNotificationSettingsResponse* response) override;
  Reactor* UpdateNotificationSettings(Context* context,
                                      const v1::UpdateNotificationSettingsRequest* request,
                                      v1::UpdateNotificationSettingsResponse* response) override;
  // "My placement" by the personal link's token (PlacementDesk).
  Reactor* LookupPlacement(Context* context, const v1::LookupPlacementRequest* request,
                           v1::LookupPlacementResponse* response) override;
  Reactor* DeclinePlacement(Context* context, const v1::DeclinePlacementRequest* request,
                            v1::DeclinePlacementResponse* response) override;
  Reactor* WithdrawPlacement(Context* context, const v1::WithdrawPlacementRequest* request,
                             v1::WithdrawPlacementResponse* response) override;

 private:
  template <typename Request, typename Response>
  Reactor* Unary(Context* context, const Request* request, Response* response,
                 absl::Status (NotificationServiceImpl::*method)(const server::CallContext&,
                                                                 const Request&, Response&));

  absl::Status Preview(const server::CallContext& call, const v1::PreviewMessagesRequest& request,
                       v1::PreviewMessagesResponse& response);
  absl::Status List(const server::CallContext& call, const v1::ListDeliveriesRequest& request,
                    v1::ListDeliveriesResponse& response);
  // The record as the API shows it, marked when it is superseded.
  absl::StatusOr<v1::Delivery> Marked(const std::string& tenant, const DeliveryRecord& record);
  absl::Status Get(const server::CallContext& call, const v1::GetDeliveryRequest& request,
                   v1::GetDeliveryResponse& response);
  absl::Status Count(const server::CallContext& call, const v1::CountDeliveriesRequest& request,
                     v1::CountDeliveriesResponse& response);
  absl::Status Resend(const server::CallContext& call, const v1::ResendMessageRequest& request,
                      v1::ResendMessageResponse& response);
  absl::Status GetSettings(const server::CallContext& call,
                           const v1::GetNotificationSettingsRequest& request,
                           v1::GetNotificationSettingsResponse& response);
  absl::Status UpdateSettings(const server::CallContext& call,
                              const v1::UpdateNotificationSettingsRequest& request,
                              v1::UpdateNotificationSettingsResponse& response);

  Notifier& notifier_;
  DeliveryRepository& repository_;
  PlacementDesk& desk_;
  server::Calls calls_;
  Clock clock_;
};

}  // namespace ipraktik::notification
