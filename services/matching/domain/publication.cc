#include "publication.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/wire/wire.h"

namespace ipraktik::matching_service {
namespace {

using Days = std::vector<std::tuple<int, int, int>>;

Days DaysOf(const google::protobuf::RepeatedPtrField<v1::Date>& dates) {
  Days days;
  for (const v1::Date& d : dates) days.emplace_back(d.year(), d.month(), d.day());
  return days;
}

// The interns of an offer's list and their days: what decides whether a host hears again.
using Roster = std::map<std::string, Days>;

Roster RosterOf(const google::protobuf::RepeatedPtrField<v1::VisitingIntern>& list) {
  Roster roster;
  for (const v1::VisitingIntern& intern : list) {
    roster[intern.intern().participant_id()] = DaysOf(intern.days());
  }
  return roster;
}

// An intern on a host's new list, and who they are: their card is in the visit only as bytes
// (WithCard), which its fields do not show.
struct NewVisitor {
  std::string_view participant_id;
  v1::VisitingIntern visit;
};

// The intern's stored card put into their visit as it is: as a field the message does not
// parse (an unknown field, of the number of its intern card), which it serializes after its
// own fields, so that its bytes parse as the visit with the card. A copy of the bytes, not of
// a parsed card's every field.
void WithCard(v1::VisitingIntern& visit, const std::string& card) {
  visit.GetReflection()->MutableUnknownFields(&visit)->AddLengthDelimited(
      v1::VisitingIntern::kInternFieldNumber, card);
}

// A visitor as an erased person's visit is remembered: ids and days, nothing that names them.
v1::VisitingIntern Anonymous(const v1::VisitingIntern& visitor) {
  v1::VisitingIntern out;
  out.mutable_intern()->set_participant_id(visitor.intern().participant_id());
  *out.mutable_days() = visitor.days();
  out.set_placement_id(visitor.placement_id());
  return out;
}

// An intern's card by reference, not a copy (copying cards was a good part of a publication's
// time: docs/benchmarks.md, "National round"); an empty one for an intern the input does not
// know (erased since).
const InternCard& CardOf(const PublicationInput& input, const std::string& participant_id) {
  static const InternCard kUnknownIntern{};
  auto it = input.interns.find(participant_id);
  return it == input.interns.end() ? kUnknownIntern : it->second;
}

}  // namespace

EventPayloads::EventPayloads(const PublicationInput& input)
    : input_(input), round_(input.round.SerializeAsString()) {}

std::string EventPayloads::Of(const PublicationEvent& event) {
  // Both events carry the round and the intern at the same numbers.
  static_assert(static_cast<int>(v1::InternPlaced::kRoundFieldNumber) ==
                    static_cast<int>(v1::InternUnmatched::kRoundFieldNumber) &&
                static_cast<int>(v1::InternPlaced::kInternFieldNumber) ==
                    static_cast<int>(v1::InternUnmatched::kInternFieldNumber));
  const bool placed = event.type == contract::kInternPlaced;
  std::string out = placed ? event.placed.SerializeAsString() : event.unmatched.SerializeAsString();
  wire::AppendField(out, v1::InternPlaced::kRoundFieldNumber, round_);
  wire::AppendField(out, v1::InternPlaced::kInternFieldNumber,
                    CardOf(input_, event.participant_id).card);
  if (!placed) return out;
  const auto offer = input_.offers.find(event.host_offer_id);
  if (offer == input_.offers.end()) return out;
  auto [card, added] = offers_.try_emplace(event.host_offer_id);
  if (added) card->second = offer->second.SerializeAsString();
  wire::AppendField(out, v1::InternPlaced::kHostOfferFieldNumber, card->second);
  return out;
}

std::string PlacementId(const std::string& round_id, const std::string& participant_id) {
  return round_id + "/" + participant_id;
}

Publication ComparePublication(const PublicationInput& input) {
  Publication out;
  ComparePublication(input, out, [](std::span<PublicationChange>) {});
  return out;
}

void ComparePublication(const PublicationInput& input, Publication& out,
                        const ChangesReady& ready) {
  // At most one change per intern (placed, unmatched or told before), one per offer with a
  // placed intern (at most one per placement) and one per offer told before: the vector never
  // grows past this, so no change moves while a caller stores those handed over.
  out.changes.reserve(input.assignments.size() * 2 + input.unmatched.size() +
                      input.told_interns.size() + input.told_hosts.size());
  const auto add = [&](PublicationChange change) {
    out.changes.push_back(std::move(change));
    ready(std::span(out.changes));
  };
  const std::string& round_id = input.round.round_id();
  // Each offer's new list, built from the assignments.
  absl::flat_hash_map<std::string, std::vector<NewVisitor>> new_lists;

  const auto told = [&](const std::string& participant) -> const v1::Placement* {
    auto it = input.told_interns.find(participant);
    return it == input.told_interns.end() ? nullptr : &it->second;
  };
  for (const v1::MatchedPair& pair : input.assignments) {
    const std::string& participant = pair.participant_id();
    const InternCard& intern = CardOf(input, participant);
    const std::string placement_id = PlacementId(round_id, participant);
    NewVisitor visitor{.participant_id = participant, .visit = {}};
    WithCard(visitor.visit, intern.card);
    visitor.visit.set_purpose(intern.purpose);
    *visitor.visit.mutable_days() = pair.days();
    visitor.visit.set_placement_id(placement_id);
    new_lists[pair.host_offer_id()].push_back(std::move(visitor));
    ++out.placed;

    const v1::Placement* before = told(participant);
    const bool same = before != nullptr && before->host_offer_id() == pair.host_offer_id() &&
                      DaysOf(before->days()) == DaysOf(pair.days());
    if (same) continue;
    const bool moved = before != nullptr && !before->host_offer_id().empty();
    v1::Placement record;
    record.set_participant_id(participant);
    record.set_host_offer_id(pair.host_offer_id());
    *record.mutable_days() = pair.days();
    record.set_rank(pair.rank());
    record.set_placement_id(placement_id);
    record.set_revision(before == nullptr ? 1 : before->revision() + 1);
    record.set_job_id(input.job_id);
    PublicationEvent event{.type = contract::kInternPlaced,
                           .name = input.job_id + "/placed/" + participant,
                           .participant_id = participant,
                           .host_offer_id = pair.host_offer_id(),
                           .placed = {},
                           .unmatched = {}};
    v1::InternPlaced& placed = event.placed;
    placed.set_purpose(intern.purpose);
    *placed.mutable_days() = pair.days();
    placed.set_rank(pair.rank());
    placed.set_change(moved ? v1::PLACEMENT_CHANGE_MOVED : v1::PLACEMENT_CHANGE_NEW);
    placed.set_placement_id(placement_id);
    placed.set_revision(record.revision());
    add({.placement = std::move(record), .host_list = {}, .event = std::move(event)});
    ++out.notified;
  }

  for (const v1::UnmatchedIntern& unmatched : input.unmatched) {
    const std::string& participant = unmatched.participant_id();
    ++out.unplaced;
    const v1::Placement* before = told(participant);
    const bool had_place = before != nullptr && !before->host_offer_id().empty();
    // Told "no place" before and still without one: nothing new to say.
    if (before != nullptr && !had_place) continue;
    v1::Placement record;
    record.set_participant_id(participant);
    record.set_placement_id(PlacementId(round_id, participant));
    record.set_revision(before == nullptr ? 1 : before->revision() + 1);
    record.set_job_id(input.job_id);
    record.set_reason_code(unmatched.reason_code());

    PublicationEvent event{.type = contract::kInternUnmatched,
                           .name = input.job_id + "/unmatched/" + participant,
                           .participant_id = participant,
                           .host_offer_id = {},
                           .placed = {},
                           .unmatched = {}};
    v1::InternUnmatched& message = event.unmatched;
    message.set_reason_code(unmatched.reason_code());
    message.set_reason(unmatched.reason());
    message.set_placement_id(record.placement_id());
    message.set_revision(record.revision());
    message.set_placement_cancelled(had_place);
    if (had_place) *message.mutable_cancelled_days() = before->days();
    add({.placement = std::move(record), .host_list = {}, .event = std::move(event)});
    ++out.notified;
  }

  // Interns told before who are in neither list withdrew or were erased: they are not written
  // to, but their hosts lose them (below). Their record says so, so a later re-match knows.
  absl::flat_hash_set<std::string_view> present;
  if (!input.told_interns.empty()) {
    present.reserve(input.assignments.size() + input.unmatched.size());
    for (const auto& pair : input.assignments) present.insert(pair.participant_id());
    for (const auto& unmatched : input.unmatched) present.insert(unmatched.participant_id());
  }
  for (const auto& [participant, before] : input.told_interns) {
    if (present.contains(participant) || before.reason_code() == "withdrawn") continue;
    v1::Placement record;
    record.set_participant_id(participant);
    record.set_placement_id(before.placement_id());
    record.set_revision(before.revision() + 1);
    record.set_job_id(input.job_id);
    record.set_reason_code("withdrawn");
    add({.placement = std::move(record), .host_list = {}, .event = {}});
  }

  // Hosts: every offer that has interns now or had some before.
  std::set<std::string> offers;
  for (const auto& [offer, list] : new_lists) offers.insert(offer);
  for (const auto& [offer, message] : input.told_hosts) {
    if (!message.interns().empty()) offers.insert(offer);
  }
  for (const std::string& offer : offers) {
    const v1::HostInternsAssigned* before = nullptr;
    if (auto it = input.told_hosts.find(offer); it != input.told_hosts.end()) before = &it->second;
    google::protobuf::RepeatedPtrField<v1::VisitingIntern> now;
    Roster new_roster;
    for (NewVisitor& visitor : new_lists[offer]) {
      new_roster[std::string(visitor.participant_id)] = DaysOf(visitor.visit.days());
      *now.Add() = std::move(visitor.visit);
    }
    if (before != nullptr && RosterOf(before->interns()) == new_roster) continue;

    v1::HostInternsAssigned message;
    *message.mutable_round() = input.round;
    if (auto card_it = input.offers.find(offer); card_it != input.offers.end()) {
      *message.mutable_host_offer() = card_it->second;
    } else if (before != nullptr) {
      *message.mutable_host_offer() = before->host_offer();  // the offer was withdrawn
    } else {
      message.mutable_host_offer()->set_host_offer_id(offer);
    }
    message.mutable_interns()->Swap(&now);
    if (before != nullptr) {
      for (const v1::VisitingIntern& lost : before->interns()) {
        if (!new_roster.contains(lost.intern().participant_id())) *message.add_cancelled() = lost;
      }
    }
    message.set_revision(before == nullptr ? 1 : before->revision() + 1);
    PublicationEvent event{.type = contract::kHostInternsAssigned,
                           .name = input.job_id + "/host/" + offer,
                           .participant_id = {},
                           .host_offer_id = offer,
                           .placed = {},
                           .unmatched = {}};
    add({.placement = {}, .host_list = std::move(message), .event = std::move(event)});
    ++out.notified;
  }
}

std::size_t EventsPerMessage(std::size_t events, int most, int spread) {
  const auto most_size = static_cast<std::size_t>(std::max(most, 1));
  const auto spread_size = static_cast<std::size_t>(std::max(spread, 1));
  const std::size_t to_spread = (events + spread_size - 1) / spread_size;
  return std::clamp<std::size_t>(to_spread, 1, most_size);
}

std::vector<PublicationChange> EraseFromHostLists(
    const std::string& participant_id,
    const std::map<std::string, v1::HostInternsAssigned>& told_hosts) {
  std::vector<PublicationChange> changes;
  const auto is_erased = [&](const v1::VisitingIntern& visitor) {
    return visitor.intern().participant_id() == participant_id;
  };
  for (const auto& [offer, before] : told_hosts) {
    const bool listed = std::any_of(before.interns().begin(), before.interns().end(), is_erased);
    const bool mentioned =
        std::any_of(before.cancelled().begin(), before.cancelled().end(), is_erased);
    const bool contact = before.host_offer().contact().participant_id() == participant_id;
    if (!listed && !mentioned && !contact) continue;
    v1::HostInternsAssigned next = before;
    if (contact) {
      // The host's own contact person: the list no longer names them (there is nobody left to
      // tell; the registration service took them off the offer).
      next.mutable_host_offer()->clear_contact();
      next.mutable_host_offer()->mutable_contact()->set_participant_id(participant_id);
    }
    if (!listed) {
      // Only named in an earlier cancellation: that record forgets who it was, nobody is told.
      for (v1::VisitingIntern& visitor : *next.mutable_cancelled()) {
        if (is_erased(visitor)) visitor = Anonymous(visitor);
      }
      changes.push_back({.placement = {}, .host_list = std::move(next), .event = {}});
      continue;
    }
    next.clear_interns();
    next.clear_cancelled();
    for (const v1::VisitingIntern& visitor : before.interns()) {
      if (is_erased(visitor)) {
        *next.add_cancelled() = Anonymous(visitor);
      } else {
        *next.add_interns() = visitor;
      }
    }
    next.set_revision(before.revision() + 1);
    PublicationEvent event{
        .type = contract::kHostInternsAssigned,
        .name = absl::StrCat("erased/", participant_id, "/host/", offer, "/", next.revision()),
        .participant_id = {},
        .host_offer_id = offer,
        .placed = {},
        .unmatched = {}};
    changes.push_back({.placement = {}, .host_list = std::move(next), .event = std::move(event)});
  }
  return changes;
}

}  // namespace ipraktik::matching_service
