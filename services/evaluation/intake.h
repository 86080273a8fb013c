#pragma once

// The placements the matching service publishes, as participations to evaluate: each placement
// has two sides, the intern and the host offer's contact, each invited on their own. A
// cancelled placement stops its evaluation; an erased participant loses their tokens and
// personal data (the report tallies stay, they name nobody).
//
// Every handler is idempotent (placement events carry revisions; erasure repeated changes
// nothing), so a redelivered event needs no dedupe record.

#include <string>

#include "absl/status/status.h"
#include "evaluation_store.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "ipraktik/v1/registration_events.pb.h"

namespace ipraktik::evaluation {

// "municipal", "regional", "state", "private"; "" when unspecified.
std::string SectorName(v1::Sector sector);

// The participation of each side of a placement (pure: for tests too).
Participation InternSide(const v1::InternPlaced& placed);
Participation HostSide(const v1::RoundCard& round, const v1::HostOfferCard& offer,
                       const v1::VisitingIntern& visitor, std::int64_t revision);

class Intake {
 public:
  explicit Intake(EvaluationStore& store) : store_(store) {}

  // The event of any type below, by its envelope's type: INVALID_ARGUMENT when it is of another
  // type or its payload does not parse (worth dead-lettering); other errors are worth a retry.
  absl::Status Handle(const events::Envelope& event);

  absl::Status OnInternPlaced(const std::string& tenant, const v1::InternPlaced& placed);
  absl::Status OnHostInternsAssigned(const std::string& tenant,
                                     const v1::HostInternsAssigned& assigned);
  absl::Status OnInternUnmatched(const std::string& tenant, const v1::InternUnmatched& unmatched);
  absl::Status OnParticipantErased(const std::string& tenant, const v1::ParticipantErased& erased);

 private:
  EvaluationStore& store_;
};

}  // namespace ipraktik::evaluation
