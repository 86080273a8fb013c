#pragma once

// Message text from pieces. (absl::StrCat does not take std::string_view with Debian's Abseil,
// whose absl::string_view is its own type.)

#include <string>
#include <string_view>
#include <type_traits>

namespace ipraktik::bus::internal {

template <typename... Pieces>
std::string Cat(const Pieces&... pieces) {
  std::string text;
  auto append = [&text](const auto& piece) {
    using Piece = std::decay_t<decltype(piece)>;
    if constexpr (std::is_same_v<Piece, bool>) {
      text += piece ? "true" : "false";
    } else if constexpr (std::is_arithmetic_v<Piece>) {
      text += std::to_string(piece);
    } else if constexpr (requires {
                           piece.data();
                           piece.size();
                         }) {
      text.append(piece.data(), piece.size());  // std::string(_view) and absl::string_view
    } else {
      text += piece;
    }
  };
  (append(pieces), ...);
  return text;
}

}  // namespace ipraktik::bus::internal
