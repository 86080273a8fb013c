// From a snapshot stream and a job's input to the engine's instance, and from the engine's result
// to the stored parts: ids, days, drops for want of a common day, applications split over parts,
// withdrawals, kept placements, coordinator pins and forbids, mutual swaps, and a snapshot that
// is not what the export promises.
#include "round_builder.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ipraktik/contract/unmatched_reasons.h"
#include "ipraktik/matching/solver.h"
#include "result_parts.h"
#include "snapshot_samples.h"

namespace ipraktik::matching_worker {
namespace {

using testing::Snapshot;

absl::StatusOr<PreparedRound> Build(const Snapshot& snapshot, v1::MatchingJobInput input = {}) {
  input.set_round_id("round-1");
  RoundBuilder builder(input);
  for (const auto& part : snapshot.Parts()) {
    if (absl::Status status = builder.Add(part); !status.ok()) return status;
  }
  return std::move(builder).Finish();
}

struct Solved {
  PreparedRound round;
  matching::Result result;
  v1::MatchingSummary summary;
  std::vector<v1::GetMatchingResultResponse> parts;
};

Solved Solve(const Snapshot& snapshot, v1::MatchingJobInput input = {}, int per_part = 100) {
  auto round = Build(snapshot, input);
  EXPECT_TRUE(round.ok()) << round.status();
  auto result = matching::Solve(round->instance);
  EXPECT_TRUE(result.ok()) << result.status();
  Solved solved{
      .round = *std::move(round), .result = *std::move(result), .summary = {}, .parts = {}};
  solved.summary = Summarize(solved.result, solved.round);
  EXPECT_TRUE(EmitResultParts(solved.result, solved.round, solved.summary, per_part,
                              [&](const v1::GetMatchingResultResponse& part) {
                                solved.parts.push_back(part);
                                return absl::OkStatus();
                              })
                  .ok());
  return solved;
}

// Each unplaced intern's reason code, by intern.
std::map<std::string, std::string> UnmatchedCodes(const Solved& solved) {
  std::map<std::string, std::string> codes;
  for (const auto& part : solved.parts) {
    for (const auto& u : part.unmatched()) codes[u.participant_id()] = u.reason_code();
  }
  return codes;
}

// Each dropped wish's reason code, by "intern|host".
std::map<std::string, std::string> DropCodes(const Solved& solved) {
  std::map<std::string, std::string> codes;
  for (const auto& part : solved.parts) {
    for (const auto& d : part.dropped_wishes()) {
      codes[d.participant_id() + "|" + d.host_offer_id()] = d.reason_code();
    }
  }
  return codes;
}

std::vector<v1::MatchedPair> Assignments(const Solved& solved) {
  std::vector<v1::MatchedPair> all;
  for (const auto& part : solved.parts) {
    for (const auto& pair : part.assignments()) all.push_back(pair);
  }
  return all;
}

TEST(RoundBuilder, MapsOffersAndApplicationsToTheEngineInstance) {
  Snapshot snapshot;
  snapshot.Offer("o-1", "w-dragor", 2);
  snapshot.Offer("o-2", "w-fm", 1);
  snapshot.Intern("p-1", "w-fm", {{"o-1"}, {"o-2", "o-9"}});
  auto round = Build(snapshot);
  ASSERT_TRUE(round.ok()) << round.status();
  const matching::Instance& instance = round->instance;
  EXPECT_EQ(instance.round, "round-1");
  ASSERT_EQ(instance.hosts.size(), 2u);
  EXPECT_EQ(instance.hosts[0].id, "o-1");
  EXPECT_EQ(instance.hosts[0].organization, "w-dragor");
  EXPECT_EQ(instance.hosts[0].capacity, 2);
  ASSERT_EQ(instance.interns.size(), 1u);
  EXPECT_EQ(instance.interns[0].id, "p-1");
  EXPECT_EQ(instance.interns[0].sector, matching::Sector::kState);
  ASSERT_EQ(instance.interns[0].wishes.size(), 3u);
  EXPECT_EQ(instance.interns[0].wishes[1].host, "o-2");
  EXPECT_EQ(instance.interns[0].wishes[2].host, "o-9");
  EXPECT_EQ(instance.interns[0].wishes[2].rank, 2u) << "a criteria wish keeps one rank";
  EXPECT_EQ(round->revision, 3);
}

TEST(RoundBuilder, DropsWishesWithoutACommonDayAndPlacesOnTheCommonDays) {
  Snapshot snapshot;
  snapshot.Offer("o-mon", "w-a", 1, {14});
  snapshot.Offer("o-week", "w-b", 1, {14, 15, 16});
  snapshot.Offer("o-any", "w-c", 1);
  snapshot.Intern("p-1", "w-x", {{"o-mon"}, {"o-week"}}, {15, 16});
  snapshot.Intern("p-2", "w-x", {{"o-any"}}, {16});
  Solved solved = Solve(snapshot);
  ASSERT_EQ(solved.round.day_drops.size(), 1u);
  EXPECT_EQ(solved.round.day_drops[0].host, "o-mon");

  auto pairs = Assignments(solved);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].host_offer_id(), "o-week");
  EXPECT_EQ(pairs[0].rank(), 2);
  ASSERT_EQ(pairs[0].days_size(), 2);
  EXPECT_EQ(pairs[0].days(0).day(), 15);
  EXPECT_EQ(pairs[0].days(1).day(), 16);
  ASSERT_EQ(pairs[1].days_size(), 1) << "an offer without days takes the intern's";
  EXPECT_EQ(pairs[1].days(0).day(), 16);

