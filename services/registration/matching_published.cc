#include "matching_published.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/v1/placement_events.pb.h"

namespace ipraktik::registration {

bus::QueueSpec MatchingPublishedQueue() {
  return {.name = kMatchingPublishedQueue, .bindings = {contract::kResultPublished}, .retry = {}};
}

bus::Outcome OnMatchingPublished(Registrar& registrar, const bus::Delivery& delivery) {
  auto envelope = events::ParseEnvelope(delivery.body);
  if (!envelope.ok()) return bus::Outcome::DeadLetter(std::string(envelope.status().message()));
  v1::MatchingResultPublished published;
  if (envelope->type() != contract::kResultPublished || !envelope->payload().UnpackTo(&published) ||
      published.round().round_id().empty()) {
    return bus::Outcome::DeadLetter(
        absl::StrCat("not a ", contract::kResultPublished, " event with a round id"));
  }
  const Caller caller{.tenant = envelope->tenant(), .correlation_id = envelope->correlation_id()};
  absl::Status recorded = registrar.RecordMatchingPublished(caller, published.round().round_id());
  if (recorded.ok()) return bus::Outcome::Ack();
  std::string reason(recorded.message());
  if (absl::IsNotFound(recorded) || absl::IsFailedPrecondition(recorded) ||
      absl::IsInvalidArgument(recorded)) {
    return bus::Outcome::DeadLetter(reason);
  }
  return bus::Outcome::Retry(reason);
}

}  // namespace ipraktik::registration
