#include "ipraktik/model/date_text.h"

#include <algorithm>
#include <chrono>

namespace ipraktik::model {
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

std::string Weekday(Date date, Language language) {
  unsigned index = std::chrono::weekday(std::chrono::sys_days(date)).c_encoding();
  return language == Language::kEnglish ? kEnglishWeekdays[index] : kDanishWeekdays[index];
}

std::string Month(Date date, Language language) {
  unsigned index = static_cast<unsigned>(date.month()) - 1;
  return language == Language::kEnglish ? kEnglishMonths[index] : kDanishMonths[index];
}

std::string Day(Date date) { return std::to_string(static_cast<unsigned>(date.day())); }
std::string Year(Date date) { return std::to_string(static_cast<int>(date.year())); }

// "mandag 7." / "Monday 7", with the month (and year) when asked.
std::string DayText(Date date, Language language, bool with_month, bool with_year) {
  std::string text = Weekday(date, language) + " " + Day(date);
  if (language != Language::kEnglish) text += ".";
  if (with_month) text += " " + Month(date, language);
  if (with_year) text += " " + Year(date);
  return text;
}

std::string RangeText(Date first, Date last, Language language) {
  if (first == last) {
    return language == Language::kEnglish ? DayText(first, language, true, true)
                                          : Weekday(first, language) + " den " + Day(first) + ". " +
                                                Month(first, language) + " " + Year(first);
  }
  bool same_year = first.year() == last.year();
  bool same_month = same_year && first.month() == last.month();
  return DayText(first, language, !same_month, !same_year) + " – " +
         DayText(last, language, true, true);
}

}  // namespace

std::string FormatLongDate(Date date, Language language) { return RangeText(date, date, language); }

std::string FormatPeriod(Date first, Date last, Language language) {
  std::string text = FormatLongDate(first, language);
  if (first != last) text += " – " + FormatLongDate(last, language);
  return text;
}

std::string FormatDays(const std::vector<Date>& unsorted, Language language) {
  std::vector<Date> days = unsorted;
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
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
      text += i + 1 == runs.size() ? (language == Language::kEnglish ? " and " : " og ") : ", ";
    }
    text += runs[i];
  }
  return text;
}

}  // namespace ipraktik::model
