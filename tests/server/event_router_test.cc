// The event router without a broker: each type reaches its handler with the typed payload; a
// malformed envelope, a payload of the wrong type and an unknown type are dead-lettered with a
// reason that says what is wrong; an ignored type is acked; the handler's status decides ack,
// retry or dead-letter; every event is counted by type and outcome.
#include "ipraktik/server/event_router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "consumed_events.h"
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
