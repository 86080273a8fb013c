#include "round_copy.h"

#include <utility>

namespace ipraktik::matching_service {

void RoundCopy::Add(v1::ExportRoundSnapshotResponse&& part) {
  if (part.has_header()) round = std::move(*part.mutable_header()->mutable_round());
  for (auto& offer : *part.mutable_host_offers()) {
    offers[offer.host_offer_id()] = {.card = std::move(*offer.mutable_card()),
                                     .capacity = offer.capacity()};
  }
  for (auto& application : *part.mutable_applications()) {
    if (application.continued()) continue;
    InternCard& intern = interns[application.intern().participant_id()];
    intern.person = std::move(*application.mutable_intern());
    intern.purpose = std::move(*application.mutable_purpose());
  }
  if (part.has_trailer()) {
    applications = part.trailer().application_count();
    awaiting_approval = part.trailer().applications_awaiting_approval();
    rejected = part.trailer().applications_rejected();
  }
}

v1::InternLabel RoundCopy::InternLabelOf(const std::string& participant_id) const {
  v1::InternLabel label;
  auto it = interns.find(participant_id);
  if (it == interns.end()) return label;
  const v1::PersonCard& person = it->second.person;
  label.set_name(person.name());
  label.set_workplace_name(person.workplace_name());
  label.set_sector(person.workplace_sector());
  return label;
}

v1::HostLabel RoundCopy::HostLabelOf(const std::string& host_offer_id) const {
  v1::HostLabel label;
  auto it = offers.find(host_offer_id);
  if (it == offers.end()) return label;
  const v1::HostOfferCard& card = it->second.card;
  label.set_workplace_name(card.workplace_name());
  label.set_title(card.title());
  label.set_sector(card.sector());
  return label;
}

void Label(const RoundCopy& copy, v1::GetMatchingResultResponse& part) {
  for (auto& pair : *part.mutable_assignments()) {
    *pair.mutable_intern() = copy.InternLabelOf(pair.participant_id());
    *pair.mutable_host() = copy.HostLabelOf(pair.host_offer_id());
  }
  for (auto& unmatched : *part.mutable_unmatched()) {
    *unmatched.mutable_intern() = copy.InternLabelOf(unmatched.participant_id());
  }
}

void Label(const RoundCopy& copy, v1::Placement& placement) {
  *placement.mutable_intern() = copy.InternLabelOf(placement.participant_id());
  if (!placement.host_offer_id().empty()) {
    *placement.mutable_host() = copy.HostLabelOf(placement.host_offer_id());
  }
}

}  // namespace ipraktik::matching_service
