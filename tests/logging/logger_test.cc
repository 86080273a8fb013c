#include "ipraktik/logging/logger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ipraktik::logging {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

struct Captured {
  std::vector<std::string> lines;
  Logger::Sink sink() {
    return [this](std::string_view line) { lines.emplace_back(line); };
  }
};

TEST(LoggerTest, WritesOneJsonObjectWithServiceLevelAndFields) {
  Captured out;
  Logger logger("registration", Level::kInfo, out.sink());
  logger.Info("sign-up stored", {{"round", "r-1"}, {"wishes", 3}, {"late", false}});
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_THAT(out.lines[0],
              MatchesRegex(R"(\{"ts":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z","level":"info",)"
                           R"("service":"registration","msg":"sign-up stored",)"
                           R"("round":"r-1","wishes":3,"late":false\})"));
}

TEST(LoggerTest, AddsTenantAndCorrelationIdToEveryLine) {
  Captured out;
  Logger logger = Logger("matching", Level::kInfo, out.sink())
                      .WithTenant("holstebro")
                      .WithCorrelationId("c-42");
  logger.Warning("job retried");
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_THAT(out.lines[0], HasSubstr(R"("tenant":"holstebro","correlation_id":"c-42")"));
}

TEST(LoggerTest, DropsLinesBelowTheMinimumLevel) {
  Captured out;
  Logger logger("notification", Level::kWarning, out.sink());
  logger.Info("not shown");
  logger.Debug("not shown either");
  logger.Error("shown");
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_THAT(out.lines[0], HasSubstr(R"("level":"error")"));
}

TEST(LoggerTest, EscapesQuotesNewlinesAndControlCharactersButKeepsUtf8) {
  Captured out;
  Logger logger("evaluation", Level::kInfo, out.sink());
  logger.Info("Søren sagde \"hej\"\nfarvel\x01");
  EXPECT_THAT(out.lines[0], HasSubstr(R"("msg":"Søren sagde \"hej\"\nfarvel\u0001")"));
  EXPECT_THAT(out.lines[0], Not(HasSubstr("\n")));
}

TEST(LoggerTest, ParsesLevelNames) {
  EXPECT_EQ(ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(ParseLevel("warn"), Level::kWarning);
  EXPECT_EQ(ParseLevel("error"), Level::kError);
  EXPECT_EQ(ParseLevel("loud"), std::nullopt);
}

}  // namespace
}  // namespace ipraktik::logging
