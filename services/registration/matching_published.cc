#include "matching_published.h"

#include <string>

#include "ipraktik/contract/event_types.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/v1/placement_events.pb.h"

namespace ipraktik::registration {

bus::QueueSpec MatchingPublishedQueue() {
  return {.name = kMatchingPublishedQueue, .bindings = {contract::kResultPublished}, .retry = {}};
}

std::unique_ptr<server::EventRouter> MatchingPublishedRouter(Registrar& registrar,
                                                             store::Pool& redis,
                                                             prometheus::Registry* metrics) {
  auto router = std::make_unique<server::EventRouter>(server::EventRouterOptions{
      .name = kMatchingPublishedQueue, .redis = &redis, .metrics = metrics});
  router->On<v1::MatchingResultPublished>(
      contract::kResultPublished,
      [&registrar](const v1::MatchingResultPublished& published,
                   const server::EventContext& event) {
        if (published.round().round_id().empty()) {
          return errors::InvalidArgument({{"round.round_id", "is required"}},
                                         "a published matching names no round");
        }
        return registrar.RecordMatchingPublished(
            {.tenant = event.envelope.tenant(), .correlation_id = event.envelope.correlation_id()},
            published.round().round_id());
      },
      {.dedupe = true});
  return router;
}

}  // namespace ipraktik::registration
