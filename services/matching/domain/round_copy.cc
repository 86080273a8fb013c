#include "round_copy.h"

#include <utility>

#include "ipraktik/wire/wire.h"

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

absl::Status RoundCopy::AddStored(std::string_view bytes) {
  using Part = v1::ExportRoundSnapshotResponse;
  using Application = v1::SnapshotApplication;
  // The part again with only what Add keeps of each application: its intern, purpose and
  // whether it continues the previous part's.
  std::string kept;
  kept.reserve(bytes.size() / 2);
  std::string application;
  bool applications_valid = true;
  const bool valid = wire::ForEachField(bytes, [&](const wire::Field& field) {
    if (field.number != Part::kApplicationsFieldNumber) {
      kept.append(field.whole);
      return;
    }
    application.clear();
    applications_valid &= wire::ForEachField(field.value, [&](const wire::Field& inner) {
      if (inner.number == Application::kInternFieldNumber ||
          inner.number == Application::kPurposeFieldNumber ||
          inner.number == Application::kContinuedFieldNumber) {
        application.append(inner.whole);
      }
    });
    wire::AppendField(kept, Part::kApplicationsFieldNumber, application);
  });
  Part part;
  if (!valid || !applications_valid || !part.ParseFromString(kept)) {
    return absl::DataLossError("a stored part of the round's copy is not readable");
  }
  Add(std::move(part));
  return absl::OkStatus();
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
