#pragma once

// One matching round as the engine sees it: hosts with a capacity, interns with ranked wishes, and
// the coordinator's pins and forbids. Plain value types: the matching worker fills them from its
// snapshot, the JSON reader fills them from a file (json.h).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace ipraktik::matching {

enum class Sector { kMunicipal, kRegional, kState, kPrivate };

// "municipal", "regional", "state", "private".
std::string_view SectorName(Sector sector);
std::optional<Sector> ParseSector(std::string_view name);

struct Host {
  std::string id;
  std::string organization;
  Sector sector = Sector::kMunicipal;
  std::string region;
  std::int64_t capacity = 0;  // how many interns the host takes
};

// One wished host. Ranks start at 1 and follow the intern's list: the hosts of an equal-rank
// group (a wish by field, sector or region) share one rank, and a dropped wish does not move the
// later ones up.
struct Wish {
  std::string host;
  std::uint32_t rank = 1;
};

struct Intern {
  std::string id;
  std::string organization;
  Sector sector = Sector::kMunicipal;
  std::string region;
  std::vector<Wish> wishes;  // ranks never decrease along the list
};

// An (intern, host) pair named by a coordinator.
struct Pair {
  std::string intern;
  std::string host;
};

struct Instance {
  std::string round;
  std::vector<Host> hosts;
  std::vector<Intern> interns;
  // The intern goes to the host. A pin that breaks a rule (not a valid wish, host full, intern
  // pinned twice, ...) is refused with the reason and the intern is matched like the others.
  std::vector<Pair> pinned;
  // The intern never goes to the host: the wish is dropped with reason "forbidden".
  std::vector<Pair> forbidden;
};

// What makes an instance malformed as a whole: an empty or repeated intern or host id, a negative
// capacity, a rank below 1 or smaller than the one before it. The message names the record and
// the field, e.g. `hosts[3] (id "h-4"): field "capacity": -1 is negative`.
absl::Status Validate(const Instance& instance);

}  // namespace ipraktik::matching
