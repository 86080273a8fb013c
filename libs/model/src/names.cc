#include "ipraktik/model/language.h"
#include "ipraktik/model/sector.h"

namespace ipraktik::model {

std::string_view SectorName(Sector sector) {
  switch (sector) {
    case Sector::kMunicipal:
      return "municipal";
    case Sector::kRegional:
      return "regional";
    case Sector::kState:
      return "state";
    case Sector::kPrivate:
      return "private";
    case Sector::kUnspecified:
      break;
  }
  return "unspecified";
}

std::optional<Sector> ParseSector(std::string_view name) {
  for (Sector sector : {Sector::kMunicipal, Sector::kRegional, Sector::kState, Sector::kPrivate}) {
    if (SectorName(sector) == name) return sector;
  }
  return std::nullopt;
}

const char* LanguageCode(Language language) { return language == Language::kEnglish ? "en" : "da"; }

}  // namespace ipraktik::model
