#include "ipraktik/matching/solver.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "src/flow.h"
#include "src/id_table.h"
#include "src/text.h"

namespace ipraktik::matching {
namespace {

// The round on indices, with the rules applied (docs/matching.md).
struct Round {
  std::uint32_t interns = 0;
  std::uint32_t hosts = 0;
  std::int64_t scale = 1;
  std::uint32_t longest_list = 0;  // the largest rank anywhere: the length of by_rank
  // Valid wishes per intern, cheapest first (by rank, cross-sector first within a rank).
  std::vector<std::uint32_t> offsets;
  std::vector<std::uint32_t> host;
  std::vector<std::uint32_t> key;          // rank << 1 | cross
  std::vector<std::int64_t> wished_by;     // per host, valid wishes
  std::vector<std::int64_t> free_places;   // per host, capacity minus accepted pins
  std::vector<std::uint32_t> pinned_edge;  // per intern, kNone or the valid wish it is pinned to
  struct Drop {
    std::uint32_t intern;
    std::uint32_t wish;  // index in the intern's wishes
    DropReason reason;
  };
  std::vector<Drop> drops;
  std::vector<RefusedPin> refused_pins;
};

std::uint32_t Key(std::uint32_t rank, bool cross) { return rank << 1 | (cross ? 1u : 0u); }

absl::StatusOr<Round> ApplyRules(const Instance& instance) {
  Round round;
  if (instance.interns.size() >= kNone / 2 || instance.hosts.size() >= kNone / 2) {
    return absl::InvalidArgumentError("input: too many interns or hosts for one round");
  }
  round.interns = static_cast<std::uint32_t>(instance.interns.size());
  round.hosts = static_cast<std::uint32_t>(instance.hosts.size());
  round.scale = static_cast<std::int64_t>(round.interns) + 1;

  const IdTable host_index(round.hosts,
                           [&](std::size_t h) -> std::string_view { return instance.hosts[h].id; });
  std::optional<IdTable> intern_index;
  if (!instance.pinned.empty() || !instance.forbidden.empty()) {
    intern_index.emplace(round.interns,
                         [&](std::size_t i) -> std::string_view { return instance.interns[i].id; });
  }
  static_assert(IdTable::kMissing == kNone, "an id not found is an index that is none");
  // Organisations as numbers (the first host of each), so that the own-organisation rule
  // compares numbers per wish.
  const IdTable organization_index(round.hosts, [&](std::size_t h) -> std::string_view {
    return instance.hosts[h].organization;
  });
  // What each wish needs of its host, packed: one cache line fetch per wish instead of three.
  struct HostFacts {
    std::uint32_t organization;
    std::uint32_t last_wisher;  // the last intern whose wish for the host was seen
    Sector sector;
  };
  std::vector<HostFacts> host_facts(round.hosts);
  for (std::uint32_t h = 0; h < round.hosts; ++h) {
    host_facts[h] = {organization_index.Find(instance.hosts[h].organization), kNone,
                     instance.hosts[h].sector};
  }
  absl::flat_hash_set<std::pair<std::uint32_t, std::uint32_t>> forbidden;
  for (const Pair& pair : instance.forbidden) {
    std::uint32_t i = intern_index->Find(pair.intern), h = host_index.Find(pair.host);
    if (i != kNone && h != kNone) forbidden.emplace(i, h);
  }

  round.offsets.reserve(round.interns + 1);
  round.offsets.push_back(0);
  std::size_t total_wishes = 0;
  for (const Intern& intern : instance.interns) total_wishes += intern.wishes.size();
  if (total_wishes >= kNone) return absl::InvalidArgumentError("input: too many wishes");
  round.host.reserve(total_wishes);
  round.key.reserve(total_wishes);
  round.wished_by.assign(round.hosts, 0);
  // Ten million lookups in a table far larger than the cache: each intern's are started one
  // intern ahead, so that their misses overlap instead of following one another.
  std::vector<std::uint64_t> hashes, next_hashes;
  auto prefetch = [&](std::uint32_t i, std::vector<std::uint64_t>& out) {
    out.clear();
    if (i >= round.interns) return;
    for (const Wish& wish : instance.interns[i].wishes)
      out.push_back(host_index.Prefetch(wish.host));
  };
  prefetch(0, next_hashes);
  for (std::uint32_t i = 0; i < round.interns; ++i) {
    const Intern& intern = instance.interns[i];
    std::swap(hashes, next_hashes);
    prefetch(i + 1, next_hashes);
    const std::size_t first = round.host.size();
    const std::uint32_t organization = organization_index.Find(intern.organization);
    for (std::uint32_t w = 0; w < intern.wishes.size(); ++w) {
      const Wish& wish = intern.wishes[w];
      round.longest_list = std::max(round.longest_list, wish.rank);
      const std::uint32_t h = host_index.Find(wish.host, hashes[w]);
      DropReason reason;
      if (h == kNone) {
        reason = DropReason::kUnknownHost;
        round.drops.push_back({i, w, reason});
        continue;
      }
      HostFacts& facts = host_facts[h];
      if (facts.last_wisher == i) {
        reason = DropReason::kDuplicateWish;
      } else if (facts.organization == organization) {
        reason = DropReason::kOwnOrganization;
      } else if (!forbidden.empty() && forbidden.contains(std::make_pair(i, h))) {
        reason = DropReason::kForbidden;
      } else {
        facts.last_wisher = i;
        round.host.push_back(h);
        round.key.push_back(Key(wish.rank, facts.sector != intern.sector));
        ++round.wished_by[h];
        continue;
      }
      facts.last_wisher = i;
      round.drops.push_back({i, w, reason});
    }
    // Cheapest first: by rank, and within a rank cross-sector first. Ranks already ascend.
    auto cost = [&](std::size_t e) { return EdgeCost(round.key[e], round.scale); };
    for (std::size_t e = first + 1; e < round.host.size(); ++e) {
      for (std::size_t k = e; k > first && cost(k) < cost(k - 1); --k) {
        std::swap(round.host[k], round.host[k - 1]);
        std::swap(round.key[k], round.key[k - 1]);
      }
    }
    round.offsets.push_back(static_cast<std::uint32_t>(round.host.size()));
  }
  if (round.longest_list >= (1u << 31)) return absl::InvalidArgumentError("input: rank too large");
  // Potentials stay within (nodes + 2) * the largest edge cost; keep that inside int64.
  const long double bound = static_cast<long double>(round.longest_list + 1) * round.scale *
                            (static_cast<long double>(round.interns) + round.hosts + 2) * 4;
  if (bound >= static_cast<long double>(std::numeric_limits<std::int64_t>::max())) {
    return absl::InvalidArgumentError("input: ranks too large for exact arithmetic");
  }

  round.free_places.resize(round.hosts);
  for (std::uint32_t h = 0; h < round.hosts; ++h) {
    round.free_places[h] = instance.hosts[h].capacity;
  }
  round.pinned_edge.assign(round.interns, kNone);
  for (const Pair& pin : instance.pinned) {
    const std::uint32_t i = intern_index->Find(pin.intern), h = host_index.Find(pin.host);
    auto refuse = [&](PinRefusal reason) {
      round.refused_pins.push_back({pin.intern, pin.host, reason});
    };
    if (i == kNone) {
      refuse(PinRefusal::kUnknownIntern);
      continue;
    }
    if (h == kNone) {
      refuse(PinRefusal::kUnknownHost);
      continue;
    }
    if (round.pinned_edge[i] != kNone) {
      refuse(PinRefusal::kPinnedTwice);
      continue;
    }
    if (instance.hosts[h].organization == instance.interns[i].organization) {
      refuse(PinRefusal::kOwnOrganization);
      continue;
    }
    if (forbidden.contains(std::make_pair(i, h))) {
      refuse(PinRefusal::kForbidden);
      continue;
    }
    std::uint32_t edge = round.offsets[i];
    while (edge < round.offsets[i + 1] && round.host[edge] != h) ++edge;
    if (edge == round.offsets[i + 1]) {
      refuse(PinRefusal::kNotWished);
      continue;
    }
    if (round.free_places[h] <= 0) {
      refuse(PinRefusal::kHostFull);
      continue;
    }
    round.pinned_edge[i] = edge;
    --round.free_places[h];
  }
  return round;
}

// The interns that are not pinned, with their wishes for hosts that have free places.
FlowGraph BuildFlowGraph(const Round& round) {
  FlowGraph graph;
  graph.scale = round.scale;
  graph.interns = round.interns;
  graph.hosts = round.hosts;
  graph.offsets.reserve(round.interns + 1);
  graph.offsets.push_back(0);
  graph.host.reserve(round.host.size());
  graph.key.reserve(round.host.size());
  std::vector<std::uint32_t> usable_wishers(round.hosts, 0);
  for (std::uint32_t i = 0; i < round.interns; ++i) {
    if (round.pinned_edge[i] == kNone) {
      for (std::uint32_t e = round.offsets[i]; e < round.offsets[i + 1]; ++e) {
        if (round.free_places[round.host[e]] <= 0) continue;
        graph.host.push_back(round.host[e]);
        graph.key.push_back(round.key[e]);
        ++usable_wishers[round.host[e]];
      }
    }
    graph.offsets.push_back(static_cast<std::uint32_t>(graph.host.size()));
  }
  // A host never takes more interns than wish for it, which bounds the place arrays by the edges.
  graph.capacity.resize(round.hosts);
  for (std::uint32_t h = 0; h < round.hosts; ++h) {
    graph.capacity[h] =
        static_cast<std::uint32_t>(std::min<std::int64_t>(round.free_places[h], usable_wishers[h]));
  }
  return graph;
}

// Record indices in id order (byte order, as std::string compares). Sorts on the first eight
// bytes as one big-endian number and compares whole ids only between equal prefixes: a million
// ids sort several times faster than with string comparisons alone.
std::vector<std::uint32_t> OrderById(const auto& records) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> keyed(records.size());
  for (std::uint32_t i = 0; i < records.size(); ++i) {
    const std::string& id = records[i].id;
    std::uint64_t prefix = 0;
    for (std::size_t b = 0; b < 8; ++b) {
      prefix = prefix << 8 | (b < id.size() ? static_cast<unsigned char>(id[b]) : 0u);
    }
    keyed[i] = {prefix, i};
  }
  std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return records[a.second].id < records[b.second].id;
  });
  std::vector<std::uint32_t> order(records.size());
  for (std::size_t k = 0; k < keyed.size(); ++k) order[k] = keyed[k].second;
  return order;
}

}  // namespace

