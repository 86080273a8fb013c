#include "ipraktik/matching/instance.h"

#include <cstdint>
#include <string>

#include "src/id_table.h"
#include "src/text.h"

namespace ipraktik::matching {

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
  }
  return "unknown";
}

std::optional<Sector> ParseSector(std::string_view name) {
  if (name == "municipal") return Sector::kMunicipal;
  if (name == "regional") return Sector::kRegional;
  if (name == "state") return Sector::kState;
  if (name == "private") return Sector::kPrivate;
  return std::nullopt;
}

namespace {

bool IsKnownSector(Sector sector) {
  return sector == Sector::kMunicipal || sector == Sector::kRegional || sector == Sector::kState ||
         sector == Sector::kPrivate;
}

// Ids must be unique within their kind; the message points at both records.
absl::Status CheckIdsUnique(std::string_view kind, std::size_t count, const auto& id_of) {
  const IdTable first_index(count, id_of);  // keeps the first of equal ids
  for (std::size_t i = 0; i < count; ++i) {
    if (i + IdTable::kAhead < count) first_index.Prefetch(id_of(i + IdTable::kAhead));
    std::string_view id = id_of(i);
    if (id.empty()) {
      return absl::InvalidArgumentError(
          Cat(RecordName(kind, i, id), ": field \"id\": missing or empty"));
    }
    if (const std::uint32_t first = first_index.Find(id); first != i) {
      return absl::InvalidArgumentError(
          Cat(RecordName(kind, i, id), ": field \"id\": duplicate of ", kind, "[", first, "]"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Validate(const Instance& instance) {
  const auto& hosts = instance.hosts;
  const auto& interns = instance.interns;
  if (auto status = CheckIdsUnique("hosts", hosts.size(),
                                   [&](std::size_t i) -> std::string_view { return hosts[i].id; });
      !status.ok()) {
    return status;
  }
  if (auto status =
          CheckIdsUnique("interns", interns.size(),
                         [&](std::size_t i) -> std::string_view { return interns[i].id; });
      !status.ok()) {
    return status;
  }
  for (std::size_t h = 0; h < hosts.size(); ++h) {
    if (hosts[h].capacity < 0) {
      return absl::InvalidArgumentError(Cat(RecordName("hosts", h, hosts[h].id),
                                            ": field \"capacity\": ", hosts[h].capacity,
                                            " is negative"));
    }
    if (!IsKnownSector(hosts[h].sector)) {
      return absl::InvalidArgumentError(
          Cat(RecordName("hosts", h, hosts[h].id), ": field \"sector\": unknown sector"));
    }
  }
  for (std::size_t i = 0; i < interns.size(); ++i) {
    const Intern& intern = interns[i];
    if (!IsKnownSector(intern.sector)) {
      return absl::InvalidArgumentError(
          Cat(RecordName("interns", i, intern.id), ": field \"sector\": unknown sector"));
    }
    std::uint32_t previous_rank = 1;
    for (std::size_t w = 0; w < intern.wishes.size(); ++w) {
      std::uint32_t rank = intern.wishes[w].rank;
      if (rank < previous_rank) {
        return absl::InvalidArgumentError(
            Cat(RecordName("interns", i, intern.id), ": field \"wishes\"[", w, "]: rank ", rank,
                rank == 0 ? " is below 1" : " is smaller than the rank before it"));
      }
      previous_rank = rank;
    }
  }
  for (const auto* pairs : {&instance.pinned, &instance.forbidden}) {
    std::string_view kind = pairs == &instance.pinned ? "pinned" : "forbidden";
    for (std::size_t p = 0; p < pairs->size(); ++p) {
      if ((*pairs)[p].intern.empty() || (*pairs)[p].host.empty()) {
        return absl::InvalidArgumentError(Cat(kind, "[", p, "]: field \"",
                                              (*pairs)[p].intern.empty() ? "intern" : "host",
                                              "\": missing or empty"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace ipraktik::matching
