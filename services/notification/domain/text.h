#pragma once

// The words messages are made of that do not belong in templates: dates, sectors and the
// reasons a matching gives, in Danish and English.

#include <string>
#include <string_view>
#include <vector>

#include "domain/model.h"
#include "ipraktik/contract/unmatched_reasons.h"
#include "ipraktik/model/date_text.h"

namespace ipraktik::notification {

// Dates in words (libs/model): FormatLongDate, FormatDays.
using model::FormatDays;
using model::FormatLongDate;

// "kommune", "region", "stat", "privat virksomhed" / "municipality", "region", "state", "private
// company"; "" when unspecified.
const char* SectorText(Sector sector, Language language);
// The reason an intern was not placed, in plain words: each reason code
// (ipraktik/contract/unmatched_reasons.h) has its own sentence in each language.
std::string UnmatchedReasonSentence(contract::UnmatchedReason reason, Language language);
// When the code is none the matching gives: the general sentence.
std::string GeneralUnmatchedSentence(Language language);
// From the event's reason code; an unknown code falls back to the matching's own (English)
// words, or the general sentence.
std::string UnmatchedReasonText(std::string_view reason_code, std::string_view reason,
                                Language language);
// The first word of a name, for greetings ("Kære Henrik").
std::string FirstName(std::string_view name);
// Lines of a multi-line text, trailing spaces removed (for <br>-separated HTML).
std::vector<std::string> TextLines(std::string_view text);

}  // namespace ipraktik::notification
