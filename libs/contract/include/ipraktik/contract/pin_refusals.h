#pragma once

// Why the matching refused a coordinator's pin, in Danish for the coordinator: one sentence per
// reason code the engine writes into a result (RefusedPin.reason_code; libs/matching's
// PinRefusal has the codes and the English words the result carries).

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace ipraktik::contract {

// nullopt for a code this version does not know (then show the result's own words).
constexpr std::optional<std::string_view> PinRefusalDanishOf(std::string_view code) {
  constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kSentences = {{
      {"unknown_intern", "praktikanten er ikke med i runden"},
      {"unknown_host", "værtstilbuddet er ikke med i runden"},
      {"pinned_twice", "praktikanten er allerede fastlåst til en anden vært"},
      {"not_wished", "praktikanten har ikke ønsket denne vært (eller ønsket kunne ikke bruges)"},
      {"own_organization", "værten hører til praktikantens egen arbejdsplads"},
      {"forbidden", "parret er udelukket (af en koordinator, eller værten har takket nej)"},
      {"host_full", "tidligere fastlåsninger fylder allerede værtens pladser"},
  }};
  for (const auto& [known, sentence] : kSentences) {
    if (known == code) return sentence;
  }
  return std::nullopt;
}

}  // namespace ipraktik::contract
