#pragma once

// What the pages' models share: a text with its "has_" flag (the templates show a line only when
// there is something to show), and dates that may be missing in the person's words.

#include <optional>
#include <string>

#include "domain/mustache.h"
#include "ipraktik/model/date.h"
#include "ipraktik/model/language.h"

namespace ipraktik::participant_web {

// Sets data[key] = value and data["has_" + key] = !value.empty().
void SetText(PageData& data, const std::string& key, const std::string& value);

// "mandag den 5. oktober 2026 – fredag den 9. oktober 2026"; "" unless both days are known.
std::string PeriodText(const std::optional<model::Date>& first,
                       const std::optional<model::Date>& last, model::Language language);

// "mandag den 5. oktober 2026"; "" for no day.
std::string LongDateText(const std::optional<model::Date>& day, model::Language language);

}  // namespace ipraktik::participant_web
