#include "src/text.h"

#include <algorithm>

#include "absl/strings/escaping.h"

namespace ipraktik::matching {

std::string QuoteForMessage(std::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  std::string shown =
      absl::CHexEscape(absl::string_view(text.data(), std::min(text.size(), kMaxShown)));
  return Cat("\"", shown, text.size() > kMaxShown ? "...\"" : "\"");
}

std::string RecordName(std::string_view kind, std::size_t index, std::string_view id) {
  if (id.empty()) return Cat(kind, "[", index, "]");
  return Cat(kind, "[", index, "] (id ", QuoteForMessage(id), ")");
}

}  // namespace ipraktik::matching
