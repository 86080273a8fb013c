// The event router behind a real consumer, against a private rabbitmq-server and redis-server:
// a malformed envelope, a payload of the wrong type and an unknown type go to the dead-letter
// queue with their reasons and do not hold up a good event published after them; an envelope
// delivered twice is handled once where the handler asked for dedupe; a transient failure is
// retried and then handled; in a batch, only the events that failed are retried or
// dead-lettered, each alone, and the batch is acked.
#include "ipraktik/server/event_consumer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "consumed_events.h"
#include "event_batches.h"
#include "eventually.h"
#include "ipraktik/bus/admin.h"
#include "ipraktik/bus/publisher.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/server/event_router.h"
#include "ipraktik/store/pool.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "ipraktik/v1/registration_events.pb.h"
#include "local_servers.h"

namespace ipraktik::server {
namespace {

using ::ipraktik::server::testing::ConsumedEvents;
using ::ipraktik::testing::Eventually;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kUnknownType[] = "test.unknown.happened";

class EventConsumerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    broker_ = std::make_unique<ipraktik::testing::RabbitMqServer>();
    redis_server_ = std::make_unique<ipraktik::testing::RedisServer>();
  }
  static void TearDownTestSuite() {
    broker_.reset();
    redis_server_.reset();
  }

  void SetUp() override {
    queue_ = "test.router-" + std::to_string(++tests_);
    redis_ = std::make_unique<store::Pool>(
        store::Options{.host = "127.0.0.1", .port = redis_server_->port()});
    router_ = std::make_unique<EventRouter>(
        EventRouterOptions{.name = "test.router", .redis = redis_.get(), .metrics = &registry_});
    router_->On<v1::ParticipantErased>(
        contract::kParticipantErased,
        [this](const v1::ParticipantErased& erased, const EventContext&) {
          std::lock_guard lock(mutex_);
          handled_.push_back(erased.participant_id());
          return absl::OkStatus();
        },
        {.dedupe = true});
    router_->On<v1::InternPlaced>(
        contract::kInternPlaced, [this](const v1::InternPlaced& placed, const EventContext& event) {
          std::lock_guard lock(mutex_);
          handled_.push_back(placed.placement_id());
          // Fails once per placement: the retry is handled.
          if (event.attempt == 1) return absl::UnavailableError("the store is busy");
          return absl::OkStatus();
        });
    router_->OnBatch(contract::kPlacementsPublished);
  }

  void TearDown() override {
    consumer_.reset();
    router_.reset();
  }

  static bus::ConnectionOptions Connection(std::string name) {
    bus::ConnectionOptions options;
    options.url = broker_->url();
    options.connection_name = std::move(name);
    options.logger = logging::Logger("router-test", logging::Level::kWarning);
    return options;
  }

  bus::QueueSpec Queue() const {
    bus::QueueSpec spec;
    spec.name = queue_;
    // The router's types, and one nobody handles, as a wrong binding would bring.
    spec.bindings = router_->Types();
    spec.bindings.push_back(kUnknownType);
    spec.retry.max_attempts = 3;
    spec.retry.initial_delay = std::chrono::milliseconds(100);
    spec.retry.max_delay = std::chrono::milliseconds(500);
    return spec;
  }

  void StartConsumer() {
    bus::ConsumerOptions options;
    options.connection = Connection("router-test-consumer");
    options.queue = Queue();
    options.prefetch = 1;
    auto consumer = EventConsumer::Start(std::move(options), *router_, nullptr);
    ASSERT_TRUE(consumer.ok()) << consumer.status();
    consumer_ = *std::move(consumer);
    ASSERT_TRUE(Eventually([&] { return consumer_->Running(); }));
  }

  void Publish(const std::vector<bus::Message>& messages) {
    bus::PublisherOptions options;
    options.connection = Connection("router-test-publisher");
    options.queues = {Queue()};
    auto publisher = bus::Publisher::Create(std::move(options));
    ASSERT_TRUE(publisher.ok()) << publisher.status();
    ASSERT_TRUE(publisher->PublishBatch(messages).ok());
  }

