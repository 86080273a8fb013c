// Consumer-side dedupe against a real redis-server: of concurrent consumers handed the same
// event exactly one claims or applies it, a claim holds until completed or forgotten, a change
// and its record are one atomic step, and a refused change leaves no record.
#include "ipraktik/events/dedupe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ipraktik/events/event_script.h"
#include "ipraktik/store/keys.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "redis_test.h"

namespace ipraktik::events {
namespace {

using ::ipraktik::testing::RedisTest;

// Adds ARGV[1] to the counter KEYS[1]; refuses a non-number before writing.
const EventScript kAddToCounter(R"lua(
local amount = tonumber(ARGV[1])
if not amount then return redis.error_reply('INVALID_ARGUMENT not a number') end
return redis.call('INCRBY', KEYS[1], amount)
)lua");

Envelope Event(std::string_view tenant = "kk") {
  v1::InternPlaced placed;
  placed.set_placement_id("pl-1");
  absl::StatusOr<Envelope> envelope =
      BuildEnvelope({.type = "matching.intern.placed", .tenant = std::string(tenant)}, placed);
  EXPECT_TRUE(envelope.ok()) << envelope.status();
  return *envelope;
}

std::string Counter(std::string_view tenant = "kk") {
  return store::TenantKeys::For(tenant)->Key("counter");
}

class DedupeTest : public RedisTest {
 protected:
  std::int64_t CounterValue(std::string_view tenant = "kk") {
    absl::StatusOr<store::Reply> value = redis_->Command({"GET", Counter(tenant)});
    EXPECT_TRUE(value.ok()) << value.status();
    return value->is_nil() ? 0 : std::stoll(value->str());
  }
};


TEST_F(DedupeTest, AClaimIsALeaseUntilCompletedAndTheRecordStaysForTheRetention) {
  ProcessedEvents processed(*redis_, "notification.mail", absl::Hours(48));
  const Envelope event = Event();
  ASSERT_EQ(*processed.TryClaim(event, absl::Minutes(5)), ProcessedEvents::Claim::kClaimed);
  const std::string key = *processed.Key(event);
  EXPECT_EQ(key, absl::StrCat("ipraktik:{kk}:processed:notification.mail:", event.id()));
  EXPECT_LE(redis_->Command({"PTTL", key})->integer(), absl::ToInt64Milliseconds(absl::Minutes(5)));
  // A second consumer of the same name meanwhile: busy, to be tried again later.
  EXPECT_EQ(*processed.TryClaim(event, absl::Minutes(5)), ProcessedEvents::Claim::kBusy);

  ASSERT_TRUE(processed.Complete(event).ok());
  EXPECT_EQ(*processed.TryClaim(event, absl::Minutes(5)), ProcessedEvents::Claim::kDone);
  const std::int64_t ttl_ms = redis_->Command({"PTTL", key})->integer();
  EXPECT_GT(ttl_ms, absl::ToInt64Milliseconds(absl::Hours(47)));
  EXPECT_LE(ttl_ms, absl::ToInt64Milliseconds(absl::Hours(48)));

  // Another consumer keeps its own record.
  ProcessedEvents other(*redis_, "evaluation.count");
  EXPECT_EQ(*other.TryClaim(event, absl::Minutes(5)), ProcessedEvents::Claim::kClaimed);
}

TEST_F(DedupeTest, AForgottenClaimLetsARedeliveryHandleTheEvent) {
  ProcessedEvents processed(*redis_, "notification.mail");
  const Envelope event = Event();
  ASSERT_EQ(*processed.TryClaim(event, absl::Minutes(5)), ProcessedEvents::Claim::kClaimed);
  ASSERT_TRUE(processed.Forget(event).ok());
  EXPECT_EQ(*processed.TryClaim(event, absl::Minutes(5)), ProcessedEvents::Claim::kClaimed);
}

TEST_F(DedupeTest, AnApplyRecordCountsAsDone) {
  ProcessedEvents processed(*redis_, "evaluation.count");
  const Envelope event = Event();
  ASSERT_TRUE(processed.Apply(kAddToCounter, event, {Counter()}, {"1"}).ok());
  EXPECT_EQ(*processed.TryClaim(event, absl::Minutes(5)), ProcessedEvents::Claim::kDone);
}

TEST_F(DedupeTest, OfManyConcurrentClaimsOfOneEventExactlyOneWins) {
  ProcessedEvents processed(*redis_, "notification.mail");
  for (int round = 0; round < 50; ++round) {
    const Envelope event = Event();
    std::atomic<int> winners = 0;
    std::vector<std::thread> consumers;
    for (int c = 0; c < 4; ++c) {
      consumers.emplace_back([&] {
        absl::StatusOr<ProcessedEvents::Claim> claim = processed.TryClaim(event, absl::Minutes(1));
        ASSERT_TRUE(claim.ok()) << claim.status();
        if (*claim == ProcessedEvents::Claim::kClaimed) ++winners;
      });
    }
    for (std::thread& consumer : consumers) consumer.join();
    EXPECT_EQ(winners, 1);
  }
}

TEST_F(DedupeTest, TwoConsumersHandedTheSameEventsApplyEachExactlyOnce) {
  constexpr int kEvents = 300;
  std::vector<Envelope> events;
  for (int i = 0; i < kEvents; ++i) events.push_back(Event());

  // Two replicas of one consumer, each with its own connections, both receiving every event.
  store::Options options = redis_->options();
  store::Pool replica_a_redis(options);
  store::Pool replica_b_redis(options);
  ProcessedEvents replica_a(replica_a_redis, "evaluation.count");
  ProcessedEvents replica_b(replica_b_redis, "evaluation.count");
  std::atomic<int> applied = 0;
  std::atomic<int> duplicates = 0;
  auto consume = [&](ProcessedEvents& replica) {
    for (const Envelope& event : events) {
      absl::StatusOr<ScriptOutcome> outcome =
          replica.Apply(kAddToCounter, event, {Counter()}, {"1"});
      ASSERT_TRUE(outcome.ok()) << outcome.status();
      if (outcome->duplicate) {
        EXPECT_TRUE(outcome->reply.is_nil());
        ++duplicates;
      } else {
        ++applied;
      }
    }
  };
  std::thread a([&] { consume(replica_a); });
  std::thread b([&] { consume(replica_b); });
  a.join();
  b.join();
  EXPECT_EQ(applied, kEvents);
  EXPECT_EQ(duplicates, kEvents);
  EXPECT_EQ(CounterValue(), kEvents);
}

TEST_F(DedupeTest, ARefusedChangeLeavesNoRecordSoARedeliveryCanSucceed) {
  ProcessedEvents processed(*redis_, "evaluation.count");
  const Envelope event = Event();
  absl::StatusOr<ScriptOutcome> refused =
      processed.Apply(kAddToCounter, event, {Counter()}, {"many"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(redis_->Command({"EXISTS", *processed.Key(event)})->integer(), 0);
  EXPECT_EQ(CounterValue(), 0);

  absl::StatusOr<ScriptOutcome> applied = processed.Apply(kAddToCounter, event, {Counter()}, {"5"});
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_FALSE(applied->duplicate);
  EXPECT_EQ(applied->reply, store::Reply::Integer(5));
  EXPECT_EQ(redis_->Command({"EXISTS", *processed.Key(event)})->integer(), 1);
}

TEST_F(DedupeTest, RefusesKeysOfAnotherTenantInTheSameScript) {
  ProcessedEvents processed(*redis_, "evaluation.count");
  absl::StatusOr<ScriptOutcome> outcome =
      processed.Apply(kAddToCounter, Event("kk"), {Counter("odense")}, {"1"});
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CounterValue("odense"), 0);
  absl::StatusOr<ScriptOutcome> global =
      processed.Apply(kAddToCounter, Event(), {"counter"}, {"1"});
  EXPECT_EQ(global.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(DedupeTest, KeepsWorkingAfterRedisRestartsWithAnEmptyScriptCache) {
  ProcessedEvents processed(*redis_, "evaluation.count");
  const Envelope first = Event();
  ASSERT_TRUE(processed.Apply(kAddToCounter, first, {Counter()}, {"1"}).ok());
  server_->Restart();
  EXPECT_TRUE(processed.Apply(kAddToCounter, first, {Counter()}, {"1"})->duplicate);
  absl::StatusOr<ScriptOutcome> second =
      processed.Apply(kAddToCounter, Event(), {Counter()}, {"1"});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->duplicate);
  EXPECT_EQ(CounterValue(), 2);
}

}  // namespace
}  // namespace ipraktik::events
