#include <array>
#include <utility>

#include "ipraktik/model/language.h"
#include "ipraktik/model/sector.h"

namespace ipraktik::model {
namespace {

// Both directions read the one table.
constexpr std::array<std::pair<Sector, std::string_view>, 4> kSectorNames = {{
    {Sector::kMunicipal, "municipal"},
    {Sector::kRegional, "regional"},
    {Sector::kState, "state"},
    {Sector::kPrivate, "private"},
}};

}  // namespace

std::string_view SectorName(Sector sector) {
  for (const auto& [value, name] : kSectorNames) {
    if (value == sector) return name;
  }
  return "unspecified";
}

std::optional<Sector> ParseSector(std::string_view name) {
  for (const auto& [value, text] : kSectorNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

const char* LanguageCode(Language language) { return language == Language::kEnglish ? "en" : "da"; }

}  // namespace ipraktik::model
