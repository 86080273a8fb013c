#pragma once

// The engine's result as the matching service stores and serves it: the summary, and the
// GetMatchingResultResponse parts (assignments with their days, unmatched interns with reasons,
// dropped wishes including those dropped for want of a common day, refused pins, demand), each
// part bounded so that no message comes near gRPC's size limit. Pure.

#include <functional>

#include "absl/status/status.h"
#include "ipraktik/matching/result.h"
#include "ipraktik/v1/matching.pb.h"
#include "round_builder.h"

namespace ipraktik::matching_worker {

v1::MatchingSummary Summarize(const matching::Result& result, const PreparedRound& round);

using PartSink = std::function<absl::Status(const v1::GetMatchingResultResponse&)>;

// Calls sink with each part in the order GetMatchingResultResponse documents (the first holds
// the summary), at most items_per_part list items per part; stops at the first error.
absl::Status EmitResultParts(const matching::Result& result, const PreparedRound& round,
                             const v1::MatchingSummary& summary, int items_per_part,
                             const PartSink& sink);

}  // namespace ipraktik::matching_worker
