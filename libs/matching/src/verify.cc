// The verifier re-derives everything from the instance with its own, deliberately plain code
// (hash maps, no shared rule or flow code with the solver), so that a bug in the solver cannot
// hide itself by agreeing with itself. Arithmetic on prices is done in 128 bits because the
// certificate comes from outside.

#include "ipraktik/matching/verify.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "src/text.h"

namespace ipraktik::matching {
namespace {

__extension__ typedef __int128 Wide;  // NOLINT: 128 bits keep outside numbers exact

absl::Status Wrong(std::string_view what) {
  return absl::FailedPreconditionError(Cat("result rejected: ", what));
}

struct ValidWish {
  std::size_t host;
  std::uint32_t rank;
  bool cross;
};

}  // namespace

absl::Status Verify(const Instance& instance, const Result& result) {
  if (auto status = Validate(instance); !status.ok()) return status;
  const std::size_t interns = instance.interns.size(), hosts = instance.hosts.size();
  absl::flat_hash_map<std::string, std::size_t> host_by_id, intern_by_id;
  for (std::size_t h = 0; h < hosts; ++h) host_by_id[instance.hosts[h].id] = h;
  for (std::size_t i = 0; i < interns; ++i) intern_by_id[instance.interns[i].id] = i;
  absl::flat_hash_set<std::pair<std::size_t, std::size_t>> forbidden;
  for (const Pair& pair : instance.forbidden) {
    if (intern_by_id.contains(pair.intern) && host_by_id.contains(pair.host)) {
      forbidden.emplace(intern_by_id[pair.intern], host_by_id[pair.host]);
    }
  }

  // The rules: valid wishes (first occurrence of a host, not own organization, not forbidden).
  std::vector<std::vector<ValidWish>> valid(interns);
  std::vector<std::int64_t> wished_by(hosts, 0);
  std::vector<std::tuple<std::string, std::string, std::uint32_t, DropReason>> drops;
  std::uint32_t longest = 0;
  for (std::size_t i = 0; i < interns; ++i) {
    const Intern& intern = instance.interns[i];
    absl::flat_hash_set<std::size_t> seen;
    for (const Wish& wish : intern.wishes) {
      longest = std::max(longest, wish.rank);
      auto found = host_by_id.find(wish.host);
      if (found == host_by_id.end()) {
        drops.emplace_back(intern.id, wish.host, wish.rank, DropReason::kUnknownHost);
        continue;
      }
      const std::size_t h = found->second;
      if (!seen.insert(h).second) {
        drops.emplace_back(intern.id, wish.host, wish.rank, DropReason::kDuplicateWish);
      } else if (instance.hosts[h].organization == intern.organization) {
        drops.emplace_back(intern.id, wish.host, wish.rank, DropReason::kOwnOrganization);
      } else if (forbidden.contains(std::make_pair(i, h))) {
        drops.emplace_back(intern.id, wish.host, wish.rank, DropReason::kForbidden);
      } else {
        valid[i].push_back({h, wish.rank, instance.hosts[h].sector != intern.sector});
        ++wished_by[h];
      }
    }
  }
  std::sort(drops.begin(), drops.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
           std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
  });
  if (drops.size() != result.dropped_wishes.size()) {
    return Wrong(Cat("expected ", drops.size(), " dropped wishes, the result lists ",
                     result.dropped_wishes.size()));
  }
  for (std::size_t d = 0; d < drops.size(); ++d) {
    const DroppedWish& listed = result.dropped_wishes[d];
    const auto& [intern, host, rank, reason] = drops[d];
    if (listed.intern != intern || listed.host != host || listed.rank != rank ||
        listed.reason != reason) {
      return Wrong(Cat("dropped_wishes[", d, "] should be intern ", QuoteForMessage(intern),
                       " host ", QuoteForMessage(host), " rank ", rank, " (", ReasonCode(reason),
                       ")"));
    }
  }

