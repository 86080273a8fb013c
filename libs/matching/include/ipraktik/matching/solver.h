#pragma once

// The exact lexicographic optimum of a round: most interns placed, then the smallest total rank,
// then the most cross-sector placements. docs/matching.md states the problem, explains the
// algorithm and why it is exact.

#include <functional>
#include <string_view>

#include "absl/status/statusor.h"
#include "ipraktik/matching/instance.h"
#include "ipraktik/matching/result.h"

namespace ipraktik::matching {

struct SolveOptions {
  // Called now and then from the solving thread with the phase ("prepare", "cardinality",
  // "placed interns", "filled hosts", "report") and how far it is (0..1). May be empty.
  std::function<void(std::string_view phase, double fraction)> progress;
};

// Refuses a malformed instance (Validate) with INVALID_ARGUMENT. Same instance, same result
// (apart from summary.solve_ms).
absl::StatusOr<Result> Solve(const Instance& instance, const SolveOptions& options = {});

}  // namespace ipraktik::matching