  bool reported = false;
  for (const auto& part : solved.parts) {
    for (const auto& drop : part.dropped_wishes()) {
      reported |= drop.host_offer_id() == "o-mon" && drop.reason_code() == "no_common_day";
    }
  }
  EXPECT_TRUE(reported);
  EXPECT_EQ(solved.summary.dropped_wishes(), 1);
}

TEST(RoundBuilder, JoinsAnApplicationSplitOverParts) {
  Snapshot snapshot;
  snapshot.Offer("o-1", "w-a", 1);
  snapshot.Offer("o-2", "w-b", 1);
  snapshot.Intern("p-1", "w-x", {{"o-1"}});
  auto parts = snapshot.Parts();
  v1::ExportRoundSnapshotResponse rest;
  v1::SnapshotApplication* continued = rest.add_applications();
  continued->set_application_id("app-p-1");
  continued->set_continued(true);
  v1::SnapshotWish* wish = continued->add_wishes();
  wish->set_rank(2);
  wish->add_host_offer_ids("o-2");
  parts.insert(parts.end() - 1, rest);

  RoundBuilder builder({});
  for (const auto& part : parts) ASSERT_TRUE(builder.Add(part).ok());
  auto round = std::move(builder).Finish();
  ASSERT_TRUE(round.ok()) << round.status();
  ASSERT_EQ(round->instance.interns[0].wishes.size(), 2u);
  EXPECT_EQ(round->instance.interns[0].wishes[1].host, "o-2");
}

TEST(RoundBuilder, RefusesASnapshotThatIsNotWhatTheExportPromises) {
  Snapshot snapshot;
  snapshot.Offer("o-1", "w-a", 1);
  snapshot.Intern("p-1", "w-x", {{"o-1"}});
  auto parts = snapshot.Parts();

  RoundBuilder no_header({});
  EXPECT_TRUE(absl::IsDataLoss(no_header.Add(parts[1])));

  RoundBuilder no_trailer({});
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) ASSERT_TRUE(no_trailer.Add(parts[i]).ok());
  EXPECT_TRUE(absl::IsDataLoss(std::move(no_trailer).Finish().status()));

  RoundBuilder wrong_count({});
  parts.back().mutable_trailer()->set_application_count(5);
  absl::Status status;
  for (const auto& part : parts) status = wrong_count.Add(part);
  EXPECT_TRUE(absl::IsDataLoss(status));
  EXPECT_NE(status.message().find("trailer"), std::string::npos) << status;

  RoundBuilder orphan({});
  v1::ExportRoundSnapshotResponse continued;
  continued.add_applications()->set_application_id("app-9");
  continued.mutable_applications(0)->set_continued(true);
  ASSERT_TRUE(orphan.Add(parts[0]).ok());
  EXPECT_TRUE(absl::IsDataLoss(orphan.Add(continued)));
}

