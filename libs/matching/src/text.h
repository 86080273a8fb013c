#pragma once

// How messages name a record: `interns[41] (id "p-42")`, the id quoted and cut short so that a
// hostile input cannot make a message huge or unprintable.

#include <charconv>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>

namespace ipraktik::matching {

// Concatenates strings and integers. (Debian's Abseil has its own string_view, so absl::StrCat
// does not take std::string_view.)
template <typename... Parts>
std::string Cat(const Parts&... parts) {
  std::string out;
  auto append = [&out](const auto& part) {
    using T = std::decay_t<decltype(part)>;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, char> && !std::is_same_v<T, bool>) {
      char buffer[24];
      auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, part);
      out.append(buffer, end);
    } else {
      out += std::string_view(part);
    }
  };
  (append(parts), ...);
  return out;
}

std::string QuoteForMessage(std::string_view text);
std::string RecordName(std::string_view kind, std::size_t index, std::string_view id);

}  // namespace ipraktik::matching
