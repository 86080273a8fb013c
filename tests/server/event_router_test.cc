// The event router without a broker: each type reaches its handler with the typed payload; a
// malformed envelope, a payload of the wrong type and an unknown type are dead-lettered with a
// reason that says what is wrong; an ignored type is acked; the handler's status decides ack,
// retry or dead-letter; every event is counted by type and outcome. A batch's events are routed
// each by its own type, and only those not done are retried or dead-lettered, each alone.
#include "ipraktik/server/event_router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "consumed_events.h"
#include "event_batches.h"
#include "ipraktik/bus/message.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "ipraktik/v1/registration_events.pb.h"

namespace ipraktik::server {
namespace {

using ::ipraktik::server::testing::ConsumedEvents;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

events::Envelope EnvelopeOf(std::string type, const google::protobuf::Message& payload) {
  absl::StatusOr<events::Envelope> envelope = events::BuildEnvelope(
      {.type = std::move(type), .tenant = "kk", .correlation_id = "c-1"}, payload);
  EXPECT_TRUE(envelope.ok()) << envelope.status();
  return *envelope;
}

bus::Delivery DeliveryOf(const events::Envelope& envelope, int attempt = 1) {
  bus::Delivery delivery;
  delivery.routing_key = envelope.type();
  delivery.body = envelope.SerializeAsString();
  delivery.attempt = attempt;
  return delivery;
}

v1::ParticipantErased Erased(std::string participant_id) {
  v1::ParticipantErased erased;
  erased.set_participant_id(std::move(participant_id));
  return erased;
}

class EventRouterTest : public ::testing::Test {
 protected:
  EventRouterTest()
      : router_({.name = "test.router",
                 .ignored_types = {std::string(contract::kResultPublished)},
                 .metrics = &registry_}) {
    router_.On<v1::ParticipantErased>(
        contract::kParticipantErased,
        [this](const v1::ParticipantErased& erased, const EventContext& event) {
          erased_.push_back(erased.participant_id());
          attempts_.push_back(event.attempt);
          correlation_ids_.push_back(event.envelope.correlation_id());
          return answer_;
        });
  }

