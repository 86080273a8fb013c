// The outbox against a real redis-server: a change and its events are stored together or not at
// all; the relay publishes every entry, in order per tenant, through failures of the publisher,
// a second replica, a replica SIGKILLed in the middle of a batch and a Redis restart; and the
// consumer's dedupe turns at-least-once into exactly once.
#include "ipraktik/outbox/outbox.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "eventually.h"
#include "ipraktik/events/dedupe.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/events/event_script.h"
#include "ipraktik/outbox/relay.h"
#include "ipraktik/store/keys.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "local_servers.h"
#include "metric_value.h"
#include "prometheus/registry.h"
#include "redis_test.h"

extern char** environ;

namespace ipraktik::outbox {
namespace {

using events::Envelope;
using ::ipraktik::testing::Eventually;

// The service whose outbox the tests write and relay (relay_victim.cc publishes the same).
constexpr char kPublisher[] = "matching";

// The producer's change: records the sequence number of the last placement and counts them;
// refuses a sequence that is not a number before writing anything.
constexpr std::string_view kPlaceLua = R"lua(
if tonumber(ARGV[1]) == nil then return redis.error_reply('INVALID_ARGUMENT sequence') end
if ARGV[2] == 'no-op' then
  skip_events()
  return 0
end
redis.call('HSET', KEYS[1], 'last', ARGV[1])
return redis.call('HINCRBY', KEYS[1], 'count', 1)
)lua";

// The consumer's change: counts the placements it received.
constexpr std::string_view kCountLua = R"lua(
return redis.call('HINCRBY', KEYS[1], 'received', 1)
)lua";

std::string StateKey(std::string_view tenant) {
  return store::TenantKeys::For(tenant)->Key("placements");
}

Envelope Placement(std::string_view tenant, std::int64_t sequence) {
  v1::InternPlaced placed;
  placed.set_placement_id(absl::StrCat("pl-", sequence));
  placed.set_revision(sequence);
  absl::StatusOr<Envelope> envelope = events::BuildEnvelope(
      {.type = "matching.intern.placed", .tenant = std::string(tenant)}, placed);
  EXPECT_TRUE(envelope.ok()) << envelope.status();
  return *envelope;
}

events::SealedEvent Sealed(const Envelope& event) {
  absl::StatusOr<events::SealedEvent> sealed = events::SealEvent(event);
  EXPECT_TRUE(sealed.ok()) << sealed.status();
  return *std::move(sealed);
}

std::int64_t SequenceOf(const Envelope& event) {
  return events::UnpackPayload<v1::InternPlaced>(event)->revision();
}

// Stands in for the bus: records what was published, and fails when told to.
class FakeBus {
 public:
  absl::Status Send(const Envelope& event, std::string_view serialized) {
    std::lock_guard lock(mutex_);
    ++calls_;
    if (fail_ && fail_(calls_)) return absl::UnavailableError("broker away");
    absl::StatusOr<Envelope> parsed = events::ParseEnvelope(serialized);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->id(), event.id());
    published_.push_back(event);
    return absl::OkStatus();
  }
  Publish Callback() {
    return [this](const Envelope& event, std::string_view serialized) {
      return Send(event, serialized);
    };
  }
  void FailWhen(std::function<bool(int call)> fail) {
    std::lock_guard lock(mutex_);
    fail_ = std::move(fail);
  }
  std::vector<Envelope> published() {
    std::lock_guard lock(mutex_);
    return published_;
  }

 private:
  std::mutex mutex_;
  int calls_ = 0;
  std::function<bool(int)> fail_;
  std::vector<Envelope> published_;
};

// Each tenant's sequence numbers in the order of their first publication.
std::map<std::string, std::vector<std::int64_t>> FirstPublications(
    const std::vector<Envelope>& published) {
  std::set<std::string> seen;
  std::map<std::string, std::vector<std::int64_t>> sequences;
  for (const Envelope& event : published) {
    if (seen.insert(event.id()).second) sequences[event.tenant()].push_back(SequenceOf(event));
  }
  return sequences;
}

