#pragma once

// Checks a result against its instance without trusting the solver: the rules, the counts, and the
// certificate's proof that the assignment is the lexicographic optimum (result.h, Certificate).

#include "absl/status/status.h"
#include "ipraktik/matching/instance.h"
#include "ipraktik/matching/result.h"

namespace ipraktik::matching {

// OK when the result is feasible, its reports and summary are right and the certificate proves it
// optimal; otherwise FAILED_PRECONDITION naming the first thing that is wrong.
absl::Status Verify(const Instance& instance, const Result& result);

}  // namespace ipraktik::matching
