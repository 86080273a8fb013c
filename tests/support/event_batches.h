#pragma once

// events::BuildBatch over envelopes as tests make them: each one sealed, and the batch read back
// as the envelope a consumer receives.

#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "ipraktik/events/envelope.h"

namespace ipraktik::testing {

inline absl::StatusOr<events::Envelope> BatchOfEnvelopes(
    const events::EventInfo& info, const std::vector<events::Envelope>& envelopes) {
  std::vector<events::SealedEvent> sealed;
  for (const events::Envelope& envelope : envelopes) {
    absl::StatusOr<events::SealedEvent> event = events::SealEvent(envelope);
    if (!event.ok()) return event.status();
    sealed.push_back(*std::move(event));
  }
  absl::StatusOr<events::SealedEvent> batch = events::BuildBatch(info, sealed);
  if (!batch.ok()) return batch.status();
  return events::ParseEnvelope(batch->bytes());
}

}  // namespace ipraktik::testing
