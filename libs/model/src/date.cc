#include "ipraktik/model/date.h"

#include <charconv>
#include <cstdio>

namespace ipraktik::model {
namespace {

bool ParseNumber(std::string_view text, int& value) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<Date> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int year = 0;
  int month = 0;
  int day = 0;
  if (!ParseNumber(text.substr(0, 4), year) || !ParseNumber(text.substr(5, 2), month) ||
      !ParseNumber(text.substr(8, 2), day)) {
    return std::nullopt;
  }
  Date date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string FormatDate(Date date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

Date AddDays(Date date, int days) {
  return Date(std::chrono::sys_days(date) + std::chrono::days(days));
}

int DaysBetween(Date first, Date last) {
  return static_cast<int>((std::chrono::sys_days(last) - std::chrono::sys_days(first)).count());
}

int DaysBetweenInclusive(Date first, Date last) { return DaysBetween(first, last) + 1; }

}  // namespace ipraktik::model
