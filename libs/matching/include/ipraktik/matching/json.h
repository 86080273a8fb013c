#pragma once

// The JSON face of the engine (target ipraktik::matching_json; the format: docs/matching.md, "The
// problem"). Reading uses simdjson and refuses malformed input as a whole with INVALID_ARGUMENT
// naming the record and the field.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ipraktik/matching/instance.h"
#include "ipraktik/matching/result.h"

namespace ipraktik::matching {

// Reads a round. Optional extras beside the documented fields: "pinned" and "forbidden", arrays of
// {"intern": id, "host": id}. Unknown fields are ignored. The result is validated (Validate).
absl::StatusOr<Instance> ReadInstanceJson(std::string_view json);

// The same from a file; "-" reads standard input. NOT_FOUND / UNAVAILABLE when the file cannot be
// read, INVALID_ARGUMENT when its content is malformed.
absl::StatusOr<Instance> ReadInstanceFile(const std::string& path);

// Writes a result as docs/matching.md shows it, plus the extra fields (codes, certificate, ...).
// Deterministic: the same result gives the same bytes.
std::string WriteResultJson(const Result& result);

// Reads what WriteResultJson wrote (for ipraktik-match --verify).
absl::StatusOr<Result> ReadResultJson(std::string_view json);
absl::StatusOr<Result> ReadResultFile(const std::string& path);

}  // namespace ipraktik::matching
