#pragma once

// What the registration service does with the matching service's `matching.result.published`:
// the round moves to PUBLISHED (Registrar::RecordMatchingPublished). Wired up by main.cc and by
// the in-process test harness alike.

#include "ipraktik/bus/options.h"
#include "ipraktik/server/event_router.h"
#include "registrar.h"

namespace ipraktik::registration {

inline constexpr char kMatchingPublishedQueue[] = "registration.matching-published";

// The durable queue bound to the event, with its dead-letter queue.
bus::QueueSpec MatchingPublishedQueue();

// The router of that queue: a publication is recorded once per event (dedupe: an old event
// redelivered after the round was reopened and closed again must not publish it); one without
// a round id, or naming a round that does not exist or was never closed, is dead-lettered;
// anything else is retried. registrar and redis must outlive the router.
std::unique_ptr<server::EventRouter> MatchingPublishedRouter(Registrar& registrar,
                                                             store::Pool& redis,
                                                             prometheus::Registry* metrics);

}  // namespace ipraktik::registration