std::vector<std::int64_t> OneTo(std::int64_t n) {
  std::vector<std::int64_t> sequence;
  for (std::int64_t i = 1; i <= n; ++i) sequence.push_back(i);
  return sequence;
}

class OutboxTest : public ::ipraktik::testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    outbox_ = std::make_unique<Outbox>(*redis_, kPublisher);
  }

  RelayOptions FastRelay(std::string replica) const {
    RelayOptions options;
    options.replica_id = std::move(replica);
    options.batch_size = 20;
    options.poll_interval = absl::Milliseconds(10);
    options.initial_backoff = absl::Milliseconds(10);
    options.max_backoff = absl::Milliseconds(100);
    options.lease_ttl = absl::Seconds(2);
    options.scan_page_interval = absl::ZeroDuration();
    return options;
  }

  logging::Logger Quiet() const { return logging::Logger("outbox-test", logging::Level::kError); }

  // Commits placements first..last of tenant, one event each.
  void Produce(std::string_view tenant, std::int64_t first, std::int64_t last) {
    for (std::int64_t sequence = first; sequence <= last; ++sequence) {
      absl::StatusOr<events::ScriptOutcome> outcome =
          outbox_->Commit(place_, tenant,
                          {.keys = {StateKey(tenant)},
                           .args = {absl::StrCat(sequence), "change"},
                           .events = {Placement(tenant, sequence)}});
      ASSERT_TRUE(outcome.ok()) << outcome.status();
    }
  }

  std::int64_t StreamLength(std::string_view tenant) {
    return redis_->Command({"XLEN", StreamKey(*store::TenantKeys::For(tenant), kPublisher)})
        ->integer();
  }

  // The fields and values of every entry in tenant's outbox, in order.
  std::vector<std::vector<std::string>> Entries(std::string_view tenant) {
    absl::StatusOr<store::Reply> entries = redis_->Command(
        {"XRANGE", StreamKey(*store::TenantKeys::For(tenant), kPublisher), "-", "+"});
    EXPECT_TRUE(entries.ok()) << entries.status();
    std::vector<std::vector<std::string>> out;
    if (!entries.ok()) return out;
    for (const store::Reply& entry : entries->elements()) {
      std::vector<std::string>& fields = out.emplace_back();
      for (const store::Reply& field : entry.elements()[1].elements()) {
        fields.push_back(field.str());
      }
    }
    return out;
  }

  std::string StateField(std::string_view tenant, std::string_view field) {
    return redis_->Command({"HGET", StateKey(tenant), field})->str();
  }

  // Runs passes until the outbox of every tenant is empty.
  void Drain(Relay& relay) {
    for (int pass = 0; pass < 1000; ++pass) {
      absl::StatusOr<std::size_t> published = relay.RunOnce();
      ASSERT_TRUE(published.ok()) << published.status();
      if (*published == 0) return;
    }
    FAIL() << "the relay kept finding entries";
  }

  // The consumer side, as the event router dedupes: claims every delivery by its envelope id,
  // applies the claimed ones and records them; returns how many applied.
  int Consume(const std::vector<Envelope>& deliveries) {
    events::ProcessedEvents processed(*redis_, "test.counter");
    int applied = 0;
    for (const Envelope& event : deliveries) {
      auto claim = processed.TryClaim(event, absl::Minutes(1));
      EXPECT_TRUE(claim.ok()) << claim.status();
      if (!claim.ok() || *claim != events::ProcessedEvents::Claim::kClaimed) continue;
      auto outcome = events::RunEventScript(*redis_, count_, {.keys = {StateKey(event.tenant())}});
      EXPECT_TRUE(outcome.ok()) << outcome.status();
      EXPECT_TRUE(processed.Complete(event).ok());
      ++applied;
    }
    return applied;
  }

  std::unique_ptr<Outbox> outbox_;
  events::EventScript place_{kPlaceLua};
  events::EventScript count_{kCountLua};
};

