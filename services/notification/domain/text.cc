#include "domain/text.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "domain/strings.h"

namespace ipraktik::notification {

const char* SectorText(Sector sector, Language language) {
  bool english = language == Language::kEnglish;
  switch (sector) {
    case Sector::kMunicipal:
      return english ? "municipality" : "kommune";
    case Sector::kRegional:
      return english ? "region" : "region";
    case Sector::kState:
      return english ? "central government" : "stat";
    case Sector::kPrivate:
      return english ? "private company" : "privat virksomhed";
    case Sector::kUnspecified:
      break;
  }
  return "";
}

std::string UnmatchedReasonSentence(contract::UnmatchedReason reason, Language language) {
  const bool english = language == Language::kEnglish;
  using contract::UnmatchedReason;
  switch (reason) {
    case UnmatchedReason::kAllWishedHostsFull:
      return english ? "Every host you wished for had all its places filled by other interns."
                     : "Alle de praktiksteder, du ønskede dig, fik alle deres pladser besat af "
                       "andre praktikanter.";
    case UnmatchedReason::kNoCapacity:
      return english ? "The hosts you wished for had no places for interns in this round."
                     : "De praktiksteder, du ønskede dig, havde ingen pladser til praktikanter i "
                       "denne runde.";
    case UnmatchedReason::kHostDeclined:
      return english ? "The host you were placed with could not receive you after all, and none "
                       "of the other hosts you wished for had a place left for you."
                     : "Det praktiksted, du var placeret hos, kunne alligevel ikke tage imod dig, "
                       "og ingen af de andre praktiksteder, du ønskede dig, havde en ledig plads "
                       "til dig.";
    case UnmatchedReason::kNoCommonDay:
      return english ? "None of the hosts you wished for receives interns on any of the days you "
                       "said you could come."
                     : "Ingen af de praktiksteder, du ønskede dig, tager imod praktikanter på "
                       "nogen af de dage, du har oplyst, at du kan komme.";
    case UnmatchedReason::kWishedHostsGone:
      return english ? "The hosts you wished for were no longer part of the round when we "
                       "matched."
                     : "De praktiksteder, du ønskede dig, var ikke længere med i runden, da vi "
                       "matchede.";
    case UnmatchedReason::kOwnWorkplace:
      return english ? "The hosts you wished for are all part of your own workplace, and an "
                       "internship is always at another workplace."
                     : "De praktiksteder, du ønskede dig, hører alle til din egen arbejdsplads, "
                       "og et praktikophold er altid på en anden arbejdsplads.";
    case UnmatchedReason::kRuledOut:
      return english ? "The programme's coordinators ruled out a placement with each of the "
                       "hosts you wished for."
                     : "Programmets koordinatorer har udelukket en placering hos hvert af de "
                       "praktiksteder, du ønskede dig.";
    case UnmatchedReason::kNoWishes:
      return english ? "Your application named no host you wished to visit."
                     : "Din ansøgning nævnte intet praktiksted, du ønskede at besøge.";
    case UnmatchedReason::kNoValidWish:
      return english ? "None of your wishes could be used: each host you chose had left the "
                       "round, had no day in common with yours, was part of your own workplace "
                       "or was ruled out by the coordinators."
                     : "Ingen af dine ønsker kunne bruges: hvert praktiksted, du valgte, var "
                       "ikke længere med i runden, havde ingen dage til fælles med dine, hørte "
                       "til din egen arbejdsplads eller var udelukket af koordinatorerne.";
  }
  return GeneralUnmatchedSentence(language);
}

std::string GeneralUnmatchedSentence(Language language) {
  return language == Language::kEnglish
             ? "We could not find a host that matched your wishes in this round."
             : "Vi kunne ikke finde et praktiksted, der passede til dine ønsker, i denne runde.";
}

std::string UnmatchedReasonText(std::string_view reason_code, std::string_view reason,
                                Language language) {
  if (auto known = contract::ParseUnmatchedReason(reason_code)) {
    return UnmatchedReasonSentence(*known, language);
  }
  if (language == Language::kEnglish && !reason.empty()) return std::string(reason);
  return GeneralUnmatchedSentence(language);
}

std::string FirstName(std::string_view name) {
  name = ToStd(absl::StripAsciiWhitespace(ToAbsl(name)));
  std::size_t space = name.find(' ');
  return std::string(space == std::string_view::npos ? name : name.substr(0, space));
}

std::vector<std::string> TextLines(std::string_view text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(ToAbsl(text), '\n')) {
    lines.emplace_back(absl::StripTrailingAsciiWhitespace(line));
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

}  // namespace ipraktik::notification
