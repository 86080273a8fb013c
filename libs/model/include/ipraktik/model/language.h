#pragma once

// The language a participant reads e-mails in. Danish unless they chose English: there is no
// "unspecified" (an API message that leaves it unset means Danish).

namespace ipraktik::model {

enum class Language { kDanish, kEnglish };

// "da" / "en": template folders and calendars name languages so.
const char* LanguageCode(Language language);

}  // namespace ipraktik::model