  static bus::Message MessageOf(const events::Envelope& envelope) {
    bus::Message message;
    message.routing_key = envelope.type();
    message.body = envelope.SerializeAsString();
    message.message_id = envelope.id();
    message.type = envelope.type();
    return message;
  }

  static events::Envelope EnvelopeOf(std::string type, const google::protobuf::Message& payload) {
    auto envelope = events::BuildEnvelope({.type = std::move(type), .tenant = "kk"}, payload);
    EXPECT_TRUE(envelope.ok()) << envelope.status();
    return *envelope;
  }

  static v1::ParticipantErased Erased(std::string participant_id) {
    v1::ParticipantErased erased;
    erased.set_participant_id(std::move(participant_id));
    return erased;
  }

  std::vector<std::string> Handled() {
    std::lock_guard lock(mutex_);
    return handled_;
  }

  // The dead-letter queue's messages by message id, once `count` are there.
  std::map<std::string, bus::Delivery> DeadLetters(std::size_t count) {
    auto admin = bus::Admin::Create(Connection("router-test-admin"));
    EXPECT_TRUE(admin.ok()) << admin.status();
    std::map<std::string, bus::Delivery> dead;
    EXPECT_TRUE(Eventually([&] {
      auto taken = admin->Take(bus::DeadLetterQueueName(queue_));
      if (taken.ok() && taken->has_value()) dead.emplace((*taken)->message_id, **taken);
      return dead.size() >= count;
    })) << dead.size()
        << " dead letters";
    return dead;
  }

  static std::unique_ptr<ipraktik::testing::RabbitMqServer> broker_;
  static std::unique_ptr<ipraktik::testing::RedisServer> redis_server_;
  static int tests_;
  std::string queue_;
  prometheus::Registry registry_;
  std::unique_ptr<store::Pool> redis_;
  std::unique_ptr<EventRouter> router_;
  std::unique_ptr<EventConsumer> consumer_;
  std::mutex mutex_;
  std::vector<std::string> handled_;
};

std::unique_ptr<ipraktik::testing::RabbitMqServer> EventConsumerTest::broker_;
std::unique_ptr<ipraktik::testing::RedisServer> EventConsumerTest::redis_server_;
int EventConsumerTest::tests_ = 0;

TEST_F(EventConsumerTest, BadEventsGoToTheDeadLetterQueueWithTheirReasonsAndDoNotBlockGoodOnes) {
  StartConsumer();
  bus::Message malformed;
  malformed.routing_key = contract::kParticipantErased;
  malformed.body = "not an envelope";
  malformed.message_id = "malformed";
  v1::InternPlaced placed;
  placed.set_placement_id("pl-1");
  bus::Message wrong_payload = MessageOf(EnvelopeOf(contract::kParticipantErased, placed));
  wrong_payload.message_id = "wrong-payload";
  bus::Message unknown = MessageOf(EnvelopeOf(kUnknownType, Erased("p-0")));
  unknown.message_id = "unknown";
  bus::Message good = MessageOf(EnvelopeOf(contract::kParticipantErased, Erased("p-1")));
  Publish({malformed, wrong_payload, unknown, good});

  ASSERT_TRUE(Eventually([&] { return !Handled().empty(); }));
  EXPECT_THAT(Handled(), ElementsAre("p-1"));
  EXPECT_TRUE(consumer_->Running()) << "the service kept consuming";

  std::map<std::string, bus::Delivery> dead = DeadLetters(3);
  ASSERT_EQ(dead.size(), 3u);
  auto reason = [&](const std::string& id) {
    return dead.at(id).headers.at(std::string(bus::kDeathReasonHeader));
  };
  EXPECT_THAT(reason("malformed"), HasSubstr("malformed event envelope"));
  EXPECT_THAT(reason("wrong-payload"), HasSubstr("holds ipraktik.v1.InternPlaced"));
  EXPECT_THAT(reason("unknown"), HasSubstr("no handler for event type test.unknown.happened"));
  EXPECT_EQ(dead.at("malformed").body, "not an envelope") << "the message as it came";
}

