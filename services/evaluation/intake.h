#pragma once

// The placements the matching service publishes, as participations to evaluate: each placement
// has two sides, the intern and the host offer's contact, each invited on their own. A
// cancelled placement stops its evaluation; an erased participant loses their tokens and
// personal data (the report tallies stay, they name nobody).
//
// Every handler is idempotent (placement events carry revisions; erasure repeated changes
// nothing), so a redelivered event needs no dedupe record.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "evaluation_store.h"
#include "ipraktik/server/event_router.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "ipraktik/v1/registration_events.pb.h"

namespace ipraktik::evaluation {

// "municipal", "regional", "state", "private"; "" when unspecified.
std::string SectorName(v1::Sector sector);

// The participation of each side of a placement (pure: for tests too).
Participation InternSide(const v1::InternPlaced& placed);
Participation HostSide(const v1::RoundCard& round, const v1::HostOfferCard& offer,
                       const v1::VisitingIntern& visitor, std::int64_t revision);

class Intake;
// The router of the service's queue: each placement and erasure event to its Intake method.
// intake must outlive it.
std::unique_ptr<server::EventRouter> IntakeRouter(Intake& intake, prometheus::Registry* metrics);

class Intake {
 public:
  explicit Intake(EvaluationStore& store) : store_(store) {}

  absl::Status OnInternPlaced(const std::string& tenant, const v1::InternPlaced& placed);
  absl::Status OnHostInternsAssigned(const std::string& tenant,
                                     const v1::HostInternsAssigned& assigned);
  absl::Status OnInternUnmatched(const std::string& tenant, const v1::InternUnmatched& unmatched);
  absl::Status OnParticipantErased(const std::string& tenant, const v1::ParticipantErased& erased);

 private:
  EvaluationStore& store_;
};

}  // namespace ipraktik::evaluation
