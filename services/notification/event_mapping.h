#pragma once

// The placement and evaluation event payloads (protobuf) as the notification domain's values,
// and delivery records as the API's messages.

#include "delivery_repository.h"
#include "domain/model.h"
#include "ipraktik/model_proto/model_proto.h"
#include "ipraktik/v1/evaluation_events.pb.h"
#include "ipraktik/v1/notification.pb.h"
#include "ipraktik/v1/placement_events.pb.h"

namespace ipraktik::notification {

// Dates, sectors, languages and roles have their one mapping in libs/model (model_proto).
using model::FromProto;
using model::ToProto;

InternPlaced FromProto(const v1::InternPlaced& event);
InternUnmatched FromProto(const v1::InternUnmatched& event);
HostInternsAssigned FromProto(const v1::HostInternsAssigned& event);
EvaluationInvitation FromProto(const v1::EvaluationInvitationRequested& event);

v1::MessageKind ToProto(MessageKind kind);
std::optional<MessageKind> FromProto(v1::MessageKind kind);

TenantSettings FromProto(const v1::NotificationSettings& settings);
v1::NotificationSettings ToProto(const TenantSettings& settings);

v1::Delivery ToProto(const DeliveryRecord& record);

}  // namespace ipraktik::notification