TEST_F(EventConsumerTest, AnEnvelopeDeliveredTwiceIsHandledOnce) {
  StartConsumer();
  const double duplicates_before =
      ConsumedEvents(registry_, contract::kParticipantErased, "duplicate");
  const events::Envelope envelope = EnvelopeOf(contract::kParticipantErased, Erased("p-2"));
  // The same envelope twice, as two relay replicas publishing one outbox entry would.
  Publish({MessageOf(envelope), MessageOf(envelope)});

  ASSERT_TRUE(Eventually([&] {
    return ConsumedEvents(registry_, contract::kParticipantErased, "duplicate") -
               duplicates_before ==
           1;
  }));
  EXPECT_THAT(Handled(), ElementsAre("p-2"));
}

TEST_F(EventConsumerTest, ATransientFailureIsRetriedAndThenHandled) {
  StartConsumer();
  v1::InternPlaced placed;
  placed.set_placement_id("pl-3");
  Publish({MessageOf(EnvelopeOf(contract::kInternPlaced, placed))});

  ASSERT_TRUE(Eventually(
      [&] { return ConsumedEvents(registry_, contract::kInternPlaced, "handled") == 1; }));
  EXPECT_THAT(Handled(), ElementsAre("pl-3", "pl-3"));
  EXPECT_EQ(ConsumedEvents(registry_, contract::kInternPlaced, "retried"), 1);
}

TEST_F(EventConsumerTest, InABatchOnlyTheFailedEventsAreRetriedOrDeadLetteredEachAlone) {
  StartConsumer();
  v1::InternPlaced placed;
  placed.set_placement_id("pl-5");
  const events::Envelope unknown = EnvelopeOf(kUnknownType, Erased("p-0"));
  auto batch =
      ipraktik::testing::BatchOfEnvelopes({.type = contract::kPlacementsPublished, .tenant = "kk"},
                                          {EnvelopeOf(contract::kParticipantErased, Erased("p-4")),
                                           EnvelopeOf(contract::kInternPlaced, placed), unknown});
  ASSERT_TRUE(batch.ok()) << batch.status();
  Publish({MessageOf(*batch)});

  // The placement failed in the batch and is handled when its retry brings it back alone.
  ASSERT_TRUE(Eventually(
      [&] { return ConsumedEvents(registry_, contract::kInternPlaced, "handled") == 1; }));
  std::map<std::string, bus::Delivery> dead = DeadLetters(1);
  ASSERT_EQ(dead.size(), 1u);
  const bus::Delivery& dead_unknown = dead.begin()->second;
  EXPECT_EQ(dead_unknown.message_id, unknown.id()) << "the event alone, not its batch";
  EXPECT_EQ(dead_unknown.body, unknown.SerializeAsString());
  EXPECT_EQ(dead_unknown.headers.at(std::string(bus::kOriginalRoutingKeyHeader)), kUnknownType);
  EXPECT_THAT(dead_unknown.headers.at(std::string(bus::kDeathReasonHeader)),
              HasSubstr("no handler for event type test.unknown.happened"));

  // A later event marks the end: once it is handled and the consumer closed, nothing is left
  // in the queue or unacknowledged (a batch not acked would be back in the queue).
  Publish({MessageOf(EnvelopeOf(contract::kParticipantErased, Erased("p-6")))});
  ASSERT_TRUE(Eventually([&] { return Handled().size() == 4; }));
  consumer_.reset();
  auto admin = bus::Admin::Create(Connection("router-test-admin"));
  ASSERT_TRUE(admin.ok()) << admin.status();
  auto queue = admin->InspectQueue(queue_);
  ASSERT_TRUE(queue.ok()) << queue.status();
  EXPECT_EQ(queue->messages, 0u);
  EXPECT_THAT(Handled(), ElementsAre("p-4", "pl-5", "pl-5", "p-6"));
  EXPECT_EQ(ConsumedEvents(registry_, contract::kPlacementsPublished, "split"), 1);
}

}  // namespace
}  // namespace ipraktik::server
