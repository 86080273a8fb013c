// The engine against independent oracles (LEMON's flow solvers, brute force) on thousands of random
// rounds, the certificate checker against tampered results, and each rule and reason by example.

#include "ipraktik/matching/solver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

#include "ipraktik/contract/pin_refusals.h"
#include "ipraktik/matching/json.h"
#include "ipraktik/matching/verify.h"
#include "oracle.h"
#include "random_instance.h"

namespace ipraktik::matching {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Objective;

Objective ObjectiveOf(const Result& result) {
  return {result.summary.matched, result.summary.total_rank, result.summary.cross_sector};
}

std::string Show(const Objective& o) {
  return "(" + std::to_string(o.matched) + ", " + std::to_string(o.total_rank) + ", " +
         std::to_string(o.cross_sector) + ")";
}

Result SolveOrDie(const Instance& instance) {
  auto result = Solve(instance);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : Result{};
}

// The oracle takes only acceptable pins; the engine's refusals are checked by Verify.
Instance WithAcceptedPins(Instance instance, const Result& result) {
  std::vector<Pair> accepted;
  std::multiset<std::pair<std::string, std::string>> refused;
  for (const RefusedPin& pin : result.refused_pins) refused.emplace(pin.intern, pin.host);
  for (const Pair& pin : instance.pinned) {
    auto it = refused.find({pin.intern, pin.host});
    if (it != refused.end()) {
      refused.erase(it);
    } else {
      accepted.push_back(pin);
    }
  }
  instance.pinned = accepted;
  return instance;
}

TEST(MatchingSolverTest, MatchesLemonAndVerifiesOnThousandsOfRandomRounds) {
  std::mt19937 rng(20260901);
  testing::RandomShape shape;
  for (int round = 0; round < 10000; ++round) {
    shape.max_interns = 2 + round % 25;
    shape.max_hosts = 1 + round % 9;
    shape.max_capacity = 1 + round % 4;
    const Instance instance = testing::RandomInstance(rng, shape);
    const Result result = SolveOrDie(instance);
    const Objective expected =
        testing::SolveWithLemon(WithAcceptedPins(instance, result)).objective;
    ASSERT_EQ(ObjectiveOf(result), expected)
        << "round " << round << ": engine " << Show(ObjectiveOf(result)) << ", LEMON "
        << Show(expected);
    const absl::Status verified = Verify(instance, result);
    ASSERT_TRUE(verified.ok()) << "round " << round << ": " << verified;
  }
}

TEST(MatchingSolverTest, MatchesBruteForceOnTinyRounds) {
  std::mt19937 rng(7);
  testing::RandomShape shape{.max_interns = 6, .max_hosts = 4, .max_wishes = 3, .max_capacity = 2};
  for (int round = 0; round < 4000; ++round) {
    const Instance instance = testing::RandomInstance(rng, shape);
    const Result result = SolveOrDie(instance);
    const Instance accepted = WithAcceptedPins(instance, result);
    const Objective expected = testing::SolveByBruteForce(accepted);
    ASSERT_EQ(ObjectiveOf(result), expected)
        << "round " << round << ": engine " << Show(ObjectiveOf(result)) << ", brute force "
        << Show(expected);
    // The oracle's one-flow formulation (bypass arcs, combined cost) is itself checked here.
    ASSERT_EQ(testing::SolveWithLemon(accepted).objective, expected) << "round " << round;
  }
}

// Larger random rounds with heavy competition, where the split into the always-full hosts and the
// rest, and the long augmenting paths, actually happen.
TEST(MatchingSolverTest, MatchesLemonOnCrowdedRounds) {
  std::mt19937 rng(99);
  testing::RandomShape shape{
      .max_interns = 300, .max_hosts = 60, .max_wishes = 6, .max_capacity = 4, .organizations = 20};
  for (int round = 0; round < 200; ++round) {
    const Instance instance = testing::RandomInstance(rng, shape);
    const Result result = SolveOrDie(instance);
    // Every LEMON algorithm the benchmark may take as its reference.
    for (testing::MinCostFlow algorithm :
         {testing::MinCostFlow::kNetworkSimplex, testing::MinCostFlow::kCostScaling,
          testing::MinCostFlow::kCapacityScaling}) {
      const testing::OracleRun lemon =
          testing::SolveWithLemon(WithAcceptedPins(instance, result), algorithm);
      ASSERT_TRUE(lemon.solved) << testing::Name(algorithm);
      ASSERT_EQ(ObjectiveOf(result), lemon.objective)
          << "round " << round << ", " << testing::Name(algorithm);
    }
    ASSERT_TRUE(Verify(instance, result).ok()) << "round " << round;
  }
}

// --- tampering: the same certificate must accept exactly the assignments that are as good ----

struct ValidWishes {
  std::map<std::pair<std::string, std::string>, std::pair<std::uint32_t, bool>> rank_and_cross;
};

ValidWishes ValidWishesOf(const Instance& instance) {
  ValidWishes valid;
  std::map<std::string, const Host*> hosts;
  for (const Host& host : instance.hosts) hosts[host.id] = &host;
  std::set<std::pair<std::string, std::string>> forbidden;
  for (const Pair& pair : instance.forbidden) forbidden.emplace(pair.intern, pair.host);
  for (const Intern& intern : instance.interns) {
    std::set<std::string> seen;
    for (const Wish& wish : intern.wishes) {
      auto host = hosts.find(wish.host);
      if (host == hosts.end() || !seen.insert(wish.host).second) continue;
      if (host->second->organization == intern.organization) continue;
      if (forbidden.count({intern.id, wish.host})) continue;
      valid.rank_and_cross[{intern.id, wish.host}] = {wish.rank,
                                                      host->second->sector != intern.sector};
    }
  }
  return valid;
}

// Moves one placed intern to another valid wished host with room, or swaps two placed interns'
// hosts, and recomputes what depends on the assignment. False when no such change exists.
bool Tamper(const Instance& instance, std::mt19937& rng, Result& result) {
  const ValidWishes valid = ValidWishesOf(instance);
  std::map<std::string, std::int64_t> capacity, load;
  for (const Host& host : instance.hosts) capacity[host.id] = host.capacity;
  for (const Assignment& a : result.assignments) ++load[a.host];
  auto& assignments = result.assignments;
  if (assignments.empty()) return false;
  for (int attempt = 0; attempt < 50; ++attempt) {
    Assignment& a = assignments[rng() % assignments.size()];
    if (a.pinned) continue;
    if (rng() % 2 == 0) {
      const Host& target = instance.hosts[rng() % instance.hosts.size()];
      if (target.id == a.host || load[target.id] >= capacity[target.id]) continue;
      auto wish = valid.rank_and_cross.find({a.intern, target.id});
      if (wish == valid.rank_and_cross.end()) continue;
      a.host = target.id;
      std::tie(a.rank, a.cross_sector) = wish->second;
    } else {
      Assignment& b = assignments[rng() % assignments.size()];
      if (b.pinned || b.host == a.host) continue;
      auto wish_a = valid.rank_and_cross.find({a.intern, b.host});
      auto wish_b = valid.rank_and_cross.find({b.intern, a.host});
      if (wish_a == valid.rank_and_cross.end() || wish_b == valid.rank_and_cross.end()) continue;
      std::swap(a.host, b.host);
      std::tie(a.rank, a.cross_sector) = wish_a->second;
      std::tie(b.rank, b.cross_sector) = wish_b->second;
    }
    Summary& summary = result.summary;
    summary.total_rank = summary.cross_sector = 0;
    std::fill(summary.by_rank.begin(), summary.by_rank.end(), 0);
    for (const Assignment& placed : assignments) {
      summary.total_rank += placed.rank;
      summary.cross_sector += placed.cross_sector ? 1 : 0;
      ++summary.by_rank[placed.rank - 1];
    }
    return true;
  }
  return false;
}

TEST(MatchingVerifyTest, CertificateAcceptsExactlyTheEquallyGoodAssignments) {
  std::mt19937 rng(4242);
  testing::RandomShape shape{
      .max_interns = 30, .max_hosts = 8, .max_wishes = 4, .max_capacity = 3, .organizations = 6};
  int rejected = 0, accepted = 0;
  for (int round = 0; round < 1500; ++round) {
    const Instance instance = testing::RandomInstance(rng, shape);
    const Result result = SolveOrDie(instance);
    Result tampered = result;
    if (!Tamper(instance, rng, tampered)) continue;
    const bool as_good = ObjectiveOf(tampered) == ObjectiveOf(result);
    const absl::Status verified = Verify(instance, tampered);
    ASSERT_EQ(verified.ok(), as_good) << "round " << round << ": " << verified;
    (as_good ? accepted : rejected) += 1;
  }
  EXPECT_GT(rejected, 100);  // the check is not vacuous
  EXPECT_GT(accepted, 10);
}

TEST(MatchingVerifyTest, RejectsATamperedCertificateOrReport) {
  Instance instance{"r",
                    {{"h-1", "A", Sector::kState, "R", 1}, {"h-2", "B", Sector::kState, "R", 1}},
                    {{"p-1", "C", Sector::kMunicipal, "R", {{"h-1", 1}, {"h-2", 2}}},
                     {"p-2", "C", Sector::kMunicipal, "R", {{"h-1", 1}}}},
                    {},
                    {}};
  const Result result = SolveOrDie(instance);
  ASSERT_TRUE(Verify(instance, result).ok());

  Result fewer = result;  // p-1 takes h-1 and p-2 stays out: fewer placed, but consistent
  fewer.assignments = {{"p-1", "h-1", 1, true, false}};
  fewer.unmatched = {{"p-2", UnmatchedReason::kAllWishedHostsFull, {{"h-1", 1, 2}}}};
  fewer.summary.matched = 1;
  fewer.summary.total_rank = 1;
  fewer.summary.cross_sector = 1;
  fewer.summary.by_rank = {1, 0};
  EXPECT_THAT(Verify(instance, fewer).message(), HasSubstr("result rejected"));

  Result cheaper_prices = result;
  for (HostPrice& price : cheaper_prices.certificate.hosts) price.price = 0;
  EXPECT_FALSE(Verify(instance, cheaper_prices).ok());

  Result wrong_summary = result;
  wrong_summary.summary.total_rank -= 1;
  EXPECT_THAT(Verify(instance, wrong_summary).message(), HasSubstr("summary"));

  Result over_capacity = result;
  over_capacity.assignments[0].host = "h-1";
  over_capacity.assignments[0].rank = 1;
  EXPECT_FALSE(Verify(instance, over_capacity).ok());
}

// --- rules and reasons by example ------------------------------------------------------------

Instance SpecExample() {
  return {"coi-2026-week37",
          {{"h-1", "Dragør Kommune", Sector::kMunicipal, "Hovedstaden", 2},
           {"h-3", "Region Sjælland", Sector::kRegional, "Sjælland", 1},
           {"h-7", "Finansministeriet", Sector::kState, "Hovedstaden", 1},
           {"h-8", "Skatteministeriet", Sector::kState, "Hovedstaden", 1}},
          {{"p-1",
            "Finansministeriet",
            Sector::kState,
            "Hovedstaden",
            {{"h-1", 1}, {"h-7", 2}, {"h-8", 2}, {"h-3", 3}}}},
          {},
          {}};
}

TEST(MatchingRulesTest, DropsOwnOrganizationUnknownRepeatedAndForbiddenWishes) {
  Instance instance = SpecExample();
  instance.interns[0].wishes = {{"h-7", 1}, {"h-404", 2}, {"h-8", 3}, {"h-8", 4},
                                {"h-3", 5}, {"h-1", 6},   {"h-1", 6}};
  instance.forbidden = {{"p-1", "h-3"}};
  const Result result = SolveOrDie(instance);
  std::vector<std::string> dropped;
  for (const DroppedWish& d : result.dropped_wishes) {
    dropped.push_back(d.host + "@" + std::to_string(d.rank) + ":" +
                      std::string(ReasonCode(d.reason)));
  }
  EXPECT_THAT(dropped,
              ElementsAre("h-1@6:duplicate_wish", "h-3@5:forbidden", "h-404@2:unknown_host",
                          "h-7@1:own_organization", "h-8@4:duplicate_wish"));
  // Ranks are positions as given: the best remaining wish is h-8 at rank 3.
  ASSERT_EQ(result.assignments.size(), 1u);
  EXPECT_EQ(result.assignments[0].host, "h-8");
  EXPECT_EQ(result.assignments[0].rank, 3u);
  EXPECT_FALSE(result.assignments[0].cross_sector);
  EXPECT_THAT(result.summary.by_rank, ElementsAre(0, 0, 1, 0, 0, 0));
}

TEST(MatchingRulesTest, EqualRankGroupPrefersCrossSectorAndRankCountsPositions) {
  Instance instance = SpecExample();
  instance.interns[0].organization = "Someone else";
  instance.hosts[0].capacity = 0;  // h-1 (rank 1) has no places
  const Result result = SolveOrDie(instance);
  ASSERT_EQ(result.assignments.size(), 1u);
  // h-7 and h-8 share rank 2 and are both state, like the intern; no cross-sector option there.
  EXPECT_EQ(result.assignments[0].rank, 2u);
  EXPECT_EQ(result.assignments[0].host, "h-7");  // the first listed among equals
  EXPECT_FALSE(result.assignments[0].cross_sector);
  instance.hosts[3].sector = Sector::kPrivate;  // now h-8 is cross-sector at the same rank
  const Result crossed = SolveOrDie(instance);
  EXPECT_EQ(crossed.assignments[0].host, "h-8");
  EXPECT_TRUE(crossed.assignments[0].cross_sector);
}

TEST(MatchingRulesTest, EachUnmatchedReason) {
  Instance instance{
      "r",
      {{"h-full", "A", Sector::kState, "R", 1}, {"h-zero", "B", Sector::kState, "R", 0}},
      {{"p-1", "X", Sector::kMunicipal, "R", {{"h-full", 1}}},
       {"p-2", "X", Sector::kMunicipal, "R", {{"h-full", 1}, {"h-zero", 2}}},
       {"p-3", "X", Sector::kMunicipal, "R", {{"h-zero", 1}}},
       {"p-4", "A", Sector::kMunicipal, "R", {{"h-full", 1}, {"nowhere", 2}}},
       {"p-5", "X", Sector::kMunicipal, "R", {}}},
      {},
      {}};
  const Result result = SolveOrDie(instance);
  ASSERT_EQ(result.assignments.size(), 1u);
  EXPECT_EQ(result.assignments[0].intern, "p-1");  // first listed among equals
  std::map<std::string, UnmatchedIntern> unmatched;
  for (const UnmatchedIntern& u : result.unmatched) unmatched[u.intern] = u;
  ASSERT_EQ(unmatched.size(), 4u);
  EXPECT_EQ(unmatched["p-2"].reason, UnmatchedReason::kAllWishedHostsFull);
  ASSERT_EQ(unmatched["p-2"].hosts.size(), 2u);
  EXPECT_EQ(unmatched["p-2"].hosts[0].host, "h-full");
  EXPECT_EQ(unmatched["p-2"].hosts[0].wished_by, 2);
  EXPECT_EQ(unmatched["p-2"].hosts[0].capacity, 1);
  EXPECT_EQ(unmatched["p-3"].reason, UnmatchedReason::kNoCapacity);
  EXPECT_EQ(unmatched["p-4"].reason, UnmatchedReason::kNoValidWish);
  EXPECT_EQ(unmatched["p-5"].reason, UnmatchedReason::kNoValidWish);
  EXPECT_EQ(ReasonText(UnmatchedReason::kAllWishedHostsFull), "all wished hosts are full");
  // Demand: h-full wished by 2 for 1 place, h-zero by 2 for 0 places: most over-wished first.
  ASSERT_EQ(result.demand.size(), 2u);
  EXPECT_EQ(result.demand[0].host, "h-zero");
  EXPECT_EQ(result.demand[1].host, "h-full");
  EXPECT_TRUE(Verify(instance, result).ok());
}

TEST(MatchingRulesTest, PinsAreHonouredOrRefusedWithReasons) {
  Instance instance{"r",
                    {{"h-1", "A", Sector::kState, "R", 1}, {"h-2", "B", Sector::kState, "R", 2}},
                    {{"p-1", "X", Sector::kMunicipal, "R", {{"h-1", 1}, {"h-2", 2}}},
                     {"p-2", "X", Sector::kMunicipal, "R", {{"h-1", 1}, {"h-2", 2}}},
                     {"p-3", "B", Sector::kMunicipal, "R", {{"h-1", 1}}}},
                    {{"p-2", "h-1"},
                     {"p-2", "h-2"},
                     {"p-1", "h-1"},
                     {"p-3", "h-2"},
                     {"p-9", "h-1"},
                     {"p-1", "h-9"}},
                    {}};
  const Result result = SolveOrDie(instance);
  std::vector<std::string> refused;
  for (const RefusedPin& pin : result.refused_pins) {
    refused.push_back(pin.intern + ">" + pin.host + ":" + std::string(ReasonCode(pin.reason)));
  }
  EXPECT_THAT(refused,
              ElementsAre("p-2>h-2:pinned_twice", "p-1>h-1:host_full", "p-3>h-2:own_organization",
                          "p-9>h-1:unknown_intern", "p-1>h-9:unknown_host"));
  std::map<std::string, Assignment> placed;
  for (const Assignment& a : result.assignments) placed[a.intern] = a;
  EXPECT_EQ(placed["p-2"].host, "h-1");
  EXPECT_TRUE(placed["p-2"].pinned);
  EXPECT_EQ(placed["p-1"].host, "h-2");
  EXPECT_FALSE(placed["p-1"].pinned);
  EXPECT_EQ(result.summary.pinned, 1);
  EXPECT_TRUE(Verify(instance, result).ok());

  instance.pinned = {{"p-1", "h-2"}, {"p-3", "h-2"}};  // p-3 wished only h-1
  instance.interns[2].organization = "C";
  const Result not_wished = SolveOrDie(instance);
  ASSERT_EQ(not_wished.refused_pins.size(), 1u);
  EXPECT_EQ(not_wished.refused_pins[0].reason, PinRefusal::kNotWished);
}

// A coordinator reads why a pin was refused in Danish (the CLI's result): every code the engine
// gives has its own sentence.
TEST(SolverTest, EveryPinRefusalHasItsOwnDanishSentence) {
  std::set<std::string> sentences;
  for (PinRefusal reason :
       {PinRefusal::kUnknownIntern, PinRefusal::kUnknownHost, PinRefusal::kPinnedTwice,
        PinRefusal::kNotWished, PinRefusal::kOwnOrganization, PinRefusal::kForbidden,
        PinRefusal::kHostFull}) {
    const auto sentence = contract::PinRefusalDanishOf(ReasonCode(reason));
    ASSERT_TRUE(sentence.has_value()) << ReasonCode(reason);
    EXPECT_TRUE(sentences.insert(std::string(*sentence)).second) << *sentence;
  }
  EXPECT_FALSE(contract::PinRefusalDanishOf("a_new_reason").has_value());
}

TEST(MatchingRulesTest, ForbiddenPairIsNeverUsed) {
  Instance instance{"r",
                    {{"h-1", "A", Sector::kState, "R", 5}},
                    {{"p-1", "X", Sector::kMunicipal, "R", {{"h-1", 1}}}},
                    {},
                    {{"p-1", "h-1"}}};
  const Result result = SolveOrDie(instance);
  EXPECT_TRUE(result.assignments.empty());
  ASSERT_EQ(result.dropped_wishes.size(), 1u);
  EXPECT_EQ(result.dropped_wishes[0].reason, DropReason::kForbidden);
}

TEST(MatchingSolverTest, MoreInternsPlacedBeatsBetterRanks) {
  // p-1 could take h-1 at rank 1, but then p-2 stays out; placing both is better.
  Instance instance{"r",
                    {{"h-1", "A", Sector::kState, "R", 1}, {"h-2", "B", Sector::kState, "R", 1}},
                    {{"p-1", "X", Sector::kMunicipal, "R", {{"h-1", 1}, {"h-2", 9}}},
                     {"p-2", "X", Sector::kMunicipal, "R", {{"h-1", 1}}}},
                    {},
                    {}};
  const Result result = SolveOrDie(instance);
  EXPECT_EQ(result.summary.matched, 2);
  EXPECT_EQ(result.summary.total_rank, 10);
}

TEST(MatchingSolverTest, SameInputSameBytes) {
  std::mt19937 rng(11);
  testing::RandomShape shape{
      .max_interns = 200, .max_hosts = 40, .max_wishes = 6, .max_capacity = 4, .organizations = 10};
  for (int round = 0; round < 20; ++round) {
    const Instance instance = testing::RandomInstance(rng, shape);
    Result first = SolveOrDie(instance), second = SolveOrDie(instance);
    first.summary.solve_ms = second.summary.solve_ms = 0;
    ASSERT_EQ(WriteResultJson(first), WriteResultJson(second));
  }
}

TEST(MatchingSolverTest, RefusesAMalformedInstance) {
  Instance instance{"r", {{"h-1", "A", Sector::kState, "R", -1}}, {}, {}, {}};
  auto result = Solve(instance);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("hosts[0] (id \"h-1\"): field \"capacity\""));
}

TEST(MatchingSolverTest, ReportsProgress) {
  std::set<std::string> phases;
  SolveOptions options;
  options.progress = [&](std::string_view phase, double fraction) {
    EXPECT_GE(fraction, 0.0);
    EXPECT_LE(fraction, 1.0);
    phases.emplace(phase);
  };
  ASSERT_TRUE(Solve(SpecExample(), options).ok());
  EXPECT_TRUE(phases.count("prepare") && phases.count("report"));
}

}  // namespace
}  // namespace ipraktik::matching
