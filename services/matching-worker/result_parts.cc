#include "result_parts.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "ipraktik/contract/unmatched_reasons.h"

namespace ipraktik::matching_worker {
namespace {

constexpr std::string_view kNoCommonDay = "no_common_day";
constexpr std::string_view kNoCommonDayText = "the intern and the host have no day in common";
// A forbidden pair that is a host's decline, not a coordinator's rule.
constexpr std::string_view kHostDeclined = "host_declined";
constexpr std::string_view kHostDeclinedText = "the host declined the intern";

// One dropped wish, the engine's or for want of a common day.
struct Drop {
  const std::string* intern;
  const std::string* host;
  std::uint32_t rank;
  std::string_view code;
  std::string_view text;
};

// The engine's drops (a declined pair relabelled) and the day drops, by intern, host and rank
// as the engine orders its own.
std::vector<Drop> AllDrops(const matching::Result& result, const PreparedRound& round) {
  std::vector<Drop> drops;
  drops.reserve(result.dropped_wishes.size() + round.day_drops.size());
  for (const matching::DroppedWish& d : result.dropped_wishes) {
    if (d.reason == matching::DropReason::kForbidden &&
        round.declined_pairs.contains(PairKey(d.intern, d.host))) {
      drops.push_back({&d.intern, &d.host, d.rank, kHostDeclined, kHostDeclinedText});
      continue;
    }
    drops.push_back({&d.intern, &d.host, d.rank, matching::ReasonCode(d.reason),
                     matching::ReasonText(d.reason)});
  }
  for (const DayDrop& d : round.day_drops) {
    drops.push_back({&d.intern, &d.host, d.rank, kNoCommonDay, kNoCommonDayText});
  }
  std::sort(drops.begin(), drops.end(), [](const Drop& x, const Drop& y) {
    return std::tie(*x.intern, *x.host, x.rank) < std::tie(*y.intern, *y.host, y.rank);
  });
  return drops;
}

// Why an intern has no place, in the words the e-mail can be true to: the engine knows only
// "nothing left of the wishes", the drops say what removed them.
contract::UnmatchedReason ReasonFor(const matching::UnmatchedIntern& unmatched,
                                    const std::set<std::string_view>& drop_codes,
                                    const PreparedRound& round) {
  using contract::UnmatchedReason;
  // After a decline the other hosts were filled by the placements the re-match kept, not by
  // interns who wished for them more: the decline is what the intern needs to hear.
  if (round.declined_interns.contains(unmatched.intern)) return UnmatchedReason::kHostDeclined;
  switch (unmatched.reason) {
    case matching::UnmatchedReason::kAllWishedHostsFull:
      return UnmatchedReason::kAllWishedHostsFull;
    case matching::UnmatchedReason::kNoCapacity:
      return UnmatchedReason::kNoCapacity;
    case matching::UnmatchedReason::kNoValidWish:
      break;
  }
  std::set<std::string_view> codes = drop_codes;
  // A duplicate wish names a host the intern also wished for elsewhere: it removes no host.
  codes.erase(matching::ReasonCode(matching::DropReason::kDuplicateWish));
  if (codes.empty()) return UnmatchedReason::kNoWishes;
  if (codes.size() > 1) return UnmatchedReason::kNoValidWish;
  const std::string_view only = *codes.begin();
  if (only == kNoCommonDay) return UnmatchedReason::kNoCommonDay;
  if (only == kHostDeclined) return UnmatchedReason::kHostDeclined;
  if (only == matching::ReasonCode(matching::DropReason::kUnknownHost)) {
    return UnmatchedReason::kWishedHostsGone;
  }
  if (only == matching::ReasonCode(matching::DropReason::kOwnOrganization)) {
    return UnmatchedReason::kOwnWorkplace;
  }
  if (only == matching::ReasonCode(matching::DropReason::kForbidden)) {
    return UnmatchedReason::kRuledOut;
  }
  return UnmatchedReason::kNoValidWish;
}

// How each placed pin came about, by intern, for the pins that were honoured.
std::unordered_map<std::string_view, PinOrigin> PinOrigins(const PreparedRound& round) {
  std::unordered_map<std::string_view, PinOrigin> origins;
  for (std::size_t i = 0; i < round.instance.pinned.size(); ++i) {
    origins.emplace(round.instance.pinned[i].intern, round.pin_origins[i]);
  }
  return origins;
}

// Fills parts of one list kind: `add` appends item i to the part being built.
template <typename Add>
absl::Status EmitList(std::size_t count, int items_per_part, const PartSink& sink, Add add) {
  v1::GetMatchingResultResponse part;
  int in_part = 0;
  for (std::size_t i = 0; i < count; ++i) {
    add(part, i);
    if (++in_part == items_per_part) {
      if (absl::Status status = sink(part); !status.ok()) return status;
      part.Clear();
      in_part = 0;
    }
  }
  if (in_part > 0) return sink(part);
  return absl::OkStatus();
}

}  // namespace

v1::MatchingSummary Summarize(const matching::Result& result, const PreparedRound& round) {
  const matching::Summary& engine = result.summary;
  v1::MatchingSummary summary;
  summary.set_interns(engine.interns);
  summary.set_host_offers(engine.hosts);
  summary.set_matched(engine.matched);
  summary.set_unmatched(static_cast<std::int64_t>(result.unmatched.size()));
  summary.set_pinned(engine.pinned);
  summary.set_total_rank(engine.total_rank);
  summary.set_cross_sector(engine.cross_sector);
  summary.set_cross_sector_share(engine.matched == 0 ? 0.0
                                                     : static_cast<double>(engine.cross_sector) /
                                                           static_cast<double>(engine.matched));
  for (std::int64_t placed : engine.by_rank) summary.add_by_rank(placed);
  summary.set_dropped_wishes(
      static_cast<std::int64_t>(result.dropped_wishes.size() + round.day_drops.size()));
  summary.set_refused_pins(static_cast<std::int64_t>(result.refused_pins.size()));
  summary.set_solve_ms(engine.solve_ms);
  const auto origins = PinOrigins(round);
  std::int64_t kept = 0;
  std::int64_t swapped = 0;
  std::int64_t coordinator = 0;
  for (const matching::Assignment& assignment : result.assignments) {
    if (!assignment.pinned) continue;
    auto origin = origins.find(assignment.intern);
    if (origin == origins.end()) continue;
    kept += origin->second == PinOrigin::kKept;
    coordinator += origin->second == PinOrigin::kCoordinator;
    swapped += origin->second == PinOrigin::kSwap;
  }
  summary.set_kept(kept);
  summary.set_coordinator_pins(coordinator);
  summary.set_swaps(swapped / 2);
  return summary;
}

absl::Status EmitResultParts(const matching::Result& result, const PreparedRound& round,
                             const v1::MatchingSummary& summary, int items_per_part,
                             const PartSink& sink) {
  items_per_part = std::max(items_per_part, 1);
  {
    v1::GetMatchingResultResponse first;
    *first.mutable_summary() = summary;
    if (absl::Status status = sink(first); !status.ok()) return status;
  }
  const auto origins = PinOrigins(round);
  absl::Status status =
      EmitList(result.assignments.size(), items_per_part, sink,
               [&](v1::GetMatchingResultResponse& part, std::size_t i) {
                 const matching::Assignment& a = result.assignments[i];
                 v1::MatchedPair* pair = part.add_assignments();
                 pair->set_participant_id(a.intern);
                 pair->set_host_offer_id(a.host);
                 pair->set_rank(static_cast<std::int32_t>(a.rank));
                 pair->set_cross_sector(a.cross_sector);
                 pair->set_pinned(a.pinned);
                 if (a.pinned) {
                   auto origin = origins.find(a.intern);
                   if (origin != origins.end()) {
                     pair->set_kept(origin->second == PinOrigin::kKept);
                     pair->set_swap(origin->second == PinOrigin::kSwap);
                   }
                 }
                 const DaySet& intern_days = round.intern_days[round.intern_index.at(a.intern)];
                 const DaySet& host_days = round.host_days[round.host_index.at(a.host)];
                 for (std::int32_t day : PlacementDays(intern_days, host_days)) {
                   *pair->add_days() = ToDate(day);
                 }
               });
  if (!status.ok()) return status;

  const std::vector<Drop> drops = AllDrops(result, round);
  std::unordered_map<std::string_view, std::set<std::string_view>> drop_codes;
  for (const Drop& drop : drops) drop_codes[*drop.intern].insert(drop.code);
  const std::set<std::string_view> none;
  status = EmitList(result.unmatched.size(), items_per_part, sink,
                    [&](v1::GetMatchingResultResponse& part, std::size_t i) {
                      const matching::UnmatchedIntern& u = result.unmatched[i];
                      auto codes = drop_codes.find(u.intern);
                      const contract::UnmatchedReason reason =
                          ReasonFor(u, codes == drop_codes.end() ? none : codes->second, round);
                      v1::UnmatchedIntern* out = part.add_unmatched();
                      out->set_participant_id(u.intern);
                      out->set_reason_code(std::string(contract::UnmatchedReasonCode(reason)));
                      out->set_reason(std::string(contract::UnmatchedReasonText(reason)));
                      for (const matching::WishedHostLoad& load : u.hosts) {
                        v1::WishedHostLoad* host = out->add_hosts();
                        host->set_host_offer_id(load.host);
                        host->set_capacity(load.capacity);
                        host->set_wished_by(load.wished_by);
                      }
                    });
  if (!status.ok()) return status;

  status = EmitList(drops.size(), items_per_part, sink,
                    [&](v1::GetMatchingResultResponse& part, std::size_t i) {
                      v1::DroppedWish* out = part.add_dropped_wishes();
                      out->set_participant_id(*drops[i].intern);
                      out->set_host_offer_id(*drops[i].host);
                      out->set_rank(static_cast<std::int32_t>(drops[i].rank));
                      out->set_reason_code(std::string(drops[i].code));
                      out->set_reason(std::string(drops[i].text));
                    });
  if (!status.ok()) return status;

  status = EmitList(result.refused_pins.size(), items_per_part, sink,
                    [&](v1::GetMatchingResultResponse& part, std::size_t i) {
                      const matching::RefusedPin& r = result.refused_pins[i];
                      v1::RefusedPin* out = part.add_refused_pins();
                      out->set_participant_id(r.intern);
                      out->set_host_offer_id(r.host);
                      out->set_reason_code(std::string(matching::ReasonCode(r.reason)));
                      out->set_reason(std::string(matching::ReasonText(r.reason)));
                    });
  if (!status.ok()) return status;

  return EmitList(result.demand.size(), items_per_part, sink,
                  [&](v1::GetMatchingResultResponse& part, std::size_t i) {
                    v1::HostDemand* out = part.add_demand();
                    out->set_host_offer_id(result.demand[i].host);
                    out->set_wished_by(result.demand[i].wished_by);
                    out->set_capacity(result.demand[i].capacity);
                  });
}

}  // namespace ipraktik::matching_worker
