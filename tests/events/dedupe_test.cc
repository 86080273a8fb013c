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

// The event script the outbox and every service's atomic change run on (event_script.h).
TEST_F(DedupeTest, AnEventScriptRefusedByItsBodyWritesNothing) {
  absl::StatusOr<ScriptOutcome> refused =
      RunEventScript(*redis_, kAddToCounter, {.keys = {Counter()}, .args = {"many"}});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CounterValue(), 0);
  absl::StatusOr<ScriptOutcome> applied =
      RunEventScript(*redis_, kAddToCounter, {.keys = {Counter()}, .args = {"5"}});
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->reply, store::Reply::Integer(5));
}

TEST_F(DedupeTest, AnEventScriptRefusesKeysOfAnotherTenantInTheSameScript) {
  const Envelope event = Event("kk");
  std::string stream = store::TenantKeys::For("kk")->Key("outbox");
  absl::StatusOr<ScriptOutcome> outcome = RunEventScript(
      *redis_, kAddToCounter,
      {.keys = {Counter("odense")}, .args = {"1"}, .stream_key = stream, .events = {&event, 1}});
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CounterValue("odense"), 0);
  absl::StatusOr<ScriptOutcome> global =
      RunEventScript(*redis_, kAddToCounter, {.keys = {"counter"}, .args = {"1"}});
  EXPECT_EQ(global.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(DedupeTest, KeepsWorkingAfterRedisRestartsWithAnEmptyScriptCache) {
  ProcessedEvents processed(*redis_, "evaluation.count");
  const Envelope first = Event();
  ASSERT_EQ(*processed.TryClaim(first, absl::Minutes(5)), ProcessedEvents::Claim::kClaimed);
  ASSERT_TRUE(processed.Complete(first).ok());
  ASSERT_TRUE(RunEventScript(*redis_, kAddToCounter, {.keys = {Counter()}, .args = {"1"}}).ok());
  server_->Restart();
  // The claim script and the event script are loaded again; the record survived (AOF).
  EXPECT_EQ(*processed.TryClaim(first, absl::Minutes(5)), ProcessedEvents::Claim::kDone);
  EXPECT_EQ(*processed.TryClaim(Event(), absl::Minutes(5)), ProcessedEvents::Claim::kClaimed);
  ASSERT_TRUE(RunEventScript(*redis_, kAddToCounter, {.keys = {Counter()}, .args = {"1"}}).ok());
  EXPECT_EQ(CounterValue(), 2);
}

}  // namespace
}  // namespace ipraktik::events
