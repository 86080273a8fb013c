#pragma once

// Why an intern got no place: the reason codes the matching worker writes into a result
// (UnmatchedIntern.reason_code), the matching service publishes (InternUnmatched.reason_code)
// and the notification service turns into a sentence for the intern. One list, so that every
// code the matching can give has its own true sentence in the e-mail.

#include <array>
#include <optional>
#include <string_view>

namespace ipraktik::contract {

enum class UnmatchedReason {
  // Every host the intern wished for (and could go to) was filled by other interns.
  kAllWishedHostsFull,
  // The hosts the intern wished for offered no places (capacity 0, or every place pinned).
  kNoCapacity,
  // The intern's published host declined them; none of their other wishes had a place left.
  kHostDeclined,
  // None of the wished hosts has a day in common with the days the intern can come.
  kNoCommonDay,
  // Every wished host had left the round (withdrawn or removed) when it was matched.
  kWishedHostsGone,
  // Every wished host is in the intern's own workplace.
  kOwnWorkplace,
  // A coordinator ruled out every pair of the intern with a wished host.
  kRuledOut,
  // The application named no host at all.
  kNoWishes,
  // No wish could be used, for more than one of the reasons above.
  kNoValidWish,
};

inline constexpr std::array<UnmatchedReason, 9> kUnmatchedReasons = {
    UnmatchedReason::kAllWishedHostsFull, UnmatchedReason::kNoCapacity,
    UnmatchedReason::kHostDeclined,       UnmatchedReason::kNoCommonDay,
    UnmatchedReason::kWishedHostsGone,    UnmatchedReason::kOwnWorkplace,
    UnmatchedReason::kRuledOut,           UnmatchedReason::kNoWishes,
    UnmatchedReason::kNoValidWish,
};

constexpr std::string_view UnmatchedReasonCode(UnmatchedReason reason) {
  switch (reason) {
    case UnmatchedReason::kAllWishedHostsFull:
      return "all_wished_hosts_full";
    case UnmatchedReason::kNoCapacity:
      return "no_capacity";
    case UnmatchedReason::kHostDeclined:
      return "host_declined";
    case UnmatchedReason::kNoCommonDay:
      return "no_common_day";
    case UnmatchedReason::kWishedHostsGone:
      return "wished_hosts_gone";
    case UnmatchedReason::kOwnWorkplace:
      return "own_workplace";
    case UnmatchedReason::kRuledOut:
      return "ruled_out";
    case UnmatchedReason::kNoWishes:
      return "no_wishes";
    case UnmatchedReason::kNoValidWish:
      return "no_valid_wish";
  }
  return "no_valid_wish";
}

// For coordinators (the result's `reason`, in English).
constexpr std::string_view UnmatchedReasonText(UnmatchedReason reason) {
  switch (reason) {
    case UnmatchedReason::kAllWishedHostsFull:
      return "all wished hosts are full";
    case UnmatchedReason::kNoCapacity:
      return "the wished hosts have no places";
    case UnmatchedReason::kHostDeclined:
      return "the host declined the intern and no other wish had a place left";
    case UnmatchedReason::kNoCommonDay:
      return "no wished host has a day in common with the intern";
    case UnmatchedReason::kWishedHostsGone:
      return "every wished host had left the round";
    case UnmatchedReason::kOwnWorkplace:
      return "every wished host is in the intern's own workplace";
    case UnmatchedReason::kRuledOut:
      return "a coordinator forbade every wished pair";
    case UnmatchedReason::kNoWishes:
      return "the application named no host";
    case UnmatchedReason::kNoValidWish:
      return "no valid wish left after the dropped wishes";
  }
  return "";
}

// For coordinators in Danish (the CLI's result table, the round overview): one true sentence
// per reason, about the intern (the intern's own e-mail speaks to them: notification's
// UnmatchedReasonSentence).
constexpr std::string_view UnmatchedReasonTextDanish(UnmatchedReason reason) {
  switch (reason) {
    case UnmatchedReason::kAllWishedHostsFull:
      return "Alle ønskede værter var fyldt op";
    case UnmatchedReason::kNoCapacity:
      return "De ønskede værter havde ingen pladser (ingen kapacitet, eller alle fastlåst)";
    case UnmatchedReason::kHostDeclined:
      return "Værten takkede nej, og ingen af de andre ønsker havde en ledig plads";
    case UnmatchedReason::kNoCommonDay:
      return "Ingen ønsket vært har en dag til fælles med praktikanten";
    case UnmatchedReason::kWishedHostsGone:
      return "Alle ønskede værter var gået ud af runden";
    case UnmatchedReason::kOwnWorkplace:
      return "Alle ønskede værter hører til praktikantens egen arbejdsplads";
    case UnmatchedReason::kRuledOut:
      return "En koordinator har udelukket alle de ønskede værter";
    case UnmatchedReason::kNoWishes:
      return "Ansøgningen nævnte ingen vært";
    case UnmatchedReason::kNoValidWish:
      return "Intet ønske kunne bruges (vært udgået, ingen fælles dag, egen arbejdsplads eller "
             "udelukket)";
  }
  return "";
}

constexpr std::optional<UnmatchedReason> ParseUnmatchedReason(std::string_view code) {
  for (UnmatchedReason reason : kUnmatchedReasons) {
    if (UnmatchedReasonCode(reason) == code) return reason;
  }
  return std::nullopt;
}

}  // namespace ipraktik::contract

namespace ipraktik::contract {

// The Danish sentence for a reason code; nullopt for a code this version does not know.
constexpr std::optional<std::string_view> UnmatchedReasonDanishOf(std::string_view code) {
  if (auto reason = ParseUnmatchedReason(code)) return UnmatchedReasonTextDanish(*reason);
  return std::nullopt;
}

}  // namespace ipraktik::contract
