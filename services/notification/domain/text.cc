#include "domain/text.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "domain/strings.h"

namespace ipraktik::notification {
namespace {

constexpr const char* kDanishWeekdays[] = {"søndag",  "mandag", "tirsdag", "onsdag",
                                           "torsdag", "fredag", "lørdag"};
constexpr const char* kEnglishWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                            "Thursday", "Friday", "Saturday"};
constexpr const char* kDanishMonths[] = {"januar",    "februar", "marts",    "april",
                                         "maj",       "juni",    "juli",     "august",
                                         "september", "oktober", "november", "december"};
constexpr const char* kEnglishMonths[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

const char* Weekday(Date date, Language language) {
  unsigned index = std::chrono::weekday(std::chrono::sys_days(date)).c_encoding();
  return language == Language::kEnglish ? kEnglishWeekdays[index] : kDanishWeekdays[index];
}

const char* Month(Date date, Language language) {
  unsigned index = static_cast<unsigned>(date.month()) - 1;
  return language == Language::kEnglish ? kEnglishMonths[index] : kDanishMonths[index];
}

unsigned Day(Date date) { return static_cast<unsigned>(date.day()); }
int Year(Date date) { return static_cast<int>(date.year()); }

// "mandag 7." / "Monday 7", with the month (and year) when asked.
std::string DayText(Date date, Language language, bool with_month, bool with_year) {
  std::string text = language == Language::kEnglish
                         ? absl::StrCat(Weekday(date, language), " ", Day(date))
                         : absl::StrCat(Weekday(date, language), " ", Day(date), ".");
  if (with_month) absl::StrAppend(&text, " ", Month(date, language));
  if (with_year) absl::StrAppend(&text, " ", Year(date));
  return text;
}

std::string RangeText(Date first, Date last, Language language) {
  if (first == last) {
    return language == Language::kEnglish
               ? DayText(first, language, true, true)
               : absl::StrCat(Weekday(first, language), " den ", Day(first), ". ",
                              Month(first, language), " ", Year(first));
  }
  bool same_year = first.year() == last.year();
  bool same_month = same_year && first.month() == last.month();
  return absl::StrCat(DayText(first, language, !same_month, !same_year), " – ",
                      DayText(last, language, true, true));
}

}  // namespace

std::string FormatLongDate(Date date, Language language) { return RangeText(date, date, language); }

std::string FormatDays(const std::vector<Date>& unsorted, Language language) {
  std::vector<Date> days = NormalizedDays(unsorted);
  std::vector<std::string> runs;
  for (std::size_t i = 0; i < days.size();) {
    std::size_t j = i;
    while (j + 1 < days.size() && std::chrono::sys_days(days[j + 1]) ==
                                      std::chrono::sys_days(days[j]) + std::chrono::days(1)) {
      ++j;
    }
    runs.push_back(RangeText(days[i], days[j], language));
    i = j + 1;
  }
  std::string text;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (i > 0) {
      absl::StrAppend(
          &text, i + 1 == runs.size() ? (language == Language::kEnglish ? " and " : " og ") : ", ");
    }
    absl::StrAppend(&text, runs[i]);
  }
  return text;
}

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

std::string UnmatchedReasonText(std::string_view reason_code, std::string_view reason,
                                Language language) {
  bool english = language == Language::kEnglish;
  if (reason_code == "all_wished_hosts_full") {
    return english ? "The hosts you wished for were all filled by other interns who had ranked "
                     "them as high as you, or higher."
                   : "De praktiksteder, du ønskede dig, blev alle fyldt op af andre praktikanter, "
                     "der havde ønsket dem lige så højt som dig eller højere.";
  }
  if (reason_code == "no_valid_wish") {
    return english ? "None of your wishes could be used: the hosts you chose were no longer "
                     "part of the round when we matched."
                   : "Ingen af dine ønsker kunne bruges: de praktiksteder, du valgte, var ikke "
                     "længere med i runden, da vi matchede.";
  }
  if (reason_code == "wished_hosts_without_capacity") {
    return english ? "The hosts you wished for had no room for interns in this round."
                   : "De praktiksteder, du ønskede dig, havde ikke plads til praktikanter i denne "
                     "runde.";
  }
  if (reason_code == "host_declined") {
    return english ? "The host you were matched with could not receive you after all."
                   : "Det praktiksted, du blev matchet med, kunne alligevel ikke tage imod dig.";
  }
  if (english && !reason.empty()) return std::string(reason);
  return english
             ? "We could not find a host that matched your wishes in this round."
             : "Vi kunne ikke finde et praktiksted, der passede til dine ønsker, i denne runde.";
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