  // Pins, in order.
  std::vector<std::int64_t> free_places(hosts);
  for (std::size_t h = 0; h < hosts; ++h) free_places[h] = instance.hosts[h].capacity;
  std::vector<std::size_t> pinned_to(interns, hosts);  // hosts = not pinned
  std::vector<RefusedPin> refused;
  for (const Pair& pin : instance.pinned) {
    auto refuse = [&](PinRefusal reason) { refused.push_back({pin.intern, pin.host, reason}); };
    if (!intern_by_id.contains(pin.intern)) {
      refuse(PinRefusal::kUnknownIntern);
      continue;
    }
    if (!host_by_id.contains(pin.host)) {
      refuse(PinRefusal::kUnknownHost);
      continue;
    }
    const std::size_t i = intern_by_id[pin.intern], h = host_by_id[pin.host];
    const bool wished = std::any_of(valid[i].begin(), valid[i].end(),
                                    [&](const ValidWish& w) { return w.host == h; });
    if (pinned_to[i] != hosts) {
      refuse(PinRefusal::kPinnedTwice);
    } else if (instance.hosts[h].organization == instance.interns[i].organization) {
      refuse(PinRefusal::kOwnOrganization);
    } else if (forbidden.contains(std::make_pair(i, h))) {
      refuse(PinRefusal::kForbidden);
    } else if (!wished) {
      refuse(PinRefusal::kNotWished);
    } else if (free_places[h] <= 0) {
      refuse(PinRefusal::kHostFull);
    } else {
      pinned_to[i] = h;
      --free_places[h];
    }
  }
  if (refused.size() != result.refused_pins.size()) {
    return Wrong(Cat("expected ", refused.size(), " refused pins, the result lists ",
                     result.refused_pins.size()));
  }
  for (std::size_t p = 0; p < refused.size(); ++p) {
    const RefusedPin& listed = result.refused_pins[p];
    if (listed.intern != refused[p].intern || listed.host != refused[p].host ||
        listed.reason != refused[p].reason) {
      return Wrong(Cat("refused_pins[", p, "] should be ", ReasonCode(refused[p].reason)));
    }
  }

  // Feasibility of the assignment.
  std::vector<std::size_t> placed_at(interns, hosts);
  std::vector<std::int64_t> load(hosts, 0), optimised_load(hosts, 0);
  Summary expected;
  expected.interns = static_cast<std::int64_t>(interns);
  expected.hosts = static_cast<std::int64_t>(hosts);
  expected.by_rank.assign(longest, 0);
  for (std::size_t a = 0; a < result.assignments.size(); ++a) {
    const Assignment& assignment = result.assignments[a];
    const std::string where =
        Cat("assignments[", a, "] (intern ", QuoteForMessage(assignment.intern), ")");
    if (a > 0 && !(result.assignments[a - 1].intern < assignment.intern)) {
      return Wrong(Cat(where, ": not in intern id order, or listed twice"));
    }
    auto intern_found = intern_by_id.find(assignment.intern);
    auto host_found = host_by_id.find(assignment.host);
    if (intern_found == intern_by_id.end()) return Wrong(Cat(where, ": unknown intern"));
    if (host_found == host_by_id.end()) return Wrong(Cat(where, ": unknown host"));
    const std::size_t i = intern_found->second, h = host_found->second;
    auto wish = std::find_if(valid[i].begin(), valid[i].end(),
                             [&](const ValidWish& w) { return w.host == h; });
    if (wish == valid[i].end()) return Wrong(Cat(where, ": not a valid wish"));
    if (wish->rank != assignment.rank) return Wrong(Cat(where, ": wrong rank"));
    if (wish->cross != assignment.cross_sector) {
      return Wrong(Cat(where, ": wrong cross_sector"));
    }
    const bool pinned = pinned_to[i] != hosts;
    if (pinned != assignment.pinned || (pinned && pinned_to[i] != h)) {
      return Wrong(Cat(where, ": does not follow the pins"));
    }
    placed_at[i] = h;
    if (++load[h] > instance.hosts[h].capacity) {
      return Wrong(
          Cat(where, ": host ", QuoteForMessage(assignment.host), " is over its capacity"));
    }
    if (!pinned) ++optimised_load[h];
    ++expected.matched;
    expected.pinned += pinned ? 1 : 0;
    expected.total_rank += wish->rank;
    expected.cross_sector += wish->cross ? 1 : 0;
    ++expected.by_rank[wish->rank - 1];
  }
  for (std::size_t i = 0; i < interns; ++i) {
    if (pinned_to[i] != hosts && placed_at[i] != pinned_to[i]) {
      return Wrong(Cat("pinned intern ", QuoteForMessage(instance.interns[i].id),
                       " is not placed with its pinned host"));
    }
  }

