#pragma once

// The sector of a workplace; crossing sectors is one of the programme's aims.

#include <optional>
#include <string_view>

namespace ipraktik::model {

// kUnspecified: a workplace that did not say, or a wish that takes any sector.
enum class Sector { kUnspecified, kMunicipal, kRegional, kState, kPrivate };

// "municipal", "regional", "state", "private"; "unspecified".
std::string_view SectorName(Sector sector);
// The reverse of SectorName for the four sectors; nullopt for anything else.
std::optional<Sector> ParseSector(std::string_view name);

}  // namespace ipraktik::model
