#include "intake.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ipraktik/contract/event_types.h"

namespace ipraktik::evaluation {
namespace {

std::chrono::year_month_day DayOf(const v1::Date& date) {
  return std::chrono::year_month_day{std::chrono::year(date.year()),
                                     std::chrono::month(static_cast<unsigned>(date.month())),
                                     std::chrono::day(static_cast<unsigned>(date.day()))};
}

// The first and last of the internship's days (an empty list leaves both unset).
void SetDays(Participation& p, const google::protobuf::RepeatedPtrField<v1::Date>& days) {
  if (days.empty()) return;
  auto by_day = [](const v1::Date& a, const v1::Date& b) {
    return std::chrono::sys_days(DayOf(a)) < std::chrono::sys_days(DayOf(b));
  };
  p.first_day = DayOf(*std::min_element(days.begin(), days.end(), by_day));
  p.last_day = DayOf(*std::max_element(days.begin(), days.end(), by_day));
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

template <typename Payload>
absl::Status Dispatch(const events::Envelope& event,
                      absl::Status (Intake::*handle)(const std::string&, const Payload&),
                      Intake& intake) {
  auto payload = events::UnpackPayload<Payload>(event);
  if (!payload.ok()) return payload.status();
  return (intake.*handle)(event.tenant(), *payload);
}

}  // namespace

absl::Status Intake::Handle(const events::Envelope& event) {
  const std::string& type = event.type();
  if (type == contract::kInternPlaced) return Dispatch(event, &Intake::OnInternPlaced, *this);
  if (type == contract::kHostInternsAssigned) {
    return Dispatch(event, &Intake::OnHostInternsAssigned, *this);
  }
  if (type == contract::kInternUnmatched) {
    return Dispatch(event, &Intake::OnInternUnmatched, *this);
  }
  if (type == contract::kParticipantErased) {
    return Dispatch(event, &Intake::OnParticipantErased, *this);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("not an event the evaluation service takes: ", type));
}

std::string SectorName(v1::Sector sector) {
  switch (sector) {
    case v1::SECTOR_MUNICIPAL:
      return "municipal";
    case v1::SECTOR_REGIONAL:
      return "regional";
    case v1::SECTOR_STATE:
      return "state";
    case v1::SECTOR_PRIVATE:
      return "private";
    default:
      return "";
  }
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