TEST(RoundBuilder, KeepsPublishedPlacementsThatStillStand) {
  Snapshot snapshot;
  snapshot.Offer("o-1", "w-a", 1);
  snapshot.Offer("o-2", "w-b", 1);
  snapshot.Offer("o-3", "w-c", 1);
  // Without the publication p-2 would take o-1 (its first wish) and p-1 o-2.
  snapshot.Intern("p-1", "w-x", {{"o-1"}, {"o-2"}});
  snapshot.Intern("p-2", "w-x", {{"o-1"}, {"o-3"}});
  snapshot.Intern("p-3", "w-x", {{"o-3"}});
  v1::MatchingJobInput input;
  auto* kept = input.add_published();
  kept->set_participant_id("p-1");
  kept->set_host_offer_id("o-1");
  auto* declined = input.add_published();  // the host of o-3 declined p-3
  declined->set_participant_id("p-3");
  declined->set_host_offer_id("o-3");
  auto* forbid = input.add_rules();
  forbid->set_participant_id("p-3");
  forbid->set_host_offer_id("o-3");
  forbid->set_kind(v1::PAIR_RULE_KIND_FORBID);
  forbid->set_host_declined(true);
  auto* gone = input.add_published();  // withdrew
  gone->set_participant_id("p-4");
  gone->set_host_offer_id("o-2");

  Solved solved = Solve(snapshot, input);
  auto pairs = Assignments(solved);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].participant_id(), "p-1");
  EXPECT_EQ(pairs[0].host_offer_id(), "o-1");
  EXPECT_TRUE(pairs[0].kept());
  EXPECT_EQ(pairs[1].participant_id(), "p-2");
  EXPECT_EQ(pairs[1].host_offer_id(), "o-3");
  EXPECT_FALSE(pairs[1].kept());
  EXPECT_EQ(solved.summary.kept(), 1);
  EXPECT_EQ(solved.summary.unmatched(), 1);
  // The kept placement is pinned by the re-match, not by a coordinator.
  EXPECT_EQ(solved.summary.pinned(), 1);
  EXPECT_EQ(solved.summary.coordinator_pins(), 0);
  // The decline is reported as what it is, to coordinators and (by its code) to the intern.
  const auto unmatched = UnmatchedCodes(solved);
  EXPECT_EQ(unmatched.at("p-3"), "host_declined");
  const auto drops = DropCodes(solved);
  EXPECT_EQ(drops.at("p-3|o-3"), "host_declined");
}

TEST(RoundBuilder, LeavesOutWithdrawnInterns) {
  Snapshot snapshot;
  snapshot.Offer("o-1", "w-a", 1);
  snapshot.Intern("p-1", "w-x", {{"o-1"}});
  snapshot.Intern("p-2", "w-x", {{"o-1"}});
  v1::MatchingJobInput input;
  input.add_withdrawn_participant_ids("p-1");
  Solved solved = Solve(snapshot, input);
  auto pairs = Assignments(solved);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].participant_id(), "p-2");
  EXPECT_EQ(solved.summary.interns(), 1);
}

