#pragma once

// LEMON's min-cost flow algorithms behind a plain interface. LEMON 1.3's CostScaling builds on
// maps that call std::allocator members C++20 removed, so lemon_flow.cc alone is compiled as
// C++17 (tests/matching/CMakeLists.txt); this header stays within C++17 for it.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace ipraktik::matching::testing {

enum class MinCostFlow { kNetworkSimplex, kCostScaling, kCapacityScaling };
std::string_view Name(MinCostFlow algorithm);

struct FlowNetwork {
  int nodes = 0;
  std::vector<std::int64_t> supply;  // per node; the sum is 0
  std::vector<int> from, to;         // per arc
  std::vector<std::int64_t> capacity, cost;
};

// The flow on every arc of a cheapest flow that meets every supply exactly, or nullopt when the
// algorithm's 64-bit arithmetic cannot hold this network's costs (cost scaling multiplies them
// by the number of nodes and more). Throws when LEMON finds no optimal flow.
std::optional<std::vector<std::int64_t>> SolveMinCostFlow(const FlowNetwork& network,
                                                          MinCostFlow algorithm);

}  // namespace ipraktik::matching::testing