TEST_F(OutboxTest, CommitStoresTheChangeAndItsEventTogether) {
  const Envelope event = Placement("kk", 1);
  absl::StatusOr<events::ScriptOutcome> outcome = outbox_->Commit(
      place_, "kk", {.keys = {StateKey("kk")}, .args = {"1", "change"}, .events = {event}});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->reply, store::Reply::Integer(1));
  EXPECT_EQ(StateField("kk", "last"), "1");

  const std::vector<std::vector<std::string>> entries = Entries("kk");
  ASSERT_EQ(entries.size(), 1u);
  const std::vector<std::string>& fields = entries[0];
  ASSERT_EQ(fields.size(), 6u);
  EXPECT_EQ(fields[0], events::kEntryIdField);
  EXPECT_EQ(fields[1], event.id());
  EXPECT_EQ(fields[3], "matching.intern.placed");
  EXPECT_EQ(events::ParseEnvelope(fields[5])->id(), event.id());
  EXPECT_EQ(*redis_->Command({"SMEMBERS", kTenantRegistryKey}),
            store::Reply::Array({store::Reply::String("kk")}));
}

TEST_F(OutboxTest, ARefusedChangeStoresNeitherStateNorEvent) {
  absl::StatusOr<events::ScriptOutcome> refused = outbox_->Commit(
      place_, "kk",
      {.keys = {StateKey("kk")}, .args = {"x", "change"}, .events = {Placement("kk", 1)}});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StateField("kk", "count"), "");
  EXPECT_EQ(StreamLength("kk"), 0);

  // The body may decide that nothing happened and emit nothing.
  absl::StatusOr<events::ScriptOutcome> no_op = outbox_->Commit(
      place_, "kk",
      {.keys = {StateKey("kk")}, .args = {"1", "no-op"}, .events = {Placement("kk", 1)}});
  ASSERT_TRUE(no_op.ok()) << no_op.status();
  EXPECT_EQ(StreamLength("kk"), 0);
}

// A change with nothing to check goes as plain commands and the events' XADDs in one
// MULTI/EXEC, not through Lua: the same entries as a script's, every write done, another
// tenant's key or event refused before anything is sent, a failing command reported.
TEST_F(OutboxTest, PlainWritesAndTheirEventsAreOneTransactionWithTheSameEntries) {
  const Envelope first = Placement("kk", 1);
  const Envelope second = Placement("kk", 2);
  ASSERT_TRUE(outbox_
                  ->CommitWrites("kk", {.commands = {{"HSET", StateKey("kk"), "last", "2"},
                                                     {"HINCRBY", StateKey("kk"), "count", "1"}},
                                        .events = {Sealed(first), Sealed(second)}})
                  .ok());
  EXPECT_EQ(StateField("kk", "last"), "2");
  EXPECT_EQ(StateField("kk", "count"), "1");
  // The same entries as the script's epilogue writes: id, type, envelope.
  const std::vector<std::vector<std::string>> entries = Entries("kk");
  ASSERT_EQ(entries.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const Envelope& event = i == 0 ? first : second;
    EXPECT_EQ(
        entries[i],
        (std::vector<std::string>{
            std::string(events::kEntryIdField), event.id(), std::string(events::kEntryTypeField),
            event.type(), std::string(events::kEntryEnvelopeField), event.SerializeAsString()}));
  }
  EXPECT_EQ(redis_->Command({"SISMEMBER", kTenantRegistryKey, "kk"})->integer(), 1);

  // Another tenant's key or event, or a command without its key: refused, nothing written.
  EXPECT_EQ(outbox_
                ->CommitWrites("kk", {.commands = {{"HSET", StateKey("odense"), "last", "3"}},
                                      .events = {Sealed(Placement("kk", 3))}})
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      outbox_->CommitWrites("kk", {.commands = {{"HSET", StateKey("odense"), "last", "3"}}}).code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outbox_
                ->CommitWrites("kk", {.commands = {{"HSET", StateKey("kk"), "last", "3"}},
                                      .events = {Sealed(Placement("odense", 3))}})
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outbox_->CommitWrites("kk", {.commands = {{"PING"}}}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StateField("kk", "last"), "2");
  EXPECT_EQ(StateField("odense", "last"), "");
  EXPECT_EQ(StreamLength("kk"), 2);

  // A command Redis fails inside the transaction (a key of the wrong type: a bug) does not undo
  // the others, which MULTI cannot: the commit says so.
  ASSERT_TRUE(redis_->Command({"SET", StateKey("kk") + ":text", "a string"}).ok());
  const absl::Status failed =
      outbox_->CommitWrites("kk", {.commands = {{"HSET", StateKey("kk") + ":text", "last", "4"}},
                                   .events = {Sealed(Placement("kk", 4))}});
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal);
  EXPECT_NE(failed.message().find("WRONGTYPE"), std::string_view::npos) << failed;
  EXPECT_EQ(StreamLength("kk"), 3);

  // The relay publishes them as any others.
  FakeBus bus;
  Relay relay(*redis_, kPublisher, bus.Callback(), Quiet(), FastRelay("a"));
  Drain(relay);
  EXPECT_EQ(FirstPublications(bus.published())["kk"], (std::vector<std::int64_t>{1, 2, 4}));
  EXPECT_EQ(StreamLength("kk"), 0);
}

