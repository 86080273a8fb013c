#pragma once

// An independent reference for the matching engine, built on LEMON (tests and benchmarks only):
// the spec's rules applied by plain code, then LEMON's Preflow for the largest number placed and
// LEMON's NetworkSimplex for the cheapest flow of that size with cost rank * scale - cross.

#include <cstdint>

#include "ipraktik/matching/instance.h"

namespace ipraktik::matching::testing {

struct Objective {
  std::int64_t matched = 0;
  std::int64_t total_rank = 0;
  std::int64_t cross_sector = 0;
  bool operator==(const Objective&) const = default;
};

struct OracleRun {
  Objective objective;
  double build_ms = 0;  // rules, ids and the LEMON graph
  double solve_ms = 0;  // Preflow + NetworkSimplex + reading the flow off
};

// Pins must all be acceptable (valid wishes, distinct interns, within capacity): the oracle
// applies them without checking.
OracleRun SolveWithLemon(const Instance& instance);

// Every assignment, for a handful of interns with a few wishes each.
Objective SolveByBruteForce(const Instance& instance);

}  // namespace ipraktik::matching::testing
