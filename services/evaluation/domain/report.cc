#include "domain/report.h"

#include <algorithm>
#include <utility>

namespace ipraktik::evaluation {
namespace {

void AddRating(RatingCounts& counts, const std::optional<int>& rating) {
  if (rating.has_value()) ++counts[static_cast<std::size_t>(*rating - kMinRating)];
}

template <typename Op>
void Combine(Tally& into, const Tally& from, Op op) {
  auto apply = [&](std::int64_t& a, std::int64_t b) { a = op(a, b); };
  apply(into.participants, from.participants);
  apply(into.cross_sector, from.cross_sector);
  apply(into.answers, from.answers);
  for (int q = 0; q < kRatingQuestions; ++q) {
    for (int v = 0; v < kRatingValues; ++v) apply(into.ratings[q][v], from.ratings[q][v]);
  }
  apply(into.would_recommend, from.would_recommend);
  for (int v = 0; v < kLengthVerdicts; ++v) apply(into.length[v], from.length[v]);
  apply(into.new_contacts, from.new_contacts);
  apply(into.new_contacts_answers, from.new_contacts_answers);
  apply(into.follow_up_invited, from.follow_up_invited);
  apply(into.follow_up_answers, from.follow_up_answers);
  apply(into.used_learning, from.used_learning);
  apply(into.kept_contact, from.kept_contact);
  apply(into.workplace_changed, from.workplace_changed);
}

double Share(std::int64_t part, std::int64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// A group being built: its tally and ideas, with and without the query's filters.
struct Group {
  Tally filtered;
  Tally unfiltered;
  std::vector<std::string> ideas;
  std::int64_t unfiltered_ideas = 0;
};

bool InScope(const CellKey& key, const ReportQuery& query) {
  return (!query.programme_id || key.programme_id == *query.programme_id) &&
         (!query.round_id || key.round_id == *query.round_id);
}

bool PassesFilters(const CellKey& key, const ReportQuery& query) {
  return (!query.role || key.role == *query.role) &&
         (!query.sector || key.sector == *query.sector) &&
         (!query.region || key.region == *query.region) &&
         (!query.host_sector || key.host_sector == *query.host_sector);
}

void AddTo(Group& group, const Cell& cell, bool passes) {
  group.unfiltered += cell.tally;
  group.unfiltered_ideas += static_cast<std::int64_t>(cell.ideas.size());
  if (!passes) return;
  group.filtered += cell.tally;
  group.ideas.insert(group.ideas.end(), cell.ideas.begin(), cell.ideas.end());
}

// Too few answers left out by the filters: the unfiltered group minus this one would show them.
bool RevealsTheLeftOut(std::int64_t filtered, std::int64_t unfiltered, int threshold) {
  std::int64_t left_out = unfiltered - filtered;
  return left_out > 0 && left_out < threshold;
}

GroupFigures Figures(const Group& group, std::optional<Role> role, std::string sector,
                     const AnonymityRules& rules) {
  const Tally& t = group.filtered;
  GroupFigures out{.role = role,
                   .sector = std::move(sector),
                   .participants = t.participants,
                   .answers = t.answers,
                   .cross_sector = t.cross_sector};
  out.hidden = t.answers < rules.min_answers ||
               RevealsTheLeftOut(t.answers, group.unfiltered.answers, rules.min_answers);
  if (out.hidden) return out;
  out.response_rate = Share(t.answers, t.participants);
  out.cross_sector_share = Share(t.cross_sector, t.participants);
  for (int q = 0; q < kRatingQuestions; ++q) {
    std::int64_t count = 0;
    std::int64_t sum = 0;
    for (int v = 0; v < kRatingValues; ++v) {
      count += t.ratings[q][v];
      sum += t.ratings[q][v] * (v + kMinRating);
    }
    out.ratings[q] = {.mean = Share(sum, count), .distribution = t.ratings[q]};
  }
  out.recommend_share = Share(t.would_recommend, t.answers);
  out.length = t.length;
  out.mean_new_contacts = Share(t.new_contacts, t.new_contacts_answers);
  out.follow_up_answers = t.follow_up_answers;
  out.used_learning = t.used_learning;
  out.kept_contact = t.kept_contact;
  out.workplace_changed = t.workplace_changed;
  out.ideas_hidden =
      t.answers < rules.min_answers_for_text ||
      RevealsTheLeftOut(t.answers, group.unfiltered.answers, rules.min_answers_for_text);
  if (!out.ideas_hidden) out.ideas = group.ideas;
  return out;
}

void Hide(GroupFigures& figures) {
  figures = GroupFigures{.role = figures.role,
                         .sector = std::move(figures.sector),
                         .participants = figures.participants,
                         .answers = figures.answers,
                         .cross_sector = figures.cross_sector,
                         .hidden = true};
}

// With the total shown, a single hidden row with answers is the total minus the others: hide the
// shown row with the fewest answers as well.
void HideComplements(Report& report) {
  if (report.total.hidden) return;
  auto hidden_with_answers = std::count_if(report.rows.begin(), report.rows.end(),
                                           [](auto& row) { return row.hidden && row.answers > 0; });
  if (hidden_with_answers != 1) return;
  GroupFigures* smallest = nullptr;
  for (GroupFigures& row : report.rows) {
    if (row.hidden || row.answers == 0) continue;
    if (smallest == nullptr || row.answers < smallest->answers) smallest = &row;
  }
  if (smallest != nullptr) {
    Hide(*smallest);
  } else {
    Hide(report.total);  // nothing else to hide: the total alone would show the hidden row
  }
}

}  // namespace

void Tally::AddParticipant(bool crosses_sectors) {
  ++participants;
  if (crosses_sectors) ++cross_sector;
}

void Tally::AddAnswers(const Answers& given, Wave wave) {
  if (wave == Wave::kFollowUp) {
    ++follow_up_answers;
    used_learning += given.used_learning.value_or(false) ? 1 : 0;
    kept_contact += given.kept_contact.value_or(false) ? 1 : 0;
    workplace_changed += given.workplace_changed.value_or(false) ? 1 : 0;
    return;
  }
  ++answers;
  AddRating(ratings[0], given.overall_value);
  AddRating(ratings[1], given.relevance);
  AddRating(ratings[2], given.host_preparation.has_value() ? given.host_preparation
                                                           : given.intern_contribution);
  would_recommend += given.would_recommend.value_or(false) ? 1 : 0;
  if (given.length.has_value()) ++length[static_cast<std::size_t>(*given.length)];
  if (given.new_contacts.has_value()) {
    new_contacts += *given.new_contacts;
    ++new_contacts_answers;
  }
}

Tally& Tally::operator+=(const Tally& other) {
  Combine(*this, other, [](std::int64_t a, std::int64_t b) { return a + b; });
  return *this;
}

Tally& Tally::operator-=(const Tally& other) {
  Combine(*this, other, [](std::int64_t a, std::int64_t b) { return a - b; });
  return *this;
}

Report BuildReport(const std::vector<Cell>& cells, const ReportQuery& query,
                   const AnonymityRules& rules) {
  Group total;
  std::map<std::pair<Role, std::string>, Group> rows;
  for (const Cell& cell : cells) {
    if (!InScope(cell.key, query)) continue;
    bool passes = PassesFilters(cell.key, query);
    AddTo(total, cell, passes);
    // A row's unfiltered counterpart is the same role and sector without the filters.
    AddTo(rows[{cell.key.role, cell.key.sector}], cell, passes);
  }
  Report report{.total = Figures(total, std::nullopt, "", rules)};
  for (const auto& [key, group] : rows) {
    if (group.filtered.participants == 0 && group.filtered.answers == 0) continue;
    report.rows.push_back(Figures(group, key.first, key.second, rules));
  }
  HideComplements(report);
  return report;
}

}  // namespace ipraktik::evaluation