  prometheus::Registry registry_;
  EventRouter router_;
  absl::Status answer_;
  std::vector<std::string> erased_;
  std::vector<int> attempts_;
  std::vector<std::string> correlation_ids_;
};

TEST_F(EventRouterTest, HandsEachEventItsTypedPayloadAndContext) {
  const bus::Outcome outcome =
      router_.Handle(DeliveryOf(EnvelopeOf(contract::kParticipantErased, Erased("p-1")), 3));
  EXPECT_EQ(outcome.kind(), bus::Outcome::Kind::kAck);
  EXPECT_THAT(erased_, ElementsAre("p-1"));
  EXPECT_THAT(attempts_, ElementsAre(3));
  EXPECT_THAT(correlation_ids_, ElementsAre("c-1"));
  EXPECT_EQ(ConsumedEvents(registry_, contract::kParticipantErased, "handled"), 1);
  EXPECT_THAT(router_.Types(), ElementsAre(contract::kParticipantErased));
}

TEST_F(EventRouterTest, DeadLettersAMalformedEnvelopeNamingTheFields) {
  bus::Delivery garbage;
  garbage.body = "not an envelope";
  const bus::Outcome outcome = router_.Handle(garbage);
  EXPECT_EQ(outcome.kind(), bus::Outcome::Kind::kDeadLetter);
  EXPECT_THAT(outcome.reason(), HasSubstr("malformed event envelope"));

  events::Envelope invalid = EnvelopeOf(contract::kParticipantErased, Erased("p-1"));
  invalid.set_tenant("");
  const bus::Outcome no_tenant = router_.Handle(DeliveryOf(invalid));
  EXPECT_EQ(no_tenant.kind(), bus::Outcome::Kind::kDeadLetter);
  EXPECT_THAT(no_tenant.reason(), HasSubstr("tenant"));
  EXPECT_TRUE(erased_.empty());
  EXPECT_EQ(ConsumedEvents(registry_, "unknown", "malformed"), 2);
}

TEST_F(EventRouterTest, DeadLettersAPayloadOfTheWrongType) {
  v1::InternPlaced placed;
  placed.set_placement_id("pl-1");
  const bus::Outcome outcome =
      router_.Handle(DeliveryOf(EnvelopeOf(contract::kParticipantErased, placed)));
  EXPECT_EQ(outcome.kind(), bus::Outcome::Kind::kDeadLetter);
  EXPECT_THAT(outcome.reason(), HasSubstr("ipraktik.v1.InternPlaced"));
  EXPECT_THAT(outcome.reason(), HasSubstr("ipraktik.v1.ParticipantErased"));
  EXPECT_TRUE(erased_.empty());
  EXPECT_EQ(ConsumedEvents(registry_, contract::kParticipantErased, "malformed"), 1);
}

TEST_F(EventRouterTest, DeadLettersAnUnknownTypeAndAcksAnIgnoredOne) {
  const bus::Outcome unknown =
      router_.Handle(DeliveryOf(EnvelopeOf("test.something.else", Erased("p-1"))));
  EXPECT_EQ(unknown.kind(), bus::Outcome::Kind::kDeadLetter);
  EXPECT_THAT(unknown.reason(), HasSubstr("no handler for event type test.something.else"));
  // The label stays bounded: an unknown type is not a label value.
  EXPECT_EQ(ConsumedEvents(registry_, "unknown", "unknown_type"), 1);

  v1::MatchingResultPublished published;
  const bus::Outcome ignored =
      router_.Handle(DeliveryOf(EnvelopeOf(contract::kResultPublished, published)));
  EXPECT_EQ(ignored.kind(), bus::Outcome::Kind::kAck);
  EXPECT_EQ(ConsumedEvents(registry_, contract::kResultPublished, "ignored"), 1);
  EXPECT_TRUE(erased_.empty());
}

TEST_F(EventRouterTest, TheHandlersStatusDecidesAckRetryOrDeadLetter) {
  const bus::Delivery delivery = DeliveryOf(EnvelopeOf(contract::kParticipantErased, Erased("p")));

  answer_ = absl::UnavailableError("redis is down");
  const bus::Outcome retry = router_.Handle(delivery);
  EXPECT_EQ(retry.kind(), bus::Outcome::Kind::kRetry);
  EXPECT_THAT(retry.reason(), HasSubstr("redis is down"));
  EXPECT_EQ(ConsumedEvents(registry_, contract::kParticipantErased, "retried"), 1);

  for (const absl::Status& permanent :
       {absl::InvalidArgumentError("no"), absl::NotFoundError("no such round"),
        absl::FailedPreconditionError("round not closed")}) {
    answer_ = permanent;
    const bus::Outcome dead = router_.Handle(delivery);
    EXPECT_EQ(dead.kind(), bus::Outcome::Kind::kDeadLetter) << permanent;
    EXPECT_THAT(dead.reason(), HasSubstr(permanent.message()));
  }
  EXPECT_EQ(ConsumedEvents(registry_, contract::kParticipantErased, "rejected"), 3);
}

// A batch of erasures under the placements' batch type (the router needs no type of its own for
// the events inside: they are routed by their own types).
class EventRouterBatchTest : public EventRouterTest {
 protected:
  EventRouterBatchTest() { router_.OnBatch(contract::kPlacementsPublished); }

