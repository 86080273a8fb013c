// Readiness, the aggregate of a process's dependencies: ready exactly while every dependency
// reported is up, the listener hears each change of the whole once and in order, each
// dependency is a gauge, and a waiter wakes when the last one comes up.
#include "ipraktik/server/readiness.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "metric_value.h"
#include "prometheus/registry.h"

namespace ipraktik::server {
namespace {

using namespace std::chrono_literals;
using ::ipraktik::testing::MetricValue;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ReadinessTest, WithoutDependenciesItIsReady) {
  Readiness readiness;
  EXPECT_TRUE(readiness.Ready());
  EXPECT_THAT(readiness.Down(), IsEmpty());
}

TEST(ReadinessTest, ReadyOnlyWhileEveryDependencyIsUp) {
  Readiness readiness;
  readiness.Set("redis", true);
  readiness.Set("rabbitmq", false);
  readiness.Set("consumer:q", false);
  EXPECT_FALSE(readiness.Ready());
  EXPECT_THAT(readiness.Down(), ElementsAre("consumer:q", "rabbitmq"));
  readiness.Set("rabbitmq", true);
  EXPECT_FALSE(readiness.Ready());
  readiness.Set("consumer:q", true);
  EXPECT_TRUE(readiness.Ready());
  readiness.Set("redis", false);
  EXPECT_FALSE(readiness.Ready());
  EXPECT_THAT(readiness.Down(), ElementsAre("redis"));
  readiness.Set("redis", true);
  EXPECT_TRUE(readiness.Ready());
}

TEST(ReadinessTest, TheListenerHearsTheStateNowAndEachChangeOfTheWholeOnce) {
  Readiness readiness;
  readiness.Set("redis", false);
  std::vector<bool> heard;
  readiness.OnChange([&heard](bool ready) { heard.push_back(ready); });
  EXPECT_THAT(heard, ElementsAre(false));
  readiness.Set("redis", false);    // no change
  readiness.Set("rabbitmq", true);  // a new dependency, up: still not ready
  EXPECT_THAT(heard, ElementsAre(false));
  readiness.Set("redis", true);
  readiness.Set("redis", true);  // reported again: nothing new
  EXPECT_THAT(heard, ElementsAre(false, true));
  readiness.Set("rabbitmq", false);
  readiness.Set("redis", false);  // a second one down: the whole was not ready already
  readiness.Set("rabbitmq", true);
  EXPECT_THAT(heard, ElementsAre(false, true, false));
  readiness.Set("redis", true);
  EXPECT_THAT(heard, ElementsAre(false, true, false, true));
  readiness.Set("consumer:q", false);  // a new dependency, down
  EXPECT_THAT(heard, ElementsAre(false, true, false, true, false));
}

TEST(ReadinessTest, EachDependencyIsAGauge) {
  prometheus::Registry registry;
  Readiness readiness(&registry);
  readiness.Set("redis", true);
  readiness.Set("consumer:q", false);
  EXPECT_EQ(MetricValue(registry, "ipraktik_dependency_up", {{"dependency", "redis"}}), 1);
  EXPECT_EQ(MetricValue(registry, "ipraktik_dependency_up", {{"dependency", "consumer:q"}}), 0);
  readiness.Set("redis", false);
  readiness.Set("consumer:q", true);
  EXPECT_EQ(MetricValue(registry, "ipraktik_dependency_up", {{"dependency", "redis"}}), 0);
  EXPECT_EQ(MetricValue(registry, "ipraktik_dependency_up", {{"dependency", "consumer:q"}}), 1);
}

TEST(ReadinessTest, ChangesOfKnownDependenciesAreLogged) {
  std::vector<std::string> lines;
  logging::Logger logger("test", logging::Level::kInfo,
                         [&lines](std::string_view line) { lines.emplace_back(line); });
  Readiness readiness(nullptr, &logger);
  readiness.Set("redis", true);  // its start: the process's own log lines say it
  EXPECT_THAT(lines, IsEmpty());
  readiness.Set("redis", false);
  readiness.Set("redis", true);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], ::testing::HasSubstr(R"("msg":"dependency down","dependency":"redis")"));
  EXPECT_THAT(lines[1], ::testing::HasSubstr(R"("msg":"dependency up","dependency":"redis")"));
}

TEST(ReadinessTest, AWaiterWakesWhenTheLastDependencyComesUp) {
  Readiness readiness;
  readiness.Set("redis", false);
  EXPECT_FALSE(readiness.WaitUntilReady(0ms));
  std::thread reporter([&readiness] { readiness.Set("redis", true); });
  EXPECT_TRUE(readiness.WaitUntilReady(60s));
  reporter.join();
}

}  // namespace
}  // namespace ipraktik::server
