#include "registrar_events.h"

namespace ipraktik::registration {

absl::StatusOr<events::Envelope> MakeEvent(const Caller& caller, std::string_view type,
                                           const google::protobuf::Message& payload) {
  return events::BuildEnvelope(
      {.type = std::string(type), .tenant = caller.tenant, .correlation_id = caller.correlation_id},
      payload);
}

v1::PersonCard PersonCard(const v1::Participant& participant, const v1::Workplace* workplace) {
  v1::PersonCard card;
  card.set_participant_id(participant.participant_id());
  card.set_name(participant.name());
  card.set_email(participant.email());
  card.set_phone(participant.phone());
  card.set_job_title(participant.job_title());
  if (workplace != nullptr) {
    card.set_workplace_name(workplace->name());
    card.set_workplace_sector(workplace->sector());
  }
  card.set_language(participant.language());
  return card;
}

v1::HostOfferCard HostOfferCard(const v1::HostOffer& offer, const v1::Workplace* workplace,
                                const v1::Participant* contact,
                                const v1::Workplace* contact_workplace) {
  v1::HostOfferCard card;
  card.set_host_offer_id(offer.host_offer_id());
  card.set_title(offer.title());
  if (workplace != nullptr) {
    card.set_workplace_name(workplace->name());
    card.set_sector(workplace->sector());
  }
  card.set_description(offer.description());
  card.set_address(offer.address());
  card.set_municipality(offer.municipality());
  card.set_region(offer.region());
  if (contact != nullptr) *card.mutable_contact() = PersonCard(*contact, contact_workplace);
  return card;
}

v1::RoundCard RoundCard(const v1::Round& round) {
  v1::RoundCard card;
  card.set_programme_id(round.programme_id());
  card.set_round_id(round.round_id());
  card.set_name(round.name());
  *card.mutable_window_start() = round.window_start();
  *card.mutable_window_end() = round.window_end();
  return card;
}

}  // namespace ipraktik::registration
