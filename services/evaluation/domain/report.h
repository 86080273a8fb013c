#pragma once

// What a programme achieved, from its participants' answers, without ever exposing a person.
//
// Answers are never kept per person for reporting: each one is added at once to the tally of its
// cell (programme, round, role, own sector, region, host sector), so a report sums cells and
// costs the number of cells, not the number of answers. A report splits its scope into rows by
// role and sector, with a total, and applies the anonymity rules itself (callers cannot skip
// them):
//  - a group with fewer answers than the threshold (default 5) shows its counts only;
//  - free text (the ideas) needs more (default 8);
//  - when exactly one row is hidden, the smallest shown row is hidden too, so that the total
//    minus the shown rows does not give the hidden one away;
//  - under a filter, a group is hidden when the same group without the filter differs from it by
//    fewer answers than the threshold (but some), so that the unfiltered figures minus the
//    filtered ones do not give away the few left out.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/survey.h"

namespace ipraktik::evaluation {

// The finest group an answer is counted in. Sectors are the model's names ("municipal", ...),
// regions the canonical ones ("Midtjylland").
struct CellKey {
  std::string programme_id{};
  std::string round_id{};
  Role role = Role::kIntern;
  std::string sector{};       // the participant's own workplace's sector
  std::string region{};       // the participant's own workplace's region
  std::string host_sector{};  // the sector of the workplace the internship was at

  friend auto operator<=>(const CellKey&, const CellKey&) = default;
};

// The three rating questions of the first survey, in report order: overall value, relevance,
// and the other side (an intern's rating of the host's preparation, a host's of the intern's
// contribution).
inline constexpr int kRatingQuestions = 3;
inline constexpr int kRatingValues = kMaxRating - kMinRating + 1;
using RatingCounts = std::array<std::int64_t, kRatingValues>;  // answers per value 1..5

// Counts of one cell (or of a sum of cells). Only sums: nothing in it names a person.
struct Tally {
  std::int64_t participants = 0;  // invited to the first survey
  std::int64_t cross_sector = 0;  // of them, placed with a host of another sector
  std::int64_t answers = 0;       // first-survey answers
  std::array<RatingCounts, kRatingQuestions> ratings{};
  std::int64_t would_recommend = 0;
  std::array<std::int64_t, kLengthVerdicts> length{};  // too short, right, too long
  std::int64_t new_contacts = 0;                       // their sum
  std::int64_t new_contacts_answers = 0;               // answers that gave a number
  std::int64_t follow_up_invited = 0;
  std::int64_t follow_up_answers = 0;
  std::int64_t used_learning = 0;
  std::int64_t kept_contact = 0;
  std::int64_t workplace_changed = 0;

  // A participant invited to the first survey.
  void AddParticipant(bool crosses_sectors);
  void AddFollowUpInvitation() { ++follow_up_invited; }
  // Answers already valid for their role and wave (ValidateAnswers).
  void AddAnswers(const Answers& given, Wave wave);

  Tally& operator+=(const Tally& other);
  Tally& operator-=(const Tally& other);
  friend bool operator==(const Tally&, const Tally&) = default;
};

// One cell's tally and the ideas its answers gave (text only; the order they came in).
struct Cell {
  CellKey key{};
  Tally tally{};
  std::vector<std::string> ideas{};
};

struct AnonymityRules {
  int min_answers = 5;           // below: counts only
  int min_answers_for_text = 8;  // below: no ideas
};

// Which cells a report covers: everything given (a tenant's or, for the national operator, all
// tenants' cells), one programme, or one round; and the filters.
struct ReportQuery {
  std::optional<std::string> programme_id{};
  std::optional<std::string> round_id{};
  std::optional<Role> role{};
  std::optional<std::string> sector{};
  std::optional<std::string> region{};
  std::optional<std::string> host_sector{};
};

struct RatingFigures {
  double mean = 0;  // over the answers that rated it
  RatingCounts distribution{};
};

// One row of a report (or its total). When hidden, only the counts are filled in.
struct GroupFigures {
  std::optional<Role> role{};  // empty for the total
  std::string sector{};        // "" for the total
  std::int64_t participants = 0;
  std::int64_t answers = 0;
  std::int64_t cross_sector = 0;
  bool hidden = false;  // fewer answers than the threshold, or would reveal a hidden group
  // The figures, when not hidden.
  double response_rate = 0;       // answers / participants
  double cross_sector_share = 0;  // cross_sector / participants
  std::array<RatingFigures, kRatingQuestions> ratings{};
  double recommend_share = 0;
  std::array<std::int64_t, kLengthVerdicts> length{};
  double mean_new_contacts = 0;
  std::int64_t follow_up_answers = 0;
  std::int64_t used_learning = 0;
  std::int64_t kept_contact = 0;
  std::int64_t workplace_changed = 0;
  bool ideas_hidden = true;
  std::vector<std::string> ideas{};
};

struct Report {
  GroupFigures total{};
  std::vector<GroupFigures> rows{};  // by role, then sector
};

Report BuildReport(const std::vector<Cell>& cells, const ReportQuery& query,
                   const AnonymityRules& rules = {});

}  // namespace ipraktik::evaluation
