#include "domain/page_text.h"

#include "ipraktik/model/date_text.h"

namespace ipraktik::participant_web {

void SetText(PageData& data, const std::string& key, const std::string& value) {
  data.set(key, value);
  data.set("has_" + key, !value.empty());
}

std::string PeriodText(const std::optional<model::Date>& first,
                       const std::optional<model::Date>& last, model::Language language) {
  return first && last ? model::FormatPeriod(*first, *last, language) : "";
}

std::string LongDateText(const std::optional<model::Date>& day, model::Language language) {
  return day ? model::FormatLongDate(*day, language) : "";
}

}  // namespace ipraktik::participant_web
