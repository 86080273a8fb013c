#include "domain/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ipraktik::evaluation {
namespace {

using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Builds cells the way the service does: every participant and answer added to its cell.
class Cells {
 public:
  // n participants of one cell, the first `answering` of whom answer with ratings r.
  Cells& Add(const CellKey& key, int participants, const std::vector<Answers>& answers,
             bool cross_sector = false) {
    Cell& cell = cells_[key];
    cell.key = key;
    for (int i = 0; i < participants; ++i) cell.tally.AddParticipant(cross_sector);
    for (const Answers& a : answers) {
      cell.tally.AddAnswers(a, Wave::kFirst);
      if (!a.idea.empty()) cell.ideas.push_back(a.idea);
    }
    return *this;
  }
  std::vector<Cell> list() const {
    std::vector<Cell> out;
    for (const auto& [key, cell] : cells_) out.push_back(cell);
    return out;
  }

 private:
  std::map<CellKey, Cell> cells_;
};

Answers Rated(int overall, bool recommend, LengthVerdict length, std::string idea = "") {
  return {.overall_value = overall,
          .relevance = 3,
          .host_preparation = 4,
          .length = length,
          .would_recommend = recommend,
          .new_contacts = 2,
          .idea = std::move(idea)};
}

CellKey Key(Role role, std::string sector, std::string region = "Midtjylland",
            std::string round = "r1") {
  return {.programme_id = "p1",
          .round_id = std::move(round),
          .role = role,
          .sector = std::move(sector),
          .region = std::move(region),
          .host_sector = "state"};
}

std::vector<Answers> Repeat(int n, const Answers& answers) {
  return std::vector<Answers>(n, answers);
}

TEST(Report, FiguresAreTheOnesComputedByHand) {
  // 10 municipal interns, 8 answered: overall 5,5,5,4,4,3,2,1 -> mean 29/8; 6 recommend.
  std::vector<Answers> answers = {Rated(5, true, LengthVerdict::kTooShort, "idé 1"),
                                  Rated(5, true, LengthVerdict::kTooShort),
                                  Rated(5, true, LengthVerdict::kRight),
                                  Rated(4, true, LengthVerdict::kRight),
                                  Rated(4, true, LengthVerdict::kRight, "idé 2"),
                                  Rated(3, true, LengthVerdict::kTooShort),
                                  Rated(2, false, LengthVerdict::kTooLong),
                                  Rated(1, false, LengthVerdict::kTooShort)};
  Cells cells;
  cells.Add(Key(Role::kIntern, "municipal"), 10, answers, /*cross_sector=*/true);
  Report report = BuildReport(cells.list(), {.round_id = "r1"});
  const GroupFigures& total = report.total;
  EXPECT_FALSE(total.hidden);
  EXPECT_EQ(total.participants, 10);
  EXPECT_EQ(total.answers, 8);
  EXPECT_THAT(total.response_rate, DoubleEq(0.8));
  EXPECT_THAT(total.cross_sector_share, DoubleEq(1.0));
  EXPECT_THAT(total.ratings[0].mean, DoubleEq(29.0 / 8));
  EXPECT_THAT(total.ratings[0].distribution, ElementsAre(1, 1, 1, 2, 3));
  EXPECT_THAT(total.ratings[1].mean, DoubleEq(3.0));
  EXPECT_THAT(total.recommend_share, DoubleEq(6.0 / 8));
  EXPECT_THAT(total.length, ElementsAre(4, 3, 1));
  EXPECT_THAT(total.mean_new_contacts, DoubleEq(2.0));
  EXPECT_FALSE(total.ideas_hidden);
  EXPECT_THAT(total.ideas, ElementsAre("idé 1", "idé 2"));
  ASSERT_EQ(report.rows.size(), 1u);
  EXPECT_EQ(report.rows[0].role, Role::kIntern);
  EXPECT_EQ(report.rows[0].sector, "municipal");
}

TEST(Report, ASmallGroupShowsCountsOnlyAndFreeTextNeedsMore) {
  Cells cells;
  cells.Add(Key(Role::kIntern, "municipal"), 6,
            Repeat(4, Rated(5, true, LengthVerdict::kRight, "x")));
  Report report = BuildReport(cells.list(), {});
  EXPECT_TRUE(report.total.hidden);
  EXPECT_EQ(report.total.participants, 6);
  EXPECT_EQ(report.total.answers, 4);
  EXPECT_THAT(report.total.ratings[0].mean, DoubleEq(0));
  EXPECT_THAT(report.total.ideas, IsEmpty());

  Cells six;
  six.Add(Key(Role::kIntern, "municipal"), 6,
          Repeat(6, Rated(5, true, LengthVerdict::kRight, "x")));
  Report shown = BuildReport(six.list(), {});
  EXPECT_FALSE(shown.total.hidden);
  EXPECT_TRUE(shown.total.ideas_hidden);  // 6 answers: figures yes, free text no (needs 8)
  EXPECT_THAT(shown.total.ideas, IsEmpty());
}

TEST(Report, ASingleHiddenRowHidesTheSmallestShownRowToo) {
  Cells cells;
  cells.Add(Key(Role::kIntern, "municipal"), 20, Repeat(12, Rated(4, true, LengthVerdict::kRight)))
      .Add(Key(Role::kIntern, "state"), 10, Repeat(7, Rated(3, true, LengthVerdict::kRight)))
      .Add(Key(Role::kIntern, "private"), 3, Repeat(2, Rated(1, false, LengthVerdict::kTooLong)));
  Report report = BuildReport(cells.list(), {});
  EXPECT_FALSE(report.total.hidden);
  ASSERT_EQ(report.rows.size(), 3u);
  auto row = [&](std::string_view sector) {
    for (const auto& r : report.rows)
      if (r.sector == sector) return r;
    return GroupFigures{};
  };
  EXPECT_TRUE(row("private").hidden);  // 2 answers
  EXPECT_TRUE(row("state").hidden);    // shown, it would give private's away from the total
  EXPECT_FALSE(row("municipal").hidden);
  EXPECT_EQ(row("state").answers, 7);  // counts stay
}

TEST(Report, AFilterThatLeavesOutAFewAnswersIsHidden) {
  // 9 answers in Midtjylland and 2 in Nordjylland, all municipal interns: the region filter
  // "Midtjylland" would show 9 answers, and the unfiltered 11 minus them the other region's 2.
  Cells cells;
  cells
      .Add(Key(Role::kIntern, "municipal", "Midtjylland"), 9,
           Repeat(9, Rated(5, true, LengthVerdict::kRight)))
      .Add(Key(Role::kIntern, "municipal", "Nordjylland"), 2,
           Repeat(2, Rated(1, false, LengthVerdict::kTooLong)));
  Report filtered = BuildReport(cells.list(), {.region = "Midtjylland"});
  EXPECT_EQ(filtered.total.answers, 9);
  EXPECT_TRUE(filtered.total.hidden);
  // With 5 or more left out, the filtered figures are shown.
  cells.Add(Key(Role::kIntern, "municipal", "Nordjylland"), 3,
            Repeat(3, Rated(1, false, LengthVerdict::kTooLong)));
  Report shown = BuildReport(cells.list(), {.region = "Midtjylland"});
  EXPECT_FALSE(shown.total.hidden);
  EXPECT_THAT(shown.total.ratings[0].mean, DoubleEq(5.0));
}

TEST(Report, ScopeAndFiltersSelectCellsAndTalliesSubtractBack) {
  Cells cells;
  cells
      .Add(Key(Role::kIntern, "municipal", "Midtjylland", "r1"), 5,
           Repeat(5, Rated(5, true, LengthVerdict::kRight)))
      .Add(Key(Role::kHost, "state", "Midtjylland", "r2"), 7,
           Repeat(6, Rated(2, true, LengthVerdict::kRight)));
  Report round1 = BuildReport(cells.list(), {.round_id = "r1"});
  EXPECT_EQ(round1.total.participants, 5);
  Report programme = BuildReport(cells.list(), {.programme_id = "p1"});
  EXPECT_EQ(programme.total.participants, 12);
  EXPECT_EQ(programme.rows.size(), 2u);
  Report hosts = BuildReport(cells.list(), {.role = Role::kHost});
  EXPECT_EQ(hosts.total.participants, 7);
  ASSERT_EQ(hosts.rows.size(), 1u);
  EXPECT_EQ(hosts.rows[0].role, Role::kHost);

  Tally a = cells.list()[0].tally;
  Tally sum = a;
  sum += cells.list()[1].tally;
  sum -= cells.list()[1].tally;
  EXPECT_EQ(sum, a);
}

}  // namespace
}  // namespace ipraktik::evaluation