TEST_F(OutboxTest, ATenantIsRegisteredBeforeItsFirstEventIsStored) {
  // So the relay finds every outbox through the registry alone: a commit refused after the
  // registration leaves a registered tenant with an empty outbox, never the other way round.
  absl::StatusOr<events::ScriptOutcome> refused = outbox_->Commit(
      place_, "kk",
      {.keys = {StateKey("kk")}, .args = {"x", "change"}, .events = {Placement("kk", 1)}});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(redis_->Command({"SISMEMBER", kTenantRegistryKey, "kk"})->integer(), 1);
  EXPECT_EQ(StreamLength("kk"), 0);
  // A change without events registers nothing; nor does one refused before reaching Redis.
  ASSERT_TRUE(
      outbox_->Commit(place_, "odense", {.keys = {StateKey("odense")}, .args = {"1", "change"}})
          .ok());
  EXPECT_EQ(redis_->Command({"SISMEMBER", kTenantRegistryKey, "odense"})->integer(), 0);
  EXPECT_FALSE(outbox_
                   ->Commit(place_, "aarhus",
                            {.keys = {StateKey("odense")},
                             .args = {"1", "change"},
                             .events = {Placement("aarhus", 1)}})
                   .ok());
  EXPECT_EQ(redis_->Command({"SISMEMBER", kTenantRegistryKey, "aarhus"})->integer(), 0);
}

