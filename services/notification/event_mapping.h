#pragma once

// The placement and evaluation event payloads (protobuf) as the notification domain's values,
// the revisions events carry, and delivery records as the API's messages.

#include <cstdint>
#include <optional>
#include <string>

#include "delivery_repository.h"
#include "domain/model.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/model_proto/model_proto.h"
#include "ipraktik/v1/evaluation_events.pb.h"
#include "ipraktik/v1/notification.pb.h"
#include "ipraktik/v1/notification_events.pb.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "ipraktik/v1/registration_events.pb.h"

namespace ipraktik::notification {

// Dates, sectors, languages and roles have their one mapping in libs/model (model_proto).
using model::FromProto;
using model::ToProto;
// The revision of a placement (scope "placement") or of a host offer's interns (scope "host") an
// event carries: an event older than the newest one seen sends nothing.
struct EventRevision {
  std::string scope;
  std::string id;
  std::int64_t revision = 0;
};
EventRevision RevisionOf(const v1::InternPlaced& event);
EventRevision RevisionOf(const v1::InternUnmatched& event);
EventRevision RevisionOf(const v1::HostInternsAssigned& event);
// A reminder's id is "<scope>:<id>" (notifier.cc).
EventRevision RevisionOf(const v1::ReminderDue& event);
// The revision an event on the bus carries, by its type; nullopt for a type without one.
absl::StatusOr<std::optional<EventRevision>> RevisionOfEnvelope(const events::Envelope& envelope);

InternPlaced FromProto(const v1::InternPlaced& event);
InternUnmatched FromProto(const v1::InternUnmatched& event);
HostInternsAssigned FromProto(const v1::HostInternsAssigned& event);
EvaluationInvitation FromProto(const v1::EvaluationInvitationRequested& event);
ApprovalRequest FromProto(const v1::ApprovalRequested& event);
ApprovalDecision FromProto(const v1::ApplicationApprovalDecided& event);

v1::MessageKind ToProto(MessageKind kind);
std::optional<MessageKind> FromProto(v1::MessageKind kind);

TenantSettings FromProto(const v1::NotificationSettings& settings);
v1::NotificationSettings ToProto(const TenantSettings& settings);

v1::Delivery ToProto(const DeliveryRecord& record);

}  // namespace ipraktik::notification
