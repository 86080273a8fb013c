#pragma once

// An independent reference for the matching engine, built on LEMON (tests and benchmarks only):
// the rules of docs/matching.md applied by plain code, then ONE min-cost flow whose optimum is the
// lexicographic optimum. Every intern has a supply of 1 and two ways to the sink: through a wished
// host (cost rank * scale - cross, scale = interns + 1) or through its own bypass arc (cost
// `bypass`, dearer than any augmenting path can be). So placing one more intern always pays,
// then a smaller total rank, then more cross-sector placements: one solve gives the optimum.

#include <cstdint>

#include "ipraktik/matching/instance.h"
#include "lemon_flow.h"

namespace ipraktik::matching::testing {

struct Objective {
  std::int64_t matched = 0;
  std::int64_t total_rank = 0;
  std::int64_t cross_sector = 0;
  bool operator==(const Objective&) const = default;
};

struct OracleRun {
  Objective objective;
  double rules_ms = 0;      // the rules, ids and the network as arrays (plain code, not LEMON)
  double lemon_ms = 0;      // the LEMON graph, the min-cost flow, reading the flow off
  double lemon_cpu_ms = 0;  // the same in CPU time of the process
  bool solved = false;      // false: the costs would overflow the algorithm's 64-bit arithmetic
};

// Pins must all be acceptable (valid wishes, distinct interns, within capacity): the oracle
// applies them without checking.
OracleRun SolveWithLemon(const Instance& instance,
                         MinCostFlow algorithm = MinCostFlow::kNetworkSimplex);

// Every assignment, for a handful of interns with a few wishes each.
Objective SolveByBruteForce(const Instance& instance);

}  // namespace ipraktik::matching::testing
