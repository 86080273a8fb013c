#pragma once

// Debian's Abseil is built with its own absl::string_view (not an alias of std::string_view), so
// a std::string_view must be converted before it goes into absl::StrCat and friends.

#include <string_view>

#include "absl/strings/string_view.h"

namespace ipraktik::notification {

inline absl::string_view ToAbsl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

inline std::string_view ToStd(absl::string_view text) {
  return std::string_view(text.data(), text.size());
}

}  // namespace ipraktik::notification
