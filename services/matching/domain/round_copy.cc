#include "round_copy.h"

#include <utility>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "ipraktik/text/text.h"
#include "ipraktik/wire/wire.h"

namespace ipraktik::matching_service {
namespace {

// A string field of a person's card (protobuf refuses a card whose text is not UTF-8), as the
// card's own descriptor says, so that a field added to the card is checked too. The numbers are
// read from it once: looking each field up was 1.5 % of a publication's count.
bool IsTextField(int number) {
  static const std::vector<bool> kText = [] {
    const google::protobuf::Descriptor& card = *v1::PersonCard::descriptor();
    std::vector<bool> text;
    for (int i = 0; i < card.field_count(); ++i) {
      const google::protobuf::FieldDescriptor& field = *card.field(i);
      if (field.type() != google::protobuf::FieldDescriptor::TYPE_STRING) continue;
      if (text.size() <= static_cast<std::size_t>(field.number())) text.resize(field.number() + 1);
      text[static_cast<std::size_t>(field.number())] = true;
    }
    return text;
  }();
  return number > 0 && static_cast<std::size_t>(number) < kText.size() &&
         kText[static_cast<std::size_t>(number)];
}

}  // namespace

void RoundCopy::Add(v1::ExportRoundSnapshotResponse&& part) {
  if (part.has_header()) round = std::move(*part.mutable_header()->mutable_round());
  for (auto& offer : *part.mutable_host_offers()) {
    offers[offer.host_offer_id()] = {.card = std::move(*offer.mutable_card()),
                                     .capacity = offer.capacity()};
  }
  for (auto& application : *part.mutable_applications()) {
    if (application.continued()) continue;
    InternCard& intern = interns[application.intern().participant_id()];
    intern.card = application.intern().SerializeAsString();
    intern.purpose = std::move(*application.mutable_purpose());
    intern.has_email = !application.intern().email().empty();
  }
  if (part.has_trailer()) {
    applications = part.trailer().application_count();
    awaiting_approval = part.trailer().applications_awaiting_approval();
    rejected = part.trailer().applications_rejected();
  }
}

absl::Status RoundCopy::AddStored(std::string_view bytes) {
  using Part = v1::ExportRoundSnapshotResponse;
  // The applications are read field by field, each intern's card parsed straight into the copy,
  // and the rest of the part (its header, offers and trailer) is parsed as the message.
  std::string rest;
  bool applications_valid = true;
  wire::FieldReader reader(bytes);
  for (wire::Field field; applications_valid && reader.Next(field);) {
    if (field.number == Part::kApplicationsFieldNumber) {
      applications_valid = AddStoredApplication(field.value);
    } else {
      rest.append(field.whole);
    }
  }
  Part part;
  if (!reader.valid() || !applications_valid || !part.ParseFromString(rest)) {
    return absl::DataLossError("a stored part of the round's copy is not readable");
  }
  Add(std::move(part));
  return absl::OkStatus();
}

bool RoundCopy::AddStoredApplication(std::string_view bytes) {
  using Application = v1::SnapshotApplication;
  // What the copy keeps of an application: its intern's card and purpose, not its wishes, days
  // and workplace (most of the part). The purpose is taken as stored: the copy was serialized
  // from an export protobuf had parsed, and checked, and every consumer parses it again.
  std::string_view card;  // the intern's card as stored
  std::string pieces;     // the card's pieces joined, should it be stored in several (they merge)
  std::string_view purpose;
  std::string continued;  // the field as stored: only a continuation has one
  wire::FieldReader reader(bytes);
  for (wire::Field field; reader.Next(field);) {
    switch (field.number) {
      case Application::kInternFieldNumber:
        if (card.data() == nullptr) {
          card = field.value;
        } else {
          if (pieces.empty()) pieces = card;
          pieces.append(field.value);
          card = pieces;
        }
        break;
      case Application::kPurposeFieldNumber:
        purpose = field.value;
        break;
      case Application::kContinuedFieldNumber:
        continued.append(field.whole);
        break;
      default:
        break;
    }
  }
  if (!reader.valid()) return false;
  if (!continued.empty()) {
    Application flag;
    if (!flag.ParseFromString(continued)) return false;
    if (flag.continued()) return true;  // its intern came with an earlier part
  }
  // The card is kept as stored, not parsed: its id and whether it has an address are read (the
  // last occurrence of a field being its value, as for a parser) and its text is checked as
  // parsing it would check it.
  std::string_view participant_id;
  bool has_email = false;
  wire::FieldReader card_reader(card);
  for (wire::Field field; card_reader.Next(field);) {
    if (field.number == v1::PersonCard::kParticipantIdFieldNumber) participant_id = field.value;
    if (field.number == v1::PersonCard::kEmailFieldNumber) has_email = !field.value.empty();
    if (IsTextField(field.number) && text::FirstInvalidUtf8(field.value)) return false;
  }
  if (!card_reader.valid()) return false;
  InternCard& intern = interns[std::string(participant_id)];
  intern.card = std::string(card);
  intern.purpose = std::string(purpose);
  intern.has_email = has_email;
  return true;
}

v1::PersonCard InternCard::Person() const {
  v1::PersonCard person;
  // Checked when the copy was read: a card that is no card was refused then.
  (void)person.ParseFromString(card);
  return person;
}

v1::InternLabel RoundCopy::InternLabelOf(const std::string& participant_id) const {
  v1::InternLabel label;
  auto it = interns.find(participant_id);
  if (it == interns.end()) return label;
  const v1::PersonCard person = it->second.Person();
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
