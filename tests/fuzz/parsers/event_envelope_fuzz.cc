// Fuzz target: any bytes taken off the bus go through a service's EventRouter as they would in
// production: the envelope is read and checked, the payload unpacked as the type's message, and
// the outcome is handled or dead-lettered with a reason, never a crash or a retry (a malformed
// message never becomes valid by waiting). What the router accepts also reads back the same.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz_check.h"
#include "google/protobuf/stubs/logging.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/server/event_router.h"
#include "ipraktik/v1/evaluation_events.pb.h"
#include "ipraktik/v1/matching_events.pb.h"
#include "ipraktik/v1/notification_events.pb.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "ipraktik/v1/registration_events.pb.h"

namespace {

using ipraktik::fuzz::Check;

namespace contract = ipraktik::contract;
namespace v1 = ipraktik::v1;
using ipraktik::server::EventContext;
using ipraktik::server::EventRouter;

// A handler that looks at every field of what it was given, as a consumer would.
template <typename Payload>
EventRouter& Accept(EventRouter& router, const char* type) {
  return router.On<Payload>(type, [type](const Payload& payload, const EventContext& event) {
    Check(event.envelope.type() == type);
    (void)payload.DebugString();
    return absl::OkStatus();
  });
}

// Every event type of the contract, with its payload message.
const EventRouter& Router() {
  static const std::unique_ptr<EventRouter> router = [] {
    auto r = std::make_unique<EventRouter>(ipraktik::server::EventRouterOptions{
        .name = "fuzz", .ignored_types = {"fuzz.ignored.type"}});
    Accept<v1::ParticipantRegistered>(*r, contract::kParticipantRegistered);
    Accept<v1::ParticipantErased>(*r, contract::kParticipantErased);
    Accept<v1::HostOfferPublished>(*r, contract::kHostOfferPublished);
    Accept<v1::HostOfferWithdrawn>(*r, contract::kHostOfferWithdrawn);
    Accept<v1::ApplicationSubmitted>(*r, contract::kApplicationSubmitted);
    Accept<v1::ApplicationApprovalDecided>(*r, contract::kApprovalDecided);
    Accept<v1::ApprovalRequested>(*r, contract::kApprovalRequested);
    Accept<v1::RoundStateChanged>(*r, contract::kRoundStateChanged);
    Accept<v1::MatchingJobRequested>(*r, contract::kJobRequested);
    Accept<v1::MatchingJobFinished>(*r, contract::kJobFinished);
    Accept<v1::InternPlaced>(*r, contract::kInternPlaced);
    Accept<v1::InternUnmatched>(*r, contract::kInternUnmatched);
    Accept<v1::HostInternsAssigned>(*r, contract::kHostInternsAssigned);
    Accept<v1::MatchingResultPublished>(*r, contract::kResultPublished);
    Accept<v1::EvaluationInvitationRequested>(*r, contract::kEvaluationInvitationRequested);
    Accept<v1::ReminderDue>(*r, contract::kReminderDue);
    Accept<v1::ResendRequested>(*r, contract::kResendRequested);
    return r;
  }();
  return *router;
}

}  // namespace

// Protobuf logs every string field that is not UTF-8: quiet, or that is all the fuzzer does.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ipraktik::bus::Delivery delivery;
  delivery.body.assign(reinterpret_cast<const char*>(data), size);
  const ipraktik::bus::Outcome outcome = Router().Handle(delivery);
  Check(outcome.kind() != ipraktik::bus::Outcome::Kind::kRetry);
  if (outcome.kind() == ipraktik::bus::Outcome::Kind::kDeadLetter) Check(!outcome.reason().empty());

  auto envelope = ipraktik::events::ParseEnvelope(delivery.body);
  Check(envelope.ok() || envelope.status().code() == absl::StatusCode::kInvalidArgument);
  if (outcome.kind() == ipraktik::bus::Outcome::Kind::kAck) Check(envelope.ok());
  if (envelope.ok()) {
    auto again = ipraktik::events::ParseEnvelope(envelope->SerializeAsString());
    Check(again.ok() && again->id() == envelope->id() && again->type() == envelope->type());
  }
  return 0;
}