  events::Envelope BatchOf(std::vector<events::Envelope> events) {
    auto batch = ipraktik::testing::BatchOfEnvelopes(
        {.type = contract::kPlacementsPublished, .tenant = "kk", .correlation_id = "c-1"}, events);
    EXPECT_TRUE(batch.ok()) << batch.status();
    return *batch;
  }
};

TEST_F(EventRouterBatchTest, EveryEventInABatchReachesItsHandlerAndTheBatchIsAcked) {
  const events::Envelope batch =
      BatchOf({EnvelopeOf(contract::kParticipantErased, Erased("p-1")),
               EnvelopeOf(contract::kParticipantErased, Erased("p-2")),
               EnvelopeOf(contract::kResultPublished, v1::MatchingResultPublished())});
  const bus::Outcome outcome = router_.Handle(DeliveryOf(batch, 2));
  EXPECT_EQ(outcome.kind(), bus::Outcome::Kind::kAck);
  EXPECT_THAT(erased_, ElementsAre("p-1", "p-2"));
  EXPECT_THAT(attempts_, ElementsAre(2, 2));
  EXPECT_EQ(ConsumedEvents(registry_, contract::kParticipantErased, "handled"), 2);
  EXPECT_EQ(ConsumedEvents(registry_, contract::kResultPublished, "ignored"), 1);
  EXPECT_EQ(ConsumedEvents(registry_, contract::kPlacementsPublished, "handled"), 1);
  // The queue binds the batch type besides the handled ones.
  EXPECT_THAT(router_.Types(),
              ElementsAre(contract::kParticipantErased, contract::kPlacementsPublished));
}

TEST_F(EventRouterBatchTest, OnlyTheEventsThatFailedAreRetriedOrDeadLetteredEachAlone) {
  const events::Envelope good = EnvelopeOf(contract::kParticipantErased, Erased("p-1"));
  const events::Envelope unknown = EnvelopeOf("test.something.else", Erased("p-2"));
  absl::Status placed_answer = absl::UnavailableError("redis is down");
  int placed_calls = 0;
  router_.On<v1::InternPlaced>(contract::kInternPlaced,
                               [&](const v1::InternPlaced&, const EventContext&) {
                                 ++placed_calls;
                                 return placed_answer;
                               });
  const events::Envelope retried = EnvelopeOf(contract::kInternPlaced, v1::InternPlaced());
  const bus::Outcome outcome = router_.Handle(DeliveryOf(BatchOf({good, unknown, retried})));

  ASSERT_EQ(outcome.kind(), bus::Outcome::Kind::kSplit);
  ASSERT_EQ(outcome.parts().size(), 2u);
  const bus::Outcome::Part& dead = outcome.parts()[0];
  EXPECT_EQ(dead.kind, bus::Outcome::Kind::kDeadLetter);
  EXPECT_THAT(dead.reason, HasSubstr("no handler for event type test.something.else"));
  EXPECT_EQ(dead.message_id, unknown.id());
  EXPECT_EQ(dead.routing_key, "test.something.else");
  EXPECT_EQ(dead.body, unknown.SerializeAsString()) << "the event alone, not the batch";
  const bus::Outcome::Part& retry = outcome.parts()[1];
  EXPECT_EQ(retry.kind, bus::Outcome::Kind::kRetry);
  EXPECT_THAT(retry.reason, HasSubstr("redis is down"));
  EXPECT_EQ(retry.message_id, retried.id());
  EXPECT_EQ(retry.routing_key, contract::kInternPlaced);
  EXPECT_THAT(erased_, ElementsAre("p-1"));
  // The part's body is the event alone: when the retry brings it back, only it is handled.
  placed_answer = absl::OkStatus();
  bus::Delivery retried_alone;
  retried_alone.body = retry.body;
  retried_alone.attempt = 2;
  EXPECT_EQ(router_.Handle(retried_alone).kind(), bus::Outcome::Kind::kAck);
  EXPECT_EQ(placed_calls, 2);
  EXPECT_THAT(erased_, ElementsAre("p-1"));
  EXPECT_EQ(ConsumedEvents(registry_, contract::kPlacementsPublished, "split"), 1);
  EXPECT_EQ(ConsumedEvents(registry_, contract::kInternPlaced, "retried"), 1);
}

TEST_F(EventRouterBatchTest, ABadEventInsideABatchIsDeadLetteredAloneAndAnUnreadableBatchWhole) {
  events::Envelope foreign = EnvelopeOf(contract::kParticipantErased, Erased("p-9"));
  foreign.set_tenant("aarhus");
  const events::Envelope good = EnvelopeOf(contract::kParticipantErased, Erased("p-1"));
  // BuildBatch refuses another tenant's event, so this batch is forged by hand.
  events::Envelope forged = BatchOf({good});
  v1::EventBatch events;
  *events.add_events() = good;
  *events.add_events() = foreign;
  forged.mutable_payload()->PackFrom(events);
  const bus::Outcome outcome = router_.Handle(DeliveryOf(forged));
  ASSERT_EQ(outcome.kind(), bus::Outcome::Kind::kSplit);
  ASSERT_EQ(outcome.parts().size(), 1u);
  EXPECT_EQ(outcome.parts()[0].kind, bus::Outcome::Kind::kDeadLetter);
  EXPECT_THAT(outcome.parts()[0].reason, HasSubstr("tenant"));
  EXPECT_THAT(erased_, ElementsAre("p-1")) << "another tenant's event is never handled";

  events::Envelope unreadable = BatchOf({good});
  unreadable.mutable_payload()->set_value("not a batch");
  const bus::Outcome whole = router_.Handle(DeliveryOf(unreadable));
  EXPECT_EQ(whole.kind(), bus::Outcome::Kind::kDeadLetter);
  EXPECT_EQ(ConsumedEvents(registry_, contract::kPlacementsPublished, "malformed"), 1);
}

TEST(EventBatchTest, ABatchIsRefusedForAnotherTenantsEventOrANestedBatch) {
  auto event =
      events::BuildEnvelope({.type = contract::kParticipantErased, .tenant = "kk"}, Erased("p-1"));
  ASSERT_TRUE(event.ok());
  EXPECT_FALSE(ipraktik::testing::BatchOfEnvelopes(
                   {.type = contract::kPlacementsPublished, .tenant = "aarhus"}, {*event})
                   .ok());
  auto batch = ipraktik::testing::BatchOfEnvelopes(
      {.type = contract::kPlacementsPublished, .tenant = "kk"}, {*event});
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_TRUE(events::IsBatch(*batch));
  EXPECT_FALSE(ipraktik::testing::BatchOfEnvelopes(
                   {.type = contract::kPlacementsPublished, .tenant = "kk"}, {*batch})
                   .ok());
  EXPECT_FALSE(ipraktik::testing::BatchOfEnvelopes(
                   {.type = contract::kPlacementsPublished, .tenant = "kk"}, {})
                   .ok());
  // The same events make the same batch id, so a repeated publication is the same message.
  auto again = ipraktik::testing::BatchOfEnvelopes(
      {.type = contract::kPlacementsPublished, .tenant = "kk"}, {*event});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id(), batch->id());
}

TEST(EventRouterExceptionTest, AHandlerThatThrowsIsRetried) {
  EventRouter router({.name = "test.router"});
  router.On<v1::ParticipantErased>(
      contract::kParticipantErased,
      [](const v1::ParticipantErased&, const EventContext&) -> absl::Status {
        throw std::runtime_error("boom");
      });
  const bus::Outcome outcome =
      router.Handle(DeliveryOf(EnvelopeOf(contract::kParticipantErased, Erased("p"))));
  EXPECT_EQ(outcome.kind(), bus::Outcome::Kind::kRetry);
  EXPECT_THAT(outcome.reason(), HasSubstr("boom"));
}

TEST(EventRouterDeathTest, ADedupeWithoutRedisIsAWiringMistake) {
  EXPECT_DEATH(
      {
        EventRouter router({.name = "test.router"});
        router.On<v1::ParticipantErased>(
            contract::kParticipantErased,
            [](const v1::ParticipantErased&, const EventContext&) { return absl::OkStatus(); },
            {.dedupe = true});
      },
      "has no redis");
}

}  // namespace
}  // namespace ipraktik::server
