#pragma once

// A calendar day: internships are planned in whole days, in Danish local time, so no time zone
// or time of day. A std::chrono::year_month_day, whose ok() says whether it is a real day
// (Date{} is not: it stands for "unset").

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ipraktik::model {

using Date = std::chrono::year_month_day;

// "2026-09-07"; nullopt for anything else, invalid days (2026-02-30) included.
std::optional<Date> ParseDate(std::string_view text);
// "2026-09-07".
std::string FormatDate(Date date);
// `days` days later (earlier when negative).
Date AddDays(Date date, int days);
// Days from first to last: 0 on the same day, negative when last comes first.
int DaysBetween(Date first, Date last);
// Inclusive count of days from first to last (1 when they are the same day).
int DaysBetweenInclusive(Date first, Date last);

}  // namespace ipraktik::model