absl::StatusOr<Result> Solve(const Instance& instance, const SolveOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (auto status = Validate(instance); !status.ok()) return status;
  const Progress& progress = options.progress;
  if (progress) progress("prepare", 0.0);

  auto rules = ApplyRules(instance);
  if (!rules.ok()) return rules.status();
  const Round& round = *rules;

  // Flow edge -> wish edge: the flow keeps each intern's wishes in order, minus some.
  std::vector<std::uint32_t> placed_edge(round.interns, kNone);  // a valid wish, or kNone
  std::vector<std::int64_t> host_price(round.hosts, 0);
  std::vector<std::uint8_t> host_cover(round.hosts, 0);
  std::int64_t threshold = 0;
  std::int64_t scale = round.scale;
  {
    FlowGraph graph = BuildFlowGraph(round);
    if (progress) progress("prepare", 1.0);
    auto flow = SolveFlow(graph, progress);
    if (!flow.ok()) return flow.status();
    for (std::uint32_t i = 0; i < round.interns; ++i) {
      if (round.pinned_edge[i] != kNone) {
        placed_edge[i] = round.pinned_edge[i];
      } else if (flow->intern_edge[i] != kNone) {
        const std::uint32_t host = graph.host[flow->intern_edge[i]];
        std::uint32_t e = round.offsets[i];
        while (round.host[e] != host) ++e;
        placed_edge[i] = e;
      }
    }
    host_price = std::move(flow->host_price);
    host_cover = std::move(flow->host_cover);
    threshold = flow->threshold;
    scale = flow->scale;
  }
  if (progress) progress("report", 0.0);

  Result result;
  result.round = instance.round;
  Summary& summary = result.summary;
  summary.interns = round.interns;
  summary.hosts = round.hosts;
  summary.by_rank.assign(round.longest_list, 0);
  std::vector<std::int64_t> placed_by_optimisation(round.hosts, 0);
  const std::vector<std::uint32_t> interns_by_id = OrderById(instance.interns);
  for (std::uint32_t i : interns_by_id) {
    const Intern& intern = instance.interns[i];
    const std::uint32_t edge = placed_edge[i];
    if (edge != kNone) {
      const std::uint32_t h = round.host[edge];
      const std::uint32_t rank = round.key[edge] >> 1;
      const bool cross = (round.key[edge] & 1) != 0;
      const bool pinned = round.pinned_edge[i] != kNone;
      result.assignments.push_back({intern.id, instance.hosts[h].id, rank, cross, pinned});
      ++summary.matched;
      summary.pinned += pinned ? 1 : 0;
      summary.total_rank += rank;
      summary.cross_sector += cross ? 1 : 0;
      ++summary.by_rank[rank - 1];
      if (!pinned) ++placed_by_optimisation[h];
      continue;
    }
    UnmatchedIntern& unmatched = result.unmatched.emplace_back();
    unmatched.intern = intern.id;
    bool any_capacity = false;
    for (std::uint32_t e = round.offsets[i]; e < round.offsets[i + 1]; ++e) {
      const Host& host = instance.hosts[round.host[e]];
      unmatched.hosts.push_back({host.id, host.capacity, round.wished_by[round.host[e]]});
      any_capacity = any_capacity || host.capacity > 0;
    }
    unmatched.reason = unmatched.hosts.empty() ? UnmatchedReason::kNoValidWish
                       : any_capacity          ? UnmatchedReason::kAllWishedHostsFull
                                               : UnmatchedReason::kNoCapacity;
  }
  // An unplaced intern next to a host with room would contradict optimality; say so, loudly.
  for (std::uint32_t i = 0; i < round.interns; ++i) {
    if (placed_edge[i] != kNone) continue;
    for (std::uint32_t e = round.offsets[i]; e < round.offsets[i + 1]; ++e) {
      const std::uint32_t h = round.host[e];
      if (placed_by_optimisation[h] < round.free_places[h]) {
        return absl::InternalError("an unplaced intern wishes for a host with a free place");
      }
    }
  }
  // Dropped wishes by intern id, then host id, then rank.
  result.dropped_wishes.reserve(round.drops.size());
  for (const Round::Drop& drop : round.drops) {
    const Intern& intern = instance.interns[drop.intern];
    const Wish& wish = intern.wishes[drop.wish];
    result.dropped_wishes.push_back({intern.id, wish.host, wish.rank, drop.reason});
  }
  std::sort(result.dropped_wishes.begin(), result.dropped_wishes.end(),
            [](const DroppedWish& a, const DroppedWish& b) {
              return std::tie(a.intern, a.host, a.rank) < std::tie(b.intern, b.host, b.rank);
            });
  result.refused_pins = round.refused_pins;

  for (std::uint32_t h = 0; h < round.hosts; ++h) {
    if (round.wished_by[h] > instance.hosts[h].capacity) {
      result.demand.push_back(
          {instance.hosts[h].id, round.wished_by[h], instance.hosts[h].capacity});
    }
  }
  std::sort(result.demand.begin(), result.demand.end(),
            [](const HostDemand& a, const HostDemand& b) {
              const std::int64_t excess_a = a.wished_by - a.capacity;
              const std::int64_t excess_b = b.wished_by - b.capacity;
              if (excess_a != excess_b) return excess_a > excess_b;
              return a.host < b.host;
            });

  // The certificate covers the hosts with free places. A host whose every usable wisher is placed
  // with it may carry a positive price while below its free places (the flow caps places at
  // wishers); price 0 proves the same there, since nobody else wishes for it.
  Certificate& certificate = result.certificate;
  certificate.scale = scale;
  certificate.threshold = threshold;
  for (std::uint32_t h : OrderById(instance.hosts)) {
    if (round.free_places[h] <= 0) continue;
    std::int64_t price = host_price[h];
    if (price > 0 && placed_by_optimisation[h] < round.free_places[h]) price = 0;
    certificate.hosts.push_back({instance.hosts[h].id, price, host_cover[h] != 0});
  }
  if (progress) progress("report", 1.0);
  summary.solve_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace ipraktik::matching