TEST(RoundBuilder, CoordinatorPinsWinAndABadPinIsRefusedWithItsReason) {
  Snapshot snapshot;
  snapshot.Offer("o-1", "w-a", 1);
  snapshot.Offer("o-2", "w-b", 1);
  snapshot.Intern("p-1", "w-x", {{"o-1"}, {"o-2"}});
  snapshot.Intern("p-2", "w-x", {{"o-1"}});
  v1::MatchingJobInput input;
  auto* pin = input.add_rules();
  pin->set_participant_id("p-2");
  pin->set_host_offer_id("o-1");
  pin->set_kind(v1::PAIR_RULE_KIND_PIN);
  auto* bad = input.add_rules();
  bad->set_participant_id("p-1");
  bad->set_host_offer_id("o-7");
  bad->set_kind(v1::PAIR_RULE_KIND_PIN);
  Solved solved = Solve(snapshot, input);
  auto pairs = Assignments(solved);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[1].participant_id(), "p-2");
  EXPECT_EQ(pairs[1].host_offer_id(), "o-1");
  EXPECT_TRUE(pairs[1].pinned());
  EXPECT_EQ(pairs[0].host_offer_id(), "o-2");
  int refused = 0;
  for (const auto& part : solved.parts) {
    for (const auto& r : part.refused_pins()) {
      ++refused;
      EXPECT_EQ(r.participant_id(), "p-1");
      EXPECT_EQ(r.reason_code(), "unknown_host");
    }
  }
  EXPECT_EQ(refused, 1);
}

TEST(RoundBuilder, PlacesMutualSwapRequestsWithEachOther) {
  Snapshot snapshot;
  // Two leaders, each the contact of their own unit's offer, asked to swap.
  snapshot.Offer("o-anna", "w-holstebro", 1, {14, 15}, "anna");
  snapshot.Offer("o-bo", "w-herning", 1, {15}, "bo");
  snapshot.Offer("o-popular", "w-c", 1);
  snapshot.Intern("anna", "w-holstebro", {{"o-popular"}}, {15}).set_swap_with_participant_id("bo");
  snapshot.Intern("bo", "w-herning", {{"o-popular"}, {"o-anna"}})
      .set_swap_with_participant_id("anna");
  // Only one side asked: no swap.
  snapshot.Offer("o-cy", "w-d", 1, {}, "cy");
  snapshot.Intern("cy", "w-d", {{"o-popular"}}).set_swap_with_participant_id("dan");
  snapshot.Intern("dan", "w-e", {{"o-cy"}});

  Solved solved = Solve(snapshot);
  auto pairs = Assignments(solved);
  std::map<std::string, v1::MatchedPair> by_intern;
  for (const auto& pair : pairs) by_intern[pair.participant_id()] = pair;
  EXPECT_EQ(by_intern["anna"].host_offer_id(), "o-bo");
  EXPECT_TRUE(by_intern["anna"].swap());
  EXPECT_EQ(by_intern["bo"].host_offer_id(), "o-anna");
  EXPECT_EQ(by_intern["bo"].rank(), 2) << "bo had wished for anna's offer at rank 2";
  ASSERT_EQ(by_intern["bo"].days_size(), 2) << "bo gave no days: all of o-anna's";
  EXPECT_EQ(by_intern["anna"].days_size(), 1);
  EXPECT_FALSE(by_intern["cy"].swap());
  EXPECT_EQ(solved.summary.swaps(), 1);
  EXPECT_EQ(solved.round.swap_pairs, 1);
}

