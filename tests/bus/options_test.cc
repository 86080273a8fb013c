// Pure logic of the bus options: backoff, retry delays, queue names, validation.

#include "ipraktik/bus/options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace ipraktik::bus {
namespace {

using ::testing::ElementsAre;

QueueSpec Spec(std::string name) {
  QueueSpec spec;
  spec.name = std::move(name);
  spec.bindings = {"registration.#"};
  return spec;
}

TEST(BackoffTest, GrowsExponentiallyUpToTheCap) {
  Backoff backoff{.initial = Duration(100), .max = Duration(1'000), .multiplier = 2.0, .jitter = 0};
  std::mt19937_64 random(1);
  EXPECT_EQ(backoff.Delay(1, random), Duration(100));
  EXPECT_EQ(backoff.Delay(2, random), Duration(200));
  EXPECT_EQ(backoff.Delay(4, random), Duration(800));
  EXPECT_EQ(backoff.Delay(5, random), Duration(1'000));
  EXPECT_EQ(backoff.Delay(60, random), Duration(1'000));
}

TEST(BackoffTest, JitterStaysWithinItsBandAndVaries) {
  Backoff backoff{
      .initial = Duration(1'000), .max = Duration(10'000), .multiplier = 2.0, .jitter = 0.2};
  std::mt19937_64 random(7);
  std::set<Duration::rep> seen;
  for (int i = 0; i < 200; ++i) {
    Duration delay = backoff.Delay(1, random);
    EXPECT_GE(delay, Duration(800));
    EXPECT_LE(delay, Duration(1'200));
    seen.insert(delay.count());
  }
  EXPECT_GT(seen.size(), 10u);
}

TEST(RetryPolicyTest, DelaysGrowAndAreCapped) {
  RetryPolicy policy{.max_attempts = 6,
                     .initial_delay = Duration(1'000),
                     .multiplier = 4.0,
                     .max_delay = Duration(30'000)};
  EXPECT_EQ(policy.DelayAfter(1), Duration(1'000));
  EXPECT_EQ(policy.DelayAfter(2), Duration(4'000));
  EXPECT_EQ(policy.DelayAfter(3), Duration(16'000));
  EXPECT_EQ(policy.DelayAfter(4), Duration(30'000));
}

TEST(QueueNamesTest, OneRetryQueuePerDistinctDelay) {
  QueueSpec spec = Spec("notification.placements");
  spec.retry = {.max_attempts = 6,
                .initial_delay = Duration(1'000),
                .multiplier = 4.0,
                .max_delay = Duration(30'000)};
  EXPECT_THAT(RetryQueueNames(spec), ElementsAre("notification.placements.retry.1000ms",
                                                 "notification.placements.retry.4000ms",
                                                 "notification.placements.retry.16000ms",
                                                 "notification.placements.retry.30000ms"));
  EXPECT_EQ(RetryQueueName(spec, 5), "notification.placements.retry.30000ms");
  EXPECT_EQ(DeadLetterQueueName(spec.name), "notification.placements.dlq");
}

TEST(QueueNamesTest, NoRetryQueuesWithASingleAttempt) {
  QueueSpec spec = Spec("q");
  spec.retry.max_attempts = 1;
  EXPECT_TRUE(RetryQueueNames(spec).empty());
}

TEST(QueueSpecTest, ValidationNamesTheField) {
  QueueSpec good = Spec("evaluation.events");
  EXPECT_TRUE(good.Validate().ok());

  QueueSpec unnamed = good;
  unnamed.name = "";
  EXPECT_THAT(std::string(unnamed.Validate().message()), ::testing::HasSubstr("name"));

  QueueSpec no_attempts = good;
  no_attempts.retry.max_attempts = 0;
  EXPECT_THAT(std::string(no_attempts.Validate().message()),
              ::testing::HasSubstr("retry.max_attempts"));

  QueueSpec shrinking = good;
  shrinking.retry.multiplier = 0.5;
  EXPECT_FALSE(shrinking.Validate().ok());

  QueueSpec reserved = good;
  reserved.name = "amq.mine";
  EXPECT_FALSE(reserved.Validate().ok());
}

}  // namespace
}  // namespace ipraktik::bus
