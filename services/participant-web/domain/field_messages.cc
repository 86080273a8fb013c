#include "domain/field_messages.h"

#include <regex>

#include "absl/strings/str_cat.h"

namespace ipraktik::participant_web {

std::string FieldMessage(std::string_view description, model::Language language) {
  const bool english = language == model::Language::kEnglish;
  const std::string text(description);
  if (text == "is required") {
    return english ? "Please answer this question." : "Besvar venligst spørgsmålet.";
  }
  if (text == "is not asked in this survey") {
    return english ? "This question is not part of your survey."
                   : "Spørgsmålet hører ikke til dit spørgeskema.";
  }
  std::smatch match;
  if (std::regex_match(text, match, std::regex("must be (-?[0-9]+) to (-?[0-9]+)"))) {
    return english ? absl::StrCat("Give a whole number from ", match[1].str(), " to ",
                                  match[2].str(), ".")
                   : absl::StrCat("Angiv et helt tal fra ", match[1].str(), " til ", match[2].str(),
                                  ".");
  }
  if (std::regex_match(
          text, match,
          std::regex("is (?:too long|longer than)[^0-9]*([0-9]+) (?:characters|bytes)"))) {
    return english ? absl::StrCat("Write at most ", match[1].str(), " characters.")
                   : absl::StrCat("Skriv højst ", match[1].str(), " tegn.");
  }
  if (text.starts_with("must be valid UTF-8") || text.starts_with("must be UTF-8")) {
    return english ? "Remove special control characters from the text."
                   : "Fjern særlige kontroltegn fra teksten.";
  }
  // Unknown: the service's own words, as a sentence.
  std::string sentence = text;
  if (!sentence.empty() && sentence.back() != '.') sentence.push_back('.');
  return sentence;
}

}  // namespace ipraktik::participant_web