// The engine only knows "nothing left of the wishes"; what removed them is what the intern is
// told, so an intern with no common day with any wished host is not told the hosts left.
TEST(ResultParts, EachUnplacedInternGetsTheReasonThatIsTrueForThem) {
  Snapshot snapshot;
  snapshot.Offer("o-mon", "w-a", 1, {14});
  snapshot.Offer("o-full", "w-b", 1);
  snapshot.Offer("o-none", "w-c", 0);
  snapshot.Offer("o-own", "w-own", 1);
  snapshot.Offer("o-ruled", "w-d", 1);
  snapshot.Intern("p-days", "w-x", {{"o-mon"}}, {15, 16});
  snapshot.Intern("p-first", "w-x", {{"o-full"}});
  snapshot.Intern("p-full", "w-x", {{"o-full"}});
  snapshot.Intern("p-gone", "w-x", {{"o-withdrawn"}});
  snapshot.Intern("p-mixed", "w-x", {{"o-mon"}, {"o-withdrawn"}}, {15});
  snapshot.Intern("p-nocap", "w-x", {{"o-none"}});
  snapshot.Intern("p-nowish", "w-x", {});
  snapshot.Intern("p-own", "w-own", {{"o-own"}});
  snapshot.Intern("p-ruled", "w-x", {{"o-ruled"}});
  v1::MatchingJobInput input;
  auto* forbid = input.add_rules();
  forbid->set_participant_id("p-ruled");
  forbid->set_host_offer_id("o-ruled");
  forbid->set_kind(v1::PAIR_RULE_KIND_FORBID);
  auto* pin = input.add_rules();
  pin->set_participant_id("p-first");
  pin->set_host_offer_id("o-full");
  pin->set_kind(v1::PAIR_RULE_KIND_PIN);
  Solved solved = Solve(snapshot, input);

  const std::map<std::string, std::string> expected = {
      {"p-days", "no_common_day"},     {"p-full", "all_wished_hosts_full"},
      {"p-gone", "wished_hosts_gone"}, {"p-mixed", "no_valid_wish"},
      {"p-nocap", "no_capacity"},      {"p-nowish", "no_wishes"},
      {"p-own", "own_workplace"},      {"p-ruled", "ruled_out"}};
  EXPECT_EQ(UnmatchedCodes(solved), expected);
  for (const auto& part : solved.parts) {
    for (const auto& u : part.unmatched()) {
      auto reason = contract::ParseUnmatchedReason(u.reason_code());
      ASSERT_TRUE(reason.has_value()) << u.reason_code();
      EXPECT_EQ(u.reason(), contract::UnmatchedReasonText(*reason));
    }
  }
  // A coordinator's forbid is reported as one; the pin is a coordinator's.
  EXPECT_EQ(DropCodes(solved).at("p-ruled|o-ruled"), "forbidden");
  EXPECT_EQ(solved.summary.coordinator_pins(), 1);
  EXPECT_EQ(solved.summary.kept(), 0);
}

TEST(ResultParts, BoundsEveryPartAndPutsTheSummaryFirst) {
  Snapshot snapshot;
  snapshot.Offer("o-1", "w-a", 3);
  for (int i = 0; i < 7; ++i) snapshot.Intern("p-" + std::to_string(i), "w-x", {{"o-1"}});
  Solved solved = Solve(snapshot, {}, 2);
  ASSERT_FALSE(solved.parts.empty());
  EXPECT_TRUE(solved.parts[0].has_summary());
  EXPECT_EQ(solved.parts[0].summary().matched(), 3);
  EXPECT_EQ(solved.parts[0].summary().unmatched(), 4);
  EXPECT_EQ(solved.parts[0].summary().by_rank(0), 3);
  EXPECT_DOUBLE_EQ(solved.parts[0].summary().cross_sector_share(), 1.0);
  int assignments = 0;
  int unmatched = 0;
  int demand = 0;
  for (std::size_t i = 1; i < solved.parts.size(); ++i) {
    const auto& part = solved.parts[i];
    const int items = part.assignments_size() + part.unmatched_size() + part.dropped_wishes_size() +
                      part.refused_pins_size() + part.demand_size();
    EXPECT_LE(items, 2);
    EXPECT_GE(items, 1);
    EXPECT_EQ(
        (part.assignments_size() > 0) + (part.unmatched_size() > 0) + (part.demand_size() > 0), 1)
        << "one kind of list per part";
    assignments += part.assignments_size();
    unmatched += part.unmatched_size();
    demand += part.demand_size();
  }
  EXPECT_EQ(assignments, 3);
  EXPECT_EQ(unmatched, 4);
  EXPECT_EQ(demand, 1);
}

}  // namespace
}  // namespace ipraktik::matching_worker
