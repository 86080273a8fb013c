#include "round_builder.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ipraktik/model_proto/model_proto.h"

namespace ipraktik::matching_worker {
namespace {

constexpr model::Date kEpoch{std::chrono::year(1970), std::chrono::January, std::chrono::day(1)};

// The engine has a Sector of its own, without "unspecified": every workplace it matches has a
// sector (docs/decisions.md says why it does not use libs/model's).
absl::StatusOr<matching::Sector> ToSector(v1::Sector sector) {
  switch (model::FromProto(sector)) {
    case model::Sector::kMunicipal:
      return matching::Sector::kMunicipal;
    case model::Sector::kRegional:
      return matching::Sector::kRegional;
    case model::Sector::kState:
      return matching::Sector::kState;
    case model::Sector::kPrivate:
      return matching::Sector::kPrivate;
    case model::Sector::kUnspecified:
      break;
  }
  return absl::DataLossError(absl::StrCat("sector ", static_cast<int>(sector), " is unknown"));
}

bool Disjoint(const DaySet& a, const DaySet& b) {
  return !a.empty() && !b.empty() && PlacementDays(a, b).empty();
}

}  // namespace

std::string PairKey(const std::string& intern, const std::string& host) {
  return absl::StrCat(intern, "|", host);
}

DaySet ToDaySet(const google::protobuf::RepeatedPtrField<v1::Date>& dates) {
  DaySet days;
  days.reserve(dates.size());
  for (const v1::Date& date : dates)
    days.push_back(model::DaysBetween(kEpoch, model::FromProto(date)));
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}

v1::Date ToDate(std::int32_t day) { return model::ToProto(model::AddDays(kEpoch, day)); }

DaySet PlacementDays(const DaySet& intern, const DaySet& offer) {
  if (intern.empty()) return offer;
  if (offer.empty()) return intern;
  DaySet common;
  std::set_intersection(intern.begin(), intern.end(), offer.begin(), offer.end(),
                        std::back_inserter(common));
  return common;
}

RoundBuilder::RoundBuilder(v1::MatchingJobInput input) : input_(std::move(input)) {
  for (const std::string& participant : input_.withdrawn_participant_ids()) {
    withdrawn_.insert(participant);
  }
  round_.instance.round = input_.round_id();
}

absl::Status RoundBuilder::Add(const v1::ExportRoundSnapshotResponse& part) {
  ++part_;
  const auto fail = [&](const std::string& what) {
    return absl::DataLossError(absl::StrCat("snapshot part ", part_, ": ", what));
  };
  if (part.has_header()) {
    if (stage_ != Stage::kHeader) return fail("a second header");
    round_.round = part.header().round();
    round_.revision = part.header().revision();
    stage_ = Stage::kOffers;
    return absl::OkStatus();
  }
  if (stage_ == Stage::kHeader) return fail("the snapshot does not start with its header");
  if (stage_ == Stage::kDone) return fail("a part after the trailer");
  if (!part.host_offers().empty()) {
    if (stage_ != Stage::kOffers) return fail("host offers after the applications");
    for (const v1::SnapshotHostOffer& offer : part.host_offers()) {
      if (absl::Status status = AddOffer(offer); !status.ok())
        return fail(std::string(status.message()));
    }
    return absl::OkStatus();
  }
  if (!part.applications().empty()) {
    stage_ = Stage::kApplications;
    for (const v1::SnapshotApplication& application : part.applications()) {
      if (absl::Status status = AddApplication(application); !status.ok()) {
        return fail(std::string(status.message()));
      }
    }
    return absl::OkStatus();
  }
  if (part.has_trailer()) {
    const v1::RoundSnapshotTrailer& trailer = part.trailer();
    if (trailer.host_offer_count() != static_cast<std::int64_t>(round_.instance.hosts.size()) ||
        trailer.application_count() != applications_seen_) {
      return fail(absl::StrCat("the trailer counts ", trailer.host_offer_count(), " offers and ",
                               trailer.application_count(), " applications, the parts held ",
                               round_.instance.hosts.size(), " and ", applications_seen_));
    }
    stage_ = Stage::kDone;
    return absl::OkStatus();
  }
  return fail("an empty part");
}

absl::Status RoundBuilder::AddOffer(const v1::SnapshotHostOffer& offer) {
  auto sector = ToSector(offer.sector());
  if (!sector.ok()) {
    return absl::DataLossError(
        absl::StrCat("host offer ", offer.host_offer_id(), ": ", sector.status().message()));
  }
  const auto index = static_cast<std::uint32_t>(round_.instance.hosts.size());
  round_.instance.hosts.push_back({.id = offer.host_offer_id(),
                                   .organization = offer.workplace_id(),
                                   .sector = *sector,
                                   .region = offer.region(),
                                   .capacity = offer.capacity()});
  round_.host_days.push_back(ToDaySet(offer.days()));
  round_.host_index.emplace(offer.host_offer_id(), index);
  const std::string& contact = offer.card().contact().participant_id();
  if (!contact.empty()) offers_by_contact_[contact].push_back(index);
  return absl::OkStatus();
}

absl::Status RoundBuilder::AddApplication(const v1::SnapshotApplication& application) {
  if (application.continued()) {
    if (application.application_id() != last_application_id_) {
      return absl::DataLossError(absl::StrCat(
          "continued application ", application.application_id(), " does not follow its start"));
    }
    if (last_intern_ >= 0) AddWishes(application);
    return absl::OkStatus();
  }
  ++applications_seen_;
  last_application_id_ = application.application_id();
  last_intern_ = -1;
  const std::string& participant = application.intern().participant_id();
  if (withdrawn_.contains(participant)) return absl::OkStatus();
  auto sector = ToSector(application.sector());
  if (!sector.ok()) {
    return absl::DataLossError(absl::StrCat("application ", application.application_id(), ": ",
                                            sector.status().message()));
  }
  last_intern_ = static_cast<std::int64_t>(round_.instance.interns.size());
  round_.instance.interns.push_back({.id = participant,
                                     .organization = application.workplace_id(),
                                     .sector = *sector,
                                     .region = application.region(),
                                     .wishes = {}});
  round_.intern_days.push_back(ToDaySet(application.available_days()));
  round_.intern_index.emplace(participant, static_cast<std::uint32_t>(last_intern_));
  if (!application.swap_with_participant_id().empty()) {
    swap_requests_.emplace_back(static_cast<std::uint32_t>(last_intern_),
                                application.swap_with_participant_id());
  }
  AddWishes(application);
  return absl::OkStatus();
}

void RoundBuilder::AddWishes(const v1::SnapshotApplication& application) {
  matching::Intern& intern = round_.instance.interns[static_cast<std::size_t>(last_intern_)];
  const DaySet& days = round_.intern_days[static_cast<std::size_t>(last_intern_)];
  for (const v1::SnapshotWish& wish : application.wishes()) {
    const auto rank = static_cast<std::uint32_t>(wish.rank());
    for (const std::string& host : wish.host_offer_ids()) {
      auto known = round_.host_index.find(host);
      if (known != round_.host_index.end() && Disjoint(days, round_.host_days[known->second])) {
        round_.day_drops.push_back({.intern = intern.id, .host = host, .rank = rank});
        continue;
      }
      // An unknown offer goes to the engine, which drops and reports it.
      intern.wishes.push_back({.host = host, .rank = rank});
    }
  }
}

void RoundBuilder::AddPins() {
  matching::Instance& instance = round_.instance;
  std::unordered_set<std::string> pinned_interns;
  std::unordered_set<std::string> forbidden;
  const auto pin = [&](const std::string& intern, const std::string& host, PinOrigin origin) {
    instance.pinned.push_back({.intern = intern, .host = host});
    round_.pin_origins.push_back(origin);
    pinned_interns.insert(intern);
  };

  for (const v1::PairRule& rule : input_.rules()) {
    if (rule.kind() == v1::PAIR_RULE_KIND_FORBID) {
      instance.forbidden.push_back({.intern = rule.participant_id(), .host = rule.host_offer_id()});
      forbidden.insert(PairKey(rule.participant_id(), rule.host_offer_id()));
      if (rule.host_declined()) {
        round_.declined_pairs.insert(PairKey(rule.participant_id(), rule.host_offer_id()));
        round_.declined_interns.insert(rule.participant_id());
      }
    }
  }
  // Coordinator pins first: the engine refuses a second pin of an intern, so they win.
  for (const v1::PairRule& rule : input_.rules()) {
    if (rule.kind() == v1::PAIR_RULE_KIND_PIN) {
      pin(rule.participant_id(), rule.host_offer_id(), PinOrigin::kCoordinator);
    }
  }
  // A published placement still stands when the intern and the offer are still in the round and
  // the pair is not forbidden (a host declined); the engine refuses it when it no longer fits
  // (the wish is gone, the offer shrank), and that intern is matched afresh.
  for (const v1::Placement& placement : input_.published()) {
    const std::string& intern = placement.participant_id();
    const std::string& host = placement.host_offer_id();
    if (host.empty() || pinned_interns.contains(intern) || !round_.intern_index.contains(intern) ||
        !round_.host_index.contains(host) || forbidden.contains(PairKey(intern, host))) {
      continue;
    }
    pin(intern, host, PinOrigin::kKept);
  }
  // Mutual swap requests: each goes to an offer the other is the contact of.
  const auto swap_offer = [&](std::uint32_t intern,
                              const std::string& contact) -> std::optional<std::uint32_t> {
    auto offers = offers_by_contact_.find(contact);
    if (offers == offers_by_contact_.end()) return std::nullopt;
    for (std::uint32_t host : offers->second) {
      const matching::Host& offer = instance.hosts[host];
      if (offer.capacity >= 1 && offer.organization != instance.interns[intern].organization &&
          !Disjoint(round_.intern_days[intern], round_.host_days[host]) &&
          !forbidden.contains(PairKey(instance.interns[intern].id, offer.id))) {
        return host;
      }
    }
    return std::nullopt;
  };
  std::unordered_map<std::string, std::string> asked;
  for (const auto& [intern, partner] : swap_requests_) asked[instance.interns[intern].id] = partner;
  for (const auto& [a, b_id] : swap_requests_) {
    const std::string a_id = instance.interns[a].id;
    auto b = round_.intern_index.find(b_id);
    auto back = asked.find(b_id);
    if (a_id >= b_id || b == round_.intern_index.end() || back == asked.end() ||
        back->second != a_id || pinned_interns.contains(a_id) || pinned_interns.contains(b_id)) {
      continue;
    }
    const auto a_goes_to = swap_offer(a, b_id);
    const auto b_goes_to = swap_offer(b->second, a_id);
    if (!a_goes_to || !b_goes_to) continue;
    for (auto [intern, host] : {std::pair{a, *a_goes_to}, std::pair{b->second, *b_goes_to}}) {
      matching::Intern& person = instance.interns[intern];
      const std::string& offer = instance.hosts[host].id;
      const bool wished = std::any_of(person.wishes.begin(), person.wishes.end(),
                                      [&](const matching::Wish& w) { return w.host == offer; });
      // A mutual swap request is the strongest wish there is.
      if (!wished) person.wishes.insert(person.wishes.begin(), {.host = offer, .rank = 1});
      pin(person.id, offer, PinOrigin::kSwap);
    }
    ++round_.swap_pairs;
  }
}

absl::StatusOr<PreparedRound> RoundBuilder::Finish() && {
  if (stage_ != Stage::kDone) {
    return absl::DataLossError(
        absl::StrCat("the snapshot ended after ", part_, " parts without its trailer"));
  }
  AddPins();
  return std::move(round_);
}

}  // namespace ipraktik::matching_worker
