#pragma once

// Dates in words, in Danish and English, as e-mails and the participant pages write them.

#include <string>
#include <vector>

#include "ipraktik/model/date.h"
#include "ipraktik/model/language.h"

namespace ipraktik::model {

// "mandag den 7. september 2026" / "Monday 7 September 2026"
std::string FormatLongDate(Date date, Language language);
// Runs of consecutive days as ranges: "mandag 7. – onsdag 9. september 2026",
// "Monday 7 – Wednesday 9 September 2026"; several runs joined with "og" / "and". The days may
// come in any order and repeat.
std::string FormatDays(const std::vector<Date>& days, Language language);
// From one day to another, each in full: "mandag den 7. september 2026 – fredag den 11.
// september 2026"; one day when they are the same.
std::string FormatPeriod(Date first, Date last, Language language);

}  // namespace ipraktik::model
