// How a report cell and its tally are stored: a cell's id joins its key's parts, its tally is a
// hash of counters (zero counters are not written), one table of names for both directions.
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "evaluation_store.h"

namespace ipraktik::evaluation {
namespace {

// Every counter of a tally with its field name in the cell's hash.
std::vector<std::pair<std::string, std::int64_t*>> Slots(Tally& tally) {
  std::vector<std::pair<std::string, std::int64_t*>> slots = {
      {"participants", &tally.participants},
      {"cross_sector", &tally.cross_sector},
      {"answers", &tally.answers},
      {"recommend", &tally.would_recommend},
      {"contacts", &tally.new_contacts},
      {"contacts_n", &tally.new_contacts_answers},
      {"fu_invited", &tally.follow_up_invited},
      {"fu_answers", &tally.follow_up_answers},
      {"used", &tally.used_learning},
      {"kept", &tally.kept_contact},
      {"changed", &tally.workplace_changed}};
  for (int q = 0; q < kRatingQuestions; ++q) {
    for (int v = 0; v < kRatingValues; ++v) {
      slots.emplace_back(absl::StrCat("r", q, "_", v + kMinRating), &tally.ratings[q][v]);
    }
  }
  for (int v = 0; v < kLengthVerdicts; ++v) {
    slots.emplace_back(absl::StrCat("len", v), &tally.length[v]);
  }
  return slots;
}

}  // namespace

std::int64_t DayNumber(std::chrono::year_month_day day) {
  return std::chrono::sys_days(day).time_since_epoch().count();
}

std::vector<std::pair<std::string, std::int64_t>> TallyFields(const Tally& tally, bool with_zeros) {
  Tally copy = tally;
  std::vector<std::pair<std::string, std::int64_t>> fields;
  for (const auto& [name, slot] : Slots(copy)) {
    if (*slot != 0 || with_zeros) fields.emplace_back(name, *slot);
  }
  return fields;
}

Tally TallyFromFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  Tally tally;
  std::map<std::string, std::int64_t*> slots;
  for (const auto& [name, slot] : Slots(tally)) slots[name] = slot;
  for (const auto& [field, value] : fields) {
    auto it = slots.find(field);
    std::int64_t number = 0;
    if (it != slots.end() && absl::SimpleAtoi(value, &number)) *it->second = number;
  }
  return tally;
}

std::string CellId(const CellKey& key) {
  return absl::StrJoin({key.programme_id, key.round_id, std::string(RoleName(key.role)), key.sector,
                        key.region, key.host_sector},
                       "|");
}

std::optional<CellKey> CellKeyFromId(std::string_view id) {
  std::vector<std::string> parts = absl::StrSplit(absl::string_view(id.data(), id.size()), '|');
  if (parts.size() != 6 || (parts[2] != "intern" && parts[2] != "host")) return std::nullopt;
  return CellKey{.programme_id = parts[0],
                 .round_id = parts[1],
                 .role = parts[2] == "intern" ? Role::kIntern : Role::kHost,
                 .sector = parts[3],
                 .region = parts[4],
                 .host_sector = parts[5]};
}

}  // namespace ipraktik::evaluation
