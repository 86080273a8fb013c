#pragma once

// The size and shape rules every request of every service obeys, checked by the call shell
// (Calls) before the domain call, so an oversized or malformed request is refused before anything
// is looked up, with INVALID_ARGUMENT naming each field (docs/api.md, "Limits"):
// - a string or bytes field holds at most kDefaultMaxBytes bytes, a repeated field at most
//   kDefaultMaxItems elements, unless the field declares more ((ipraktik.v1.max_bytes) and
//   (ipraktik.v1.max_items), proto/ipraktik/v1/limits.proto);
// - an enum field holds only a value its enum declares (an unknown number is named, never read
//   as the default);
// - a page_size is between 0 and model::kMaxPageSize (the one paging rule, ipraktik/model/page.h).
// Nested messages are checked too; fields are named by their path, e.g. "application.wishes[2]".

#include <cstddef>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace ipraktik::server {

inline constexpr std::size_t kDefaultMaxBytes = 1024;
inline constexpr int kDefaultMaxItems = 100;

// OK, or INVALID_ARGUMENT with a BadRequest naming every field that breaks a rule above.
absl::Status CheckRequestLimits(const google::protobuf::Message& request);

}  // namespace ipraktik::server
