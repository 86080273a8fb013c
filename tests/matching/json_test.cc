// Reading rounds and results: a documented round, every malformed case naming record and field,
// and results surviving a write/read round trip with their certificate intact.

#include "ipraktik/matching/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "ipraktik/matching/solver.h"
#include "ipraktik/matching/verify.h"

namespace ipraktik::matching {
namespace {

using ::testing::HasSubstr;

constexpr char kGroupedRound[] = R"({
  "round": "coi-2026-week37",
  "hosts": [
    {"id": "h-1", "organization": "Dragør Kommune", "sector": "municipal",
     "region": "Hovedstaden", "capacity": 2},
    {"id": "h-3", "organization": "Region Sjælland", "sector": "regional", "capacity": 1},
    {"id": "h-7", "organization": "Skatteministeriet", "sector": "state", "capacity": 1},
    {"id": "h-8", "organization": "Novo", "sector": "private", "capacity": 0}
  ],
  "interns": [
    {"id": "p-1", "organization": "Finansministeriet", "sector": "state",
     "region": "Hovedstaden", "wishes": ["h-1", ["h-7", "h-8"], "h-3"], "note": {"a": [1, null]}}
  ]
})";

TEST(MatchingJsonTest, ReadsARoundWithGroupsAsSharedRanks) {
  auto instance = ReadInstanceJson(kGroupedRound);
  ASSERT_TRUE(instance.ok()) << instance.status();
  EXPECT_EQ(instance->round, "coi-2026-week37");
  ASSERT_EQ(instance->hosts.size(), 4u);
  EXPECT_EQ(instance->hosts[0].organization, "Dragør Kommune");
  EXPECT_EQ(instance->hosts[0].capacity, 2);
  EXPECT_EQ(instance->hosts[3].sector, Sector::kPrivate);
  ASSERT_EQ(instance->interns.size(), 1u);
  const auto& wishes = instance->interns[0].wishes;
  ASSERT_EQ(wishes.size(), 4u);
  EXPECT_EQ(wishes[0].host, "h-1");
  EXPECT_EQ(wishes[0].rank, 1u);
  EXPECT_EQ(wishes[1].host, "h-7");
  EXPECT_EQ(wishes[1].rank, 2u);
  EXPECT_EQ(wishes[2].host, "h-8");
  EXPECT_EQ(wishes[2].rank, 2u);
  EXPECT_EQ(wishes[3].rank, 3u);
}

TEST(MatchingJsonTest, ReadsPinsAndForbids) {
  auto instance = ReadInstanceJson(
      R"({"round":"r","hosts":[],"interns":[],"pinned":[{"intern":"p-1","host":"h-1"}],
          "forbidden":[{"intern":"p-2","host":"h-2","why":"conflict"}]})");
  ASSERT_TRUE(instance.ok()) << instance.status();
  ASSERT_EQ(instance->pinned.size(), 1u);
  EXPECT_EQ(instance->pinned[0].host, "h-1");
  ASSERT_EQ(instance->forbidden.size(), 1u);
  EXPECT_EQ(instance->forbidden[0].intern, "p-2");
}

struct BadCase {
  const char* name;
  std::string json;
  std::string message;
};

std::string Round(const std::string& hosts, const std::string& interns) {
  return R"({"round":"r","hosts":[)" + hosts + R"(],"interns":[)" + interns + "]}";
}
const std::string kHost = R"({"id":"h-1","organization":"A","sector":"state","capacity":1})";
const std::string kIntern = R"({"id":"p-1","organization":"B","sector":"state","wishes":["h-1"]})";

class MatchingBadInputTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(MatchingBadInputTest, IsRefusedNamingRecordAndField) {
  auto instance = ReadInstanceJson(GetParam().json);
  ASSERT_FALSE(instance.ok());
  EXPECT_EQ(instance.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(instance.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MatchingBadInputTest,
    ::testing::Values(
        BadCase{"NotJson", "{\"round\": ", "input:"}, BadCase{"Empty", "", "input:"},
        BadCase{"TopLevelArray", "[]", "expected an object"},
        BadCase{"TrailingText", Round(kHost, kIntern) + " x", "unexpected text after"},
        BadCase{"BrokenUnknownField", R"({"round":"r","hosts":[],"interns":[],"x":[1,}]})",
                "input"},
        BadCase{"MissingRound", R"({"hosts":[],"interns":[]})", "field \"round\": missing"},
        BadCase{"MissingHosts", R"({"round":"r","interns":[]})", "field \"hosts\": missing"},
        BadCase{"HostWithoutId", Round(R"({"organization":"A","sector":"state","capacity":1})", ""),
                "hosts[0]: field \"id\": missing"},
        BadCase{"EmptyInternId",
                Round(kHost, R"({"id":"","organization":"B","sector":"state","wishes":[]})"),
                "interns[0]: field \"id\": missing or empty"},
        BadCase{"DuplicateHostId", Round(kHost + "," + kHost, ""),
                "hosts[1] (id \"h-1\"): field \"id\": duplicate of hosts[0]"},
        BadCase{"DuplicateInternId", Round(kHost, kIntern + "," + kIntern),
                "interns[1] (id \"p-1\"): field \"id\": duplicate of interns[0]"},
        BadCase{"NegativeCapacity",
                Round(R"({"id":"h-1","organization":"A","sector":"state","capacity":-1})", ""),
                "hosts[0] (id \"h-1\"): field \"capacity\": -1 is negative"},
        BadCase{"FractionalCapacity",
                Round(R"({"id":"h-1","organization":"A","sector":"state","capacity":1.5})", ""),
                "hosts[0] (id \"h-1\"): field \"capacity\": expected an integer"},
        BadCase{"CapacityAsString",
                Round(R"({"id":"h-1","organization":"A","sector":"state","capacity":"2"})", ""),
                "field \"capacity\": expected an integer"},
        BadCase{"UnknownSector",
                Round(kHost, R"({"id":"p-7","organization":"B","sector":"federal","wishes":[]})"),
                "interns[0] (id \"p-7\"): field \"sector\": unknown sector \"federal\""},
        BadCase{"SectorBeforeId",
                Round(R"({"sector":"federal","id":"h-2","organization":"A","capacity":1})", ""),
                "hosts[0]: field \"sector\": unknown sector"},
        BadCase{
            "WishNotAHost",
            Round(kHost, R"({"id":"p-1","organization":"B","sector":"state","wishes":["h-1",7]})"),
            "interns[0] (id \"p-1\"): field \"wishes\"[1]: expected a host id or a list"},
        BadCase{"GroupMemberNotAHost",
                Round(kHost,
                      R"({"id":"p-1","organization":"B","sector":"state","wishes":[["h-1",{}]]})"),
                "field \"wishes\"[0][1]: expected a host id"},
        BadCase{"MissingWishes",
                Round(kHost, R"({"id":"p-1","organization":"B","sector":"state"})"),
                "interns[0] (id \"p-1\"): field \"wishes\": missing"},
        BadCase{"RepeatedKey",
                Round(R"({"id":"h-1","id":"h-2","organization":"A","sector":"state","capacity":1})",
                      ""),
                "field \"id\" given more than once"},
        BadCase{"PinWithoutHost",
                R"({"round":"r","hosts":[],"interns":[],"pinned":[{"intern":"p"}]})",
                "pinned[0]: field \"host\": missing"}),
    [](const ::testing::TestParamInfo<BadCase>& param_info) { return param_info.param.name; });

TEST(MatchingJsonTest, ResultRoundTripKeepsEverythingVerifyNeeds) {
  auto instance = ReadInstanceJson(kGroupedRound);
  ASSERT_TRUE(instance.ok());
  instance->interns.push_back({"p-2", "X", Sector::kMunicipal, "", {{"h-1", 1}, {"nope", 2}}});
  instance->interns.push_back({"p-3", "X", Sector::kMunicipal, "", {{"h-1", 1}}});
  instance->interns.push_back({"p-4", "X", Sector::kMunicipal, "", {{"h-1", 1}, {"h-8", 2}}});
  auto result = Solve(*instance);
  ASSERT_TRUE(result.ok()) << result.status();
  const std::string json = WriteResultJson(*result);
  auto read = ReadResultJson(json);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(Verify(*instance, *read).ok()) << Verify(*instance, *read);
  read->summary.solve_ms = result->summary.solve_ms;
  EXPECT_EQ(WriteResultJson(*read), json);
  // The documented field names and reason text (docs/matching.md).
  EXPECT_THAT(json, HasSubstr(R"("assignments": [)"));
  EXPECT_THAT(json, HasSubstr(R"("reason":"all wished hosts are full")"));
  EXPECT_THAT(json, HasSubstr(R"("demand": [)"));
  EXPECT_THAT(json, HasSubstr(R"("by_rank":[)"));
}

// The example round of docs/matching.md ("The problem") gives the answer the text there states.
TEST(MatchingJsonTest, TheDocumentedExampleGivesTheDocumentedAnswer) {
  auto instance = ReadInstanceJson(R"({
  "round": "example-2026-w49",
  "hosts": [
    {"id": "h-1", "organization": "Aarhus Kommune", "sector": "municipal",
     "region": "Midtjylland", "capacity": 1},
    {"id": "h-2", "organization": "Region Midtjylland", "sector": "regional",
     "region": "Midtjylland", "capacity": 2},
    {"id": "h-3", "organization": "Energistyrelsen", "sector": "state",
     "region": "Hovedstaden", "capacity": 0}
  ],
  "interns": [
    {"id": "p-1", "organization": "Aarhus Kommune", "sector": "municipal",
     "region": "Midtjylland", "wishes": ["h-1", ["h-2", "h-3"]]},
    {"id": "p-2", "organization": "Skattestyrelsen", "sector": "state",
     "region": "Nordjylland", "wishes": ["h-9", "h-1", "h-2"]}
  ]
})");
  ASSERT_TRUE(instance.ok()) << instance.status();
  auto result = Solve(*instance);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->assignments.size(), 2u);
  EXPECT_EQ(result->assignments[0].intern, "p-1");
  EXPECT_EQ(result->assignments[0].host, "h-2");
  EXPECT_EQ(result->assignments[0].rank, 2u);
  EXPECT_TRUE(result->assignments[0].cross_sector);
  EXPECT_EQ(result->assignments[1].intern, "p-2");
  EXPECT_EQ(result->assignments[1].host, "h-1");
  EXPECT_EQ(result->assignments[1].rank, 2u);
  EXPECT_TRUE(result->assignments[1].cross_sector);
  ASSERT_EQ(result->dropped_wishes.size(), 2u);
  EXPECT_EQ(result->dropped_wishes[0].reason, DropReason::kOwnOrganization);
  EXPECT_EQ(result->dropped_wishes[1].reason, DropReason::kUnknownHost);
}

TEST(MatchingJsonTest, EscapesStrings) {
  Result result;
  result.round = "quote\" and \\ and \n";
  const std::string json = WriteResultJson(result);
  auto read = ReadResultJson(json);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->round, result.round);
}

}  // namespace
}  // namespace ipraktik::matching
