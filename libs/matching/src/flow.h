#pragma once

// The optimisation itself, on indices: interns with their usable wishes (edges), hosts with free
// places. Cost of an edge = rank * scale - cross, scale > number of interns, so the smallest total
// cost among the largest assignments is the lexicographic optimum of the round.
//
// 1. Largest assignment (augmenting paths, Pothen-Fan style with lookahead), then the
//    Dulmage-Mendelsohn split it implies: the hosts A reachable from an unplaced intern by
//    alternating paths are full in EVERY largest assignment and only ever take interns from the
//    reachable set D; every other placed intern (C) is placed in every largest assignment, and
//    only with hosts outside A. So the largest assignments are exactly: fill A from D, and place
//    all of C outside A; the two parts are independent.
// 2. Each part is a transportation problem whose demand must be fully routed (C's interns; A's
//    places), solved exactly in two stages, each by successive shortest paths in phases
//    (primal-dual): one Dijkstra on reduced costs from all unfinished sources, then as many
//    shortest augmenting paths as the zero-reduced-cost graph holds. Stage 1 minimises the
//    total rank; stage 2 maximises cross-sector placements on the edges stage 1's potentials
//    leave free. Small integer costs per stage keep the phases few. Every search succeeds, so
//    no time goes into searches from interns that stay unplaced.
// 3. The potentials of both stages and both parts combine into one certificate (result.h).

#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ipraktik::matching {

inline constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// key = rank << 1 | cross_sector
inline std::int64_t EdgeCost(std::uint32_t key, std::int64_t scale) {
  return static_cast<std::int64_t>(key >> 1) * scale - static_cast<std::int64_t>(key & 1);
}

struct FlowGraph {
  std::int64_t scale = 1;
  std::uint32_t interns = 0;
  std::uint32_t hosts = 0;
  std::vector<std::uint32_t> offsets;   // interns + 1, into host/key; each intern's edges by cost
  std::vector<std::uint32_t> host;      // per edge
  std::vector<std::uint32_t> key;       // per edge
  std::vector<std::uint32_t> capacity;  // per host, > 0 for every host an edge points to
};

struct FlowSolution {
  std::vector<std::uint32_t> intern_edge;  // per intern: the edge it is placed by, or kNone
  std::vector<std::int64_t> host_price;    // per host
  std::vector<std::uint8_t> host_cover;    // per host: in the vertex cover (full in every optimum)
  std::int64_t threshold = 0;
  std::int64_t scale = 1;  // of the prices' cost rank * scale - cross; at least FlowGraph::scale
};

using Progress = std::function<void(std::string_view phase, double fraction)>;

absl::StatusOr<FlowSolution> SolveFlow(const FlowGraph& graph, const Progress& progress);

}  // namespace ipraktik::matching