  // Unmatched: every other intern, in id order, with the right reason.
  std::size_t next_unmatched = 0;
  std::vector<std::size_t> order(interns);
  for (std::size_t i = 0; i < interns; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return instance.interns[a].id < instance.interns[b].id;
  });
  for (std::size_t i : order) {
    if (placed_at[i] != hosts) continue;
    const std::string& id = instance.interns[i].id;
    if (next_unmatched >= result.unmatched.size() ||
        result.unmatched[next_unmatched].intern != id) {
      return Wrong(Cat("intern ", QuoteForMessage(id),
                       " is neither placed nor listed as unmatched in order"));
    }
    const UnmatchedIntern& listed = result.unmatched[next_unmatched++];
    bool any_capacity = false;
    for (const ValidWish& wish : valid[i]) any_capacity |= instance.hosts[wish.host].capacity > 0;
    const UnmatchedReason reason = valid[i].empty() ? UnmatchedReason::kNoValidWish
                                   : any_capacity   ? UnmatchedReason::kAllWishedHostsFull
                                                    : UnmatchedReason::kNoCapacity;
    if (listed.reason != reason) {
      return Wrong(Cat("unmatched intern ", QuoteForMessage(id), " should have reason ",
                       ReasonCode(reason)));
    }
    if (listed.hosts.size() != valid[i].size()) {
      return Wrong(Cat("unmatched intern ", QuoteForMessage(id),
                       ": the wished hosts listed are not its valid wishes"));
    }
    for (const WishedHostLoad& load_listed : listed.hosts) {
      auto found = host_by_id.find(load_listed.host);
      if (found == host_by_id.end() ||
          std::none_of(valid[i].begin(), valid[i].end(),
                       [&](const ValidWish& w) { return w.host == found->second; }) ||
          load_listed.capacity != instance.hosts[found->second].capacity ||
          load_listed.wished_by != wished_by[found->second]) {
        return Wrong(Cat("unmatched intern ", QuoteForMessage(id), ": wrong figures for host ",
                         QuoteForMessage(load_listed.host)));
      }
    }
  }
  if (next_unmatched != result.unmatched.size()) {
    return Wrong("unmatched lists an intern that is placed, unknown or out of order");
  }

  // Demand report and summary.
  std::vector<HostDemand> demand;
  for (std::size_t h = 0; h < hosts; ++h) {
    if (wished_by[h] > instance.hosts[h].capacity) {
      demand.push_back({instance.hosts[h].id, wished_by[h], instance.hosts[h].capacity});
    }
  }
  std::sort(demand.begin(), demand.end(), [](const HostDemand& a, const HostDemand& b) {
    return std::make_tuple(-(a.wished_by - a.capacity), a.host) <
           std::make_tuple(-(b.wished_by - b.capacity), b.host);
  });
  if (demand.size() != result.demand.size()) return Wrong("the demand report is incomplete");
  for (std::size_t d = 0; d < demand.size(); ++d) {
    if (demand[d].host != result.demand[d].host ||
        demand[d].wished_by != result.demand[d].wished_by ||
        demand[d].capacity != result.demand[d].capacity) {
      return Wrong(Cat("demand[", d, "] should be host ", QuoteForMessage(demand[d].host)));
    }
  }
  const Summary& summary = result.summary;
  if (summary.interns != expected.interns || summary.hosts != expected.hosts ||
      summary.matched != expected.matched || summary.pinned != expected.pinned ||
      summary.total_rank != expected.total_rank || summary.cross_sector != expected.cross_sector ||
      summary.by_rank != expected.by_rank) {
    return Wrong(Cat("summary does not match the assignment (expected matched ", expected.matched,
                     ", total_rank ", expected.total_rank, ", cross_sector ", expected.cross_sector,
                     ")"));
  }

  // The certificate. Costs: rank * scale - cross, scale above the number of interns (so a
  // smaller total rank always outweighs any number of cross-sector placements).
  const Certificate& certificate = result.certificate;
  const std::int64_t scale = certificate.scale;
  if (scale < static_cast<std::int64_t>(interns) + 1) {
    return Wrong(Cat("certificate scale must be more than the number of interns"));
  }
  std::vector<Wide> price(hosts, 0);
  std::vector<bool> priced(hosts, false), cover(hosts, false);
  for (std::size_t p = 0; p < certificate.hosts.size(); ++p) {
    const HostPrice& entry = certificate.hosts[p];
    auto found = host_by_id.find(entry.host);
    if (found == host_by_id.end() || free_places[found->second] <= 0 || priced[found->second]) {
      return Wrong(Cat("certificate.hosts[", p, "]: unknown, repeated or without places"));
    }
    priced[found->second] = true;
    price[found->second] = entry.price;
    cover[found->second] = entry.cover;
  }
  for (std::size_t h = 0; h < hosts; ++h) {
    if (free_places[h] <= 0) continue;
    const std::string host = QuoteForMessage(instance.hosts[h].id);
    if (!priced[h]) return Wrong(Cat("certificate has no price for host ", host));
    if (price[h] > 0 && optimised_load[h] != free_places[h]) {
      return Wrong(Cat("host ", host, " has a positive price but is not full"));
    }
    if (price[h] < 0 && optimised_load[h] != 0) {
      return Wrong(Cat("host ", host, " has a negative price but is not empty"));
    }
  }
  const Wide threshold = certificate.threshold;
  Wide cover_weight = 0;
  std::int64_t optimised_placed = 0;
  for (std::size_t h = 0; h < hosts; ++h) {
    if (cover[h]) cover_weight += free_places[h];
  }
  for (std::size_t i = 0; i < interns; ++i) {
    if (pinned_to[i] != hosts) continue;
    const std::string intern = QuoteForMessage(instance.interns[i].id);
    bool usable = false, outside_cover = false;
    Wide best = 0, own = 0;
    for (const ValidWish& wish : valid[i]) {
      if (free_places[wish.host] <= 0) continue;
      const Wide cost = Wide{wish.rank} * scale - (wish.cross ? 1 : 0) + price[wish.host];
      best = usable ? std::min(best, cost) : cost;
      usable = true;
      outside_cover |= !cover[wish.host];
      if (placed_at[i] == wish.host) own = cost;
    }
    if (outside_cover) ++cover_weight;
    if (placed_at[i] != hosts) {
      ++optimised_placed;
      if (own != best) {
        return Wrong(Cat("intern ", intern,
                         " is not placed with a cheapest host at the certificate's prices"));
      }
      if (best > threshold) {
        return Wrong(Cat("intern ", intern, " is placed above the threshold"));
      }
    } else if (usable && best < threshold) {
      return Wrong(Cat("unplaced intern ", intern, " has a wished host below the threshold"));
    }
  }
  if (cover_weight != optimised_placed) {
    return Wrong(Cat("the cover does not prove the number placed (cover weight ",
                     static_cast<std::int64_t>(cover_weight), ", placed ", optimised_placed, ")"));
  }
  return absl::OkStatus();
}

}  // namespace ipraktik::matching
