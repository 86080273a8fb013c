#pragma once

// What the registration service does with the matching service's `matching.result.published`:
// the round moves to PUBLISHED (Registrar::RecordMatchingPublished). Wired up by main.cc and by
// the in-process test harness alike.

#include "ipraktik/bus/consumer.h"
#include "ipraktik/bus/options.h"
#include "registrar.h"

namespace ipraktik::registration {

inline constexpr char kMatchingPublishedQueue[] = "registration.matching-published";

// The durable queue bound to the event, with its dead-letter queue.
bus::QueueSpec MatchingPublishedQueue();

// Acks a recorded (or repeated) publication; dead-letters a message that is not the event or
// names a round that does not exist or was never closed; retries anything else.
bus::Outcome OnMatchingPublished(Registrar& registrar, const bus::Delivery& delivery);

}  // namespace ipraktik::registration