TEST_F(OutboxTest, RefusesEventsAndKeysOfAnotherTenant) {
  absl::StatusOr<events::ScriptOutcome> foreign_event = outbox_->Commit(
      place_, "kk",
      {.keys = {StateKey("kk")}, .args = {"1", "change"}, .events = {Placement("odense", 1)}});
  EXPECT_EQ(foreign_event.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<events::ScriptOutcome> foreign_key = outbox_->Commit(
      place_, "kk",
      {.keys = {StateKey("odense")}, .args = {"1", "change"}, .events = {Placement("kk", 1)}});
  EXPECT_EQ(foreign_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outbox_->Commit(place_, "K K", {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StreamLength("kk"), 0);
  EXPECT_EQ(StateField("odense", "count"), "");
}

TEST_F(OutboxTest, RelayPublishesEveryEntryInOrderPerTenantAndEmptiesTheOutbox) {
  for (std::string_view tenant : {"kk", "odense", "aarhus"}) Produce(tenant, 1, 60);
  prometheus::Registry registry;
  RelayOptions options = FastRelay("a");
  options.registry = &registry;
  FakeBus bus;
  Relay relay(*redis_, kPublisher, bus.Callback(), Quiet(), options);
  Drain(relay);

  const std::vector<Envelope> published = bus.published();
  EXPECT_EQ(published.size(), 180u);  // one replica, no failure: no duplicate either
  auto sequences = FirstPublications(published);
  for (std::string_view tenant : {"kk", "odense", "aarhus"}) {
    EXPECT_EQ(sequences[std::string(tenant)], OneTo(60)) << tenant;
    EXPECT_EQ(StreamLength(tenant), 0) << tenant;
  }
  EXPECT_EQ(ipraktik::testing::MetricValue(registry, "ipraktik_outbox_published_total"), 180);
}

TEST_F(OutboxTest, ARelayPublishesOnlyItsOwnServicesOutbox) {
  // Each service's relay publishes its own outbox only: the broker lets its user publish only
  // its own event types, so another service's entry would be refused and block the tenant.
  Produce("kk", 1, 5);
  Outbox other(*redis_, "notification");
  ASSERT_TRUE(
      other
          .Commit(
              place_, "kk",
              {.keys = {StateKey("kk")}, .args = {"6", "change"}, .events = {Placement("kk", 6)}})
          .ok());
  const std::string others_stream = StreamKey(*store::TenantKeys::For("kk"), "notification");
  EXPECT_EQ(others_stream, "ipraktik:{kk}:outbox:notification");

  FakeBus bus;
  Relay relay(*redis_, kPublisher, bus.Callback(), Quiet(), FastRelay("a"));
  Drain(relay);

  EXPECT_EQ(FirstPublications(bus.published())["kk"], OneTo(5));
  EXPECT_EQ(StreamLength("kk"), 0);
  EXPECT_EQ(redis_->Command({"XLEN", others_stream})->integer(), 1) << "left to its own relay";

  Relay others_relay(*redis_, "notification", bus.Callback(), Quiet(), FastRelay("b"));
  Drain(others_relay);
  EXPECT_EQ(FirstPublications(bus.published())["kk"], OneTo(6));
}

TEST_F(OutboxTest, AFailingPublisherLosesNothingAndKeepsTheOrder) {
  Produce("kk", 1, 50);
  Produce("odense", 1, 50);
  FakeBus bus;
  bus.FailWhen([](int call) { return call % 3 == 0; });  // every third publish fails
  Relay relay(*redis_, kPublisher, bus.Callback(), Quiet(), FastRelay("a"));
  relay.Start();
  ASSERT_TRUE(Eventually([&] {
    auto sequences = FirstPublications(bus.published());
    return sequences["kk"].size() == 50 && sequences["odense"].size() == 50;
  }));
  relay.Stop();
  auto sequences = FirstPublications(bus.published());
  EXPECT_EQ(sequences["kk"], OneTo(50));
  EXPECT_EQ(sequences["odense"], OneTo(50));
  EXPECT_EQ(StreamLength("kk"), 0);
}

TEST_F(OutboxTest, ABatchPublisherGetsWholeBatchesAndARefusedBatchComesAgain) {
  Produce("kk", 1, 50);
  FakeBus bus;
  std::mutex mutex;
  std::vector<std::size_t> sizes;
  int calls = 0;
  PublishBatch publish = [&](std::span<const Envelope> batch,
                             std::span<const std::string_view> serialized) {
    std::lock_guard lock(mutex);
    if (++calls == 2) return absl::UnavailableError("broker away");
    sizes.push_back(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      EXPECT_TRUE(bus.Send(batch[i], serialized[i]).ok());
    }
    return absl::OkStatus();
  };
  Relay relay(*redis_, kPublisher, publish, Quiet(), FastRelay("a"));
  relay.Start();
  ASSERT_TRUE(Eventually([&] { return FirstPublications(bus.published())["kk"].size() == 50; }));
  relay.Stop();
  EXPECT_EQ(FirstPublications(bus.published())["kk"], OneTo(50));
  EXPECT_EQ(bus.published().size(), 50u);  // the refused batch was not published in part
  std::lock_guard lock(mutex);
  EXPECT_EQ(*std::max_element(sizes.begin(), sizes.end()), 20u);
  EXPECT_EQ(StreamLength("kk"), 0);
}

TEST_F(OutboxTest, PublishesWhileRedisRestarts) {
  FakeBus bus;
  Relay relay(*redis_, kPublisher, bus.Callback(), Quiet(), FastRelay("a"));
  relay.Start();
  Produce("kk", 1, 30);
  server_->Restart();
  Produce("kk", 31, 60);
  ASSERT_TRUE(Eventually([&] { return FirstPublications(bus.published())["kk"].size() == 60; }));
  relay.Stop();
  EXPECT_EQ(FirstPublications(bus.published())["kk"], OneTo(60));
}

TEST_F(OutboxTest, TwoReplicasPublishEverythingAndTheConsumerAppliesEachOnce) {
  constexpr int kEvents = 150;
  const std::vector<std::string> tenants = {"kk", "odense", "aarhus", "aalborg"};
  FakeBus bus;
  store::Pool other_redis(PoolOptions());
  std::atomic<int> by_a = 0;
  std::atomic<int> by_b = 0;
  auto counting = [&bus](std::atomic<int>& count) -> Publish {
    return [&bus, &count](const Envelope& event, std::string_view serialized) {
      ++count;
      return bus.Send(event, serialized);
    };
  };
  Relay a(*redis_, kPublisher, counting(by_a), Quiet(), FastRelay("a"));
  Relay b(other_redis, kPublisher, counting(by_b), Quiet(), FastRelay("b"));
  a.Start();
  b.Start();
  std::vector<std::thread> producers;
  for (const std::string& tenant : tenants) {
    producers.emplace_back([&, tenant] { Produce(tenant, 1, kEvents); });
  }
  for (std::thread& producer : producers) producer.join();
  ASSERT_TRUE(Eventually([&] {
    auto sequences = FirstPublications(bus.published());
    for (const std::string& tenant : tenants) {
      if (sequences[tenant].size() != kEvents) return false;
    }
    return true;
  }));
  a.Stop();
  b.Stop();
  const std::vector<Envelope> published = bus.published();
  auto sequences = FirstPublications(published);
  for (const std::string& tenant : tenants) {
    EXPECT_EQ(sequences[tenant], OneTo(kEvents)) << tenant;
  }
  RecordProperty("published_by_a", by_a.load());
  RecordProperty("published_by_b", by_b.load());
  EXPECT_EQ(Consume(published), kEvents * static_cast<int>(tenants.size()));
  for (const std::string& tenant : tenants) {
    EXPECT_EQ(StateField(tenant, "received"), absl::StrCat(kEvents)) << tenant;
  }
}

// A child process that is SIGKILLed when the test ends, however it ends.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~Child() { Kill(); }
  bool running() const { return pid_ > 0; }
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

TEST_F(OutboxTest, AReplicaKilledInTheMiddleOfABatchLosesNothing) {
  constexpr int kEvents = 200;
  Produce("kk", 1, kEvents);
  const std::string victim_program =
      (testing::BinaryDir() / "tests" / "outbox_relay_victim").string();
  // Its batches are 50 entries, 5 ms each, acknowledged at the end of each batch.
  Child victim({victim_program, absl::StrCat(server_->port()), "victim", "1000", "5"});
  ASSERT_TRUE(victim.running());
  ASSERT_TRUE(Eventually([&] { return redis_->Command({"LLEN", "test:bus"})->integer() >= 20; }));
  victim.Kill();
  // The victim died holding published but unacknowledged entries.
  absl::StatusOr<store::Reply> pending =
      redis_->Command({"XPENDING", "ipraktik:{kk}:outbox:matching", "relay"});
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_GT(pending->elements().at(0).integer(), 0);

  FakeBus bus;
  Relay survivor(*redis_, kPublisher, bus.Callback(), Quiet(), FastRelay("survivor"));
  survivor.Start();  // takes over once the victim's lease (1 s) expired
  ASSERT_TRUE(Eventually([&] { return StreamLength("kk") == 0; }));
  survivor.Stop();

  std::vector<Envelope> deliveries;
  absl::StatusOr<store::Reply> from_bus = redis_->Command({"LRANGE", "test:bus", "0", "-1"});
  ASSERT_TRUE(from_bus.ok()) << from_bus.status();
  for (const store::Reply& bytes : from_bus->elements()) {
    deliveries.push_back(*events::ParseEnvelope(bytes.str()));
  }
  const std::size_t from_victim = deliveries.size();
  for (const Envelope& event : bus.published()) deliveries.push_back(event);
  EXPECT_EQ(FirstPublications(deliveries)["kk"], OneTo(kEvents));
  // At least once: what the victim published but could not acknowledge went out again.
  EXPECT_GT(deliveries.size(), static_cast<std::size_t>(kEvents));
  RecordProperty("published_by_victim", static_cast<int>(from_victim));
  RecordProperty("deliveries", static_cast<int>(deliveries.size()));
  // Exactly once for the consumer.
  EXPECT_EQ(Consume(deliveries), kEvents);
  EXPECT_EQ(StateField("kk", "received"), absl::StrCat(kEvents));
}

TEST_F(OutboxTest, FindsOutboxesMissingFromTheRegistry) {
  Produce("kk", 1, 10);
  ASSERT_TRUE(redis_->Command({"DEL", kTenantRegistryKey}).ok());
  FakeBus bus;
  Relay relay(*redis_, kPublisher, bus.Callback(), Quiet(), FastRelay("a"));
  Drain(relay);
  EXPECT_EQ(FirstPublications(bus.published())["kk"], OneTo(10));
  // And the registry is repaired.
  EXPECT_EQ(redis_->Command({"SISMEMBER", kTenantRegistryKey, "kk"})->integer(), 1);
}

TEST_F(OutboxTest, MovesAnUnreadableEntryToTheDeadLettersAndGoesOn) {
  Produce("kk", 1, 2);
  ASSERT_TRUE(
      redis_->Command({"XADD", "ipraktik:{kk}:outbox:matching", "*", "envelope", "garbage"}).ok());
  ASSERT_TRUE(
      redis_->Command({"XADD", "ipraktik:{kk}:outbox:matching", "*", "something", "else"}).ok());
  const Envelope foreign = Placement("odense", 1);
  ASSERT_TRUE(redis_
                  ->Command({"XADD", "ipraktik:{kk}:outbox:matching", "*", "envelope",
                             foreign.SerializeAsString()})
                  .ok());
  Produce("kk", 3, 4);
  FakeBus bus;
  Relay relay(*redis_, kPublisher, bus.Callback(), Quiet(), FastRelay("a"));
  Drain(relay);
  EXPECT_EQ(FirstPublications(bus.published())["kk"], OneTo(4));
  EXPECT_EQ(StreamLength("kk"), 0);
  absl::StatusOr<store::Reply> dead =
      redis_->Command({"XRANGE", "ipraktik:{kk}:outbox:matching:dead", "-", "+"});
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->elements().size(), 3u);
  const std::vector<store::Reply>& first = dead->elements()[0].elements()[1].elements();
  EXPECT_EQ(first.at(2).str(), "reason");
  EXPECT_NE(first.at(3).str().find("malformed"), std::string::npos) << first.at(3).str();
}

TEST_F(OutboxTest, StopHandsTheTenantToAnotherReplicaAtOnce) {
  Produce("kk", 1, 5);
  FakeBus bus;
  RelayOptions slow_lease = FastRelay("a");
  slow_lease.lease_ttl = absl::Hours(1);
  {
    Relay a(*redis_, kPublisher, bus.Callback(), Quiet(), slow_lease);
    Drain(a);
  }  // destroyed: releases its lease
  Produce("kk", 6, 10);
  Relay b(*redis_, kPublisher, bus.Callback(), Quiet(), FastRelay("b"));
  Drain(b);
  EXPECT_EQ(FirstPublications(bus.published())["kk"], OneTo(10));
}

}  // namespace
}  // namespace ipraktik::outbox
