#include "intake.h"

#include <algorithm>

#include "ipraktik/contract/event_types.h"
#include "ipraktik/model_proto/model_proto.h"

namespace ipraktik::evaluation {
namespace {

// The first and last of the internship's days (an empty list leaves both unset).
void SetDays(Participation& p, const google::protobuf::RepeatedPtrField<v1::Date>& days) {
  if (days.empty()) return;
  auto by_day = [](const v1::Date& a, const v1::Date& b) {
    return std::chrono::sys_days(model::FromProto(a)) < std::chrono::sys_days(model::FromProto(b));
  };
  p.first_day = model::FromProto(*std::min_element(days.begin(), days.end(), by_day));
  p.last_day = model::FromProto(*std::max_element(days.begin(), days.end(), by_day));
}

Participation Side(const v1::RoundCard& round, const v1::HostOfferCard& offer,
                   const v1::PersonCard& person, Role role, const std::string& own_sector,
                   bool crosses, const std::string& placement_id, std::int64_t revision) {
  return Participation{.placement_id = placement_id,
                       .role = role,
                       .host_offer_id = role == Role::kHost ? offer.host_offer_id() : "",
                       .cell = {.programme_id = round.programme_id(),
                                .round_id = round.round_id(),
                                .role = role,
                                .sector = own_sector,
                                .region = offer.region(),
                                .host_sector = SectorName(offer.sector())},
                       .crosses_sectors = crosses,
                       .participant_id = person.participant_id(),
                       .person_card = person.SerializeAsString(),
                       .round_card = round.SerializeAsString(),
                       .host_workplace_name = offer.workplace_name(),
                       .revision = revision};
}

// A router handler that hands the payload and the envelope's tenant to one of Intake's methods.
template <typename Payload>
server::EventHandler<Payload> Into(Intake& intake,
                                   absl::Status (Intake::*handle)(const std::string&,
                                                                  const Payload&)) {
  return [&intake, handle](const Payload& payload, const server::EventContext& event) {
    return (intake.*handle)(event.envelope.tenant(), payload);
  };
}

}  // namespace

std::unique_ptr<server::EventRouter> IntakeRouter(Intake& intake, prometheus::Registry* metrics) {
  auto router = std::make_unique<server::EventRouter>(
      server::EventRouterOptions{.name = "evaluation.events", .metrics = metrics});
  // Placement events carry revisions and an erasure repeated changes nothing: every handler is
  // idempotent, none needs the router's dedupe.
  router->OnBatch(contract::kPlacementsPublished)
      .On<v1::InternPlaced>(contract::kInternPlaced, Into(intake, &Intake::OnInternPlaced))
      .On<v1::HostInternsAssigned>(contract::kHostInternsAssigned,
                                   Into(intake, &Intake::OnHostInternsAssigned))
      .On<v1::InternUnmatched>(contract::kInternUnmatched, Into(intake, &Intake::OnInternUnmatched))
      .On<v1::ParticipantErased>(contract::kParticipantErased,
                                 Into(intake, &Intake::OnParticipantErased));
  return router;
}

std::string SectorName(v1::Sector sector) {
  model::Sector known = model::FromProto(sector);
  return known == model::Sector::kUnspecified ? "" : std::string(model::SectorName(known));
}

Participation InternSide(const v1::InternPlaced& placed) {
  const auto& intern = placed.intern();
  Participation p = Side(placed.round(), placed.host_offer(), intern, Role::kIntern,
                         SectorName(intern.workplace_sector()),
                         intern.workplace_sector() != placed.host_offer().sector(),
                         placed.placement_id(), placed.revision());
  SetDays(p, placed.days());
  return p;
}

Participation HostSide(const v1::RoundCard& round, const v1::HostOfferCard& offer,
                       const v1::VisitingIntern& visitor, std::int64_t revision) {
  Participation p =
      Side(round, offer, offer.contact(), Role::kHost, SectorName(offer.sector()),
           visitor.intern().workplace_sector() != offer.sector(), visitor.placement_id(), revision);
  SetDays(p, visitor.days());
  return p;
}

absl::Status Intake::OnInternPlaced(const std::string& tenant, const v1::InternPlaced& placed) {
  if (placed.days().empty()) return absl::OkStatus();  // nothing to evaluate without a last day
  return store_.Upsert(tenant, InternSide(placed));
}

absl::Status Intake::OnHostInternsAssigned(const std::string& tenant,
                                           const v1::HostInternsAssigned& assigned) {
  for (const auto& visitor : assigned.interns()) {
    if (visitor.days().empty()) continue;
    auto side = HostSide(assigned.round(), assigned.host_offer(), visitor, assigned.revision());
    if (absl::Status stored = store_.Upsert(tenant, side); !stored.ok()) return stored;
  }
  for (const auto& visitor : assigned.cancelled()) {
    auto side = HostSide(assigned.round(), assigned.host_offer(), visitor, assigned.revision());
    if (absl::Status cancelled = store_.Cancel(tenant, side.Id(), assigned.revision());
        !cancelled.ok()) {
      return cancelled;
    }
  }
  return absl::OkStatus();
}

absl::Status Intake::OnInternUnmatched(const std::string& tenant,
                                       const v1::InternUnmatched& unmatched) {
  if (!unmatched.placement_cancelled()) return absl::OkStatus();
  Participation intern{.placement_id = unmatched.placement_id(), .role = Role::kIntern};
  return store_.Cancel(tenant, intern.Id(), unmatched.revision());
}

absl::Status Intake::OnParticipantErased(const std::string& tenant,
                                         const v1::ParticipantErased& erased) {
  return store_.ErasePerson(tenant, erased.participant_id());
}

}  // namespace ipraktik::evaluation
