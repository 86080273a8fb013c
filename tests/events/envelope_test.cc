// Envelopes: built with a fresh id and time, parsed back, and refused with every malformed field
// named when they are wrong.
#include "ipraktik/events/envelope.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "ipraktik/errors/errors.h"
#include "ipraktik/v1/placement_events.pb.h"

namespace ipraktik::events {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

v1::InternPlaced Placement() {
  v1::InternPlaced placed;
  placed.set_placement_id("pl-1");
  placed.mutable_intern()->set_name("Mette");
  placed.set_revision(3);
  return placed;
}

EventInfo Info() {
  return {.type = "matching.intern.placed", .tenant = "kk", .correlation_id = "req-42"};
}

std::vector<std::string> ViolatedFields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const errors::FieldViolation& violation : errors::FieldViolationsOf(status)) {
    fields.push_back(violation.field);
  }
  return fields;
}

TEST(EnvelopeTest, BuildsAValidEnvelopeThatParsesBack) {
  const absl::Time at = absl::FromUnixMillis(1'790'000'000'123);
  absl::StatusOr<Envelope> built = BuildEnvelope(Info(), Placement(), at);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->type(), "matching.intern.placed");
  EXPECT_EQ(built->tenant(), "kk");
  EXPECT_EQ(built->correlation_id(), "req-42");
  EXPECT_EQ(built->schema_version(), 1u);
  EXPECT_EQ(OccurredAt(*built), at);
  EXPECT_EQ(built->payload().type_url(), "type.googleapis.com/ipraktik.v1.InternPlaced");

  absl::StatusOr<Envelope> parsed = ParseEnvelope(built->SerializeAsString());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->id(), built->id());
  absl::StatusOr<v1::InternPlaced> payload = UnpackPayload<v1::InternPlaced>(*parsed);
  ASSERT_TRUE(payload.ok()) << payload.status();
  EXPECT_EQ(payload->placement_id(), "pl-1");
  EXPECT_EQ(payload->intern().name(), "Mette");
}

// A payload serialized already (and stored as a record too) makes the same envelope as the
// message would.
TEST(EnvelopeTest, APayloadSerializedAlreadyMakesTheSameEnvelope) {
  const absl::Time at = absl::FromUnixMillis(1'790'000'000'123);
  EventInfo info = Info();
  info.id = EventIdFor("job-1/placed/p-1");
  absl::StatusOr<Envelope> from_message = BuildEnvelope(info, Placement(), at);
  absl::StatusOr<Envelope> from_bytes =
      BuildEnvelope(info, "ipraktik.v1.InternPlaced", Placement().SerializeAsString(), at);
  ASSERT_TRUE(from_message.ok()) << from_message.status();
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.status();
  EXPECT_EQ(from_bytes->SerializeAsString(), from_message->SerializeAsString());
  absl::StatusOr<v1::InternPlaced> payload = UnpackPayload<v1::InternPlaced>(*from_bytes);
  ASSERT_TRUE(payload.ok()) << payload.status();
  EXPECT_EQ(payload->revision(), 3);

  // A type name that names nothing is refused as a malformed payload type.
  absl::StatusOr<Envelope> unnamed = BuildEnvelope(info, "", "", at);
  EXPECT_THAT(ViolatedFields(unnamed.status()), ElementsAre("payload.type_url"));
}

TEST(EnvelopeTest, IdsAreRandomVersion4Uuids) {
  std::set<std::string> ids;
  for (int i = 0; i < 10'000; ++i) {
    const std::string id = NewEventId();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[8], '-');
    EXPECT_EQ(id[14], '4') << id;                                          // version
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // variant
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 10'000u);
}

TEST(EnvelopeTest, NameBasedIdsAreStableValidAndDistinct) {
  std::set<std::string> ids;
  for (int i = 0; i < 10'000; ++i) {
    const std::string id = EventIdFor("job-7/intern.placed/p-" + std::to_string(i));
    EXPECT_EQ(id[14], '8') << id;  // version 8: name-based, own hash
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 10'000u);
  EXPECT_EQ(EventIdFor("job-7/intern.placed/p-1"), EventIdFor("job-7/intern.placed/p-1"));
  // A fixed value: the id must not change between builds or machines.
  EXPECT_EQ(EventIdFor("job-7/intern.placed/p-1"), "e59de937-446c-8085-8c3a-35e86daec2b2");

  auto built = BuildEnvelope(
      {.type = "matching.intern.placed", .tenant = "kk", .id = EventIdFor("x")}, Placement());
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->id(), EventIdFor("x"));
}

TEST(EnvelopeTest, RefusesToBuildAnEnvelopeThatWouldBeMalformed) {
  absl::StatusOr<Envelope> built =
      BuildEnvelope({.type = "Placed!", .tenant = "k}k", .schema_version = 0}, Placement());
  EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(built.status()),
              UnorderedElementsAre("type", "tenant", "schema_version"));
}

TEST(EnvelopeTest, NamesEveryMalformedField) {
  Envelope envelope;  // nothing set
  absl::Status status = ValidateEnvelope(envelope);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(status), UnorderedElementsAre("id", "type", "tenant", "occurred_at",
                                                           "schema_version", "payload"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("malformed event envelope"));

  absl::StatusOr<Envelope> good = BuildEnvelope(Info(), Placement());
  ASSERT_TRUE(good.ok());
  struct Case {
    std::string field;
    std::function<void(Envelope&)> spoil;
  };
  const std::vector<Case> cases = {
      {"id", [](Envelope& e) { e.set_id("not-a-uuid"); }},
      {"id", [](Envelope& e) { e.set_id("0123456789abcdef0123456789abcdef0123"); }},
      {"type", [](Envelope& e) { e.set_type("placed"); }},
      {"type", [](Envelope& e) { e.set_type("matching..placed"); }},
      {"type", [](Envelope& e) { e.set_type("matching.*"); }},
      {"type", [](Envelope& e) { e.set_type("a." + std::string(254, 'b')); }},
      {"tenant", [](Envelope& e) { e.set_tenant("kk}:{other"); }},
      {"occurred_at", [](Envelope& e) { e.mutable_occurred_at()->set_nanos(-1); }},
      {"occurred_at", [](Envelope& e) { e.mutable_occurred_at()->set_seconds(0); }},
      {"correlation_id", [](Envelope& e) { e.set_correlation_id("has space"); }},
      {"correlation_id", [](Envelope& e) { e.set_correlation_id(std::string(129, 'x')); }},
      {"schema_version", [](Envelope& e) { e.set_schema_version(0); }},
      {"payload", [](Envelope& e) { e.clear_payload(); }},
      {"payload.type_url", [](Envelope& e) { e.mutable_payload()->set_type_url("nothing"); }},
  };
  for (const Case& c : cases) {
    Envelope spoiled = *good;
    c.spoil(spoiled);
    absl::Status refused = ValidateEnvelope(spoiled);
    EXPECT_THAT(ViolatedFields(refused), ElementsAre(c.field)) << refused;
    // A consumer reading it off the wire gets the same verdict.
    EXPECT_EQ(ParseEnvelope(spoiled.SerializeAsString()).status(), refused);
  }
}

TEST(EnvelopeTest, RefusesBytesThatAreNoEnvelope) {
  absl::StatusOr<Envelope> parsed = ParseEnvelope("\xff\xff\xff garbage");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(parsed.status()), ElementsAre("envelope"));
  // Empty bytes parse as an empty message, which is then refused field by field.
  EXPECT_EQ(ParseEnvelope("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EnvelopeTest, UnpackingTheWrongPayloadTypeIsAnError) {
  absl::StatusOr<Envelope> envelope = BuildEnvelope(Info(), Placement());
  ASSERT_TRUE(envelope.ok());
  absl::StatusOr<v1::InternUnmatched> wrong = UnpackPayload<v1::InternUnmatched>(*envelope);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("ipraktik.v1.InternPlaced"));
  envelope->mutable_payload()->set_value("\xff\xff");
  EXPECT_EQ(UnpackPayload<v1::InternPlaced>(*envelope).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A sealed event is the envelope BuildEnvelope makes, serialized: the same bytes, with protobuf's
// omissions (no correlation id, an empty payload, a whole second).
TEST(SealedEventTest, IsTheSerializedEnvelopeBuildEnvelopeMakes) {
  v1::InternPlaced placed;
  placed.set_placement_id("pl-1");
  placed.set_revision(3);
  const std::vector<std::pair<EventInfo, absl::Time>> cases = {
      {{.type = "matching.intern.placed",
        .tenant = "kk",
        .correlation_id = "c-1",
        .id = EventIdFor("job-1/p-1")},
       absl::FromUnixMicros(1'780'000'000'123'456)},
      {{.type = "matching.intern.placed", .tenant = "kk", .schema_version = 2, .id = NewEventId()},
       absl::FromUnixSeconds(1'780'000'000)}};
  v1::InternPlaced long_placed = placed;  // lengths of two and three bytes
  long_placed.set_placement_id(std::string(20'000, 'x'));
  for (const auto& [info, at] : cases) {
    for (const std::string& payload :
         {placed.SerializeAsString(), long_placed.SerializeAsString(), std::string()}) {
      v1::InternPlaced message;
      ASSERT_TRUE(message.ParseFromString(payload));
      absl::StatusOr<Envelope> envelope = BuildEnvelope(info, message, at);
      ASSERT_TRUE(envelope.ok()) << envelope.status();
      absl::StatusOr<SealedEvent> sealed =
          BuildSealedEvent(info, v1::InternPlaced::descriptor()->full_name(), payload, at);
      ASSERT_TRUE(sealed.ok()) << sealed.status();
      EXPECT_EQ(sealed->bytes(), envelope->SerializeAsString());
      EXPECT_EQ(sealed->id(), envelope->id());
      EXPECT_EQ(sealed->type(), "matching.intern.placed");
      EXPECT_EQ(sealed->tenant(), "kk");
      EXPECT_FALSE(sealed->is_batch());
      absl::StatusOr<SealedEvent> resealed = SealEvent(*envelope);
      ASSERT_TRUE(resealed.ok());
      EXPECT_EQ(resealed->bytes(), sealed->bytes());
      // The same again from a sealer of the shared fields.
      absl::StatusOr<EventSealer> sealer =
          EventSealer::For(info, v1::InternPlaced::descriptor()->full_name(), at);
      ASSERT_TRUE(sealer.ok()) << sealer.status();
      absl::StatusOr<SealedEvent> from_sealer = sealer->Seal(info.id, payload);
      ASSERT_TRUE(from_sealer.ok()) << from_sealer.status();
      EXPECT_EQ(from_sealer->bytes(), sealed->bytes());
      EXPECT_EQ(from_sealer->id(), info.id);
      EXPECT_EQ(from_sealer->type(), "matching.intern.placed");
      EXPECT_EQ(from_sealer->tenant(), "kk");
      EXPECT_FALSE(from_sealer->is_batch());
    }
  }
  // What BuildEnvelope refuses, it refuses.
  EXPECT_EQ(BuildSealedEvent({.type = "Placed", .tenant = "kk"}, "ipraktik.v1.InternPlaced", "")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildSealedEvent({.type = "matching.intern.placed", .tenant = ""},
                             "ipraktik.v1.InternPlaced", "")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  Envelope unchecked;
  EXPECT_EQ(SealEvent(unchecked).status().code(), absl::StatusCode::kInvalidArgument);
}

// A sealer checks the shared fields when it is made and each id when it seals, as
// BuildEnvelope checks them all.
TEST(SealedEventTest, ASealerRefusesWhatBuildEnvelopeRefuses) {
  const std::string type = v1::InternPlaced::descriptor()->full_name();
  absl::StatusOr<EventSealer> bad_type = EventSealer::For({.type = "Placed", .tenant = "kk"}, type);
  EXPECT_EQ(bad_type.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_type.status().message()), HasSubstr("type"));
  EXPECT_EQ(
      EventSealer::For({.type = "matching.intern.placed", .tenant = ""}, type).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      EventSealer::For({.type = "matching.intern.placed", .tenant = "kk"}, "").status().code(),
      absl::StatusCode::kInvalidArgument);
  absl::StatusOr<EventSealer> sealer =
      EventSealer::For({.type = "matching.intern.placed", .tenant = "kk"}, type);
  ASSERT_TRUE(sealer.ok()) << sealer.status();
  for (const std::string id : {"", "job-1/p-1", "00000000-0000-0000-0000-00000000000g"}) {
    absl::StatusOr<SealedEvent> sealed = sealer->Seal(id, "");
    EXPECT_EQ(sealed.status().code(), absl::StatusCode::kInvalidArgument) << id;
    EXPECT_THAT(std::string(sealed.status().message()), HasSubstr("id")) << id;
  }
  EXPECT_TRUE(sealer->Seal(EventIdFor("job-1/p-1"), "").ok());
}

TEST(SealedEventTest, ABatchOfSealedEventsUnpacksIntoThemAndRefusesWhatDoesNotBelong) {
  std::vector<SealedEvent> sealed;
  for (int i = 0; i < 3; ++i) {
    v1::InternPlaced placed;
    placed.set_revision(i);
    auto event =
        BuildSealedEvent({.type = "matching.intern.placed", .tenant = "kk"},
                         v1::InternPlaced::descriptor()->full_name(), placed.SerializeAsString());
    ASSERT_TRUE(event.ok()) << event.status();
    sealed.push_back(*std::move(event));
  }
  const EventInfo info = {.type = "matching.placements.published", .tenant = "kk"};
  absl::StatusOr<SealedEvent> batch = BuildBatch(info, sealed);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_TRUE(batch->is_batch());
  absl::StatusOr<Envelope> received = ParseEnvelope(batch->bytes());
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_TRUE(IsBatch(*received));
  absl::StatusOr<std::vector<BatchedEvent>> unpacked = UnpackBatch(*received);
  ASSERT_TRUE(unpacked.ok()) << unpacked.status();
  ASSERT_EQ(unpacked->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE((*unpacked)[i].valid.ok()) << (*unpacked)[i].valid;
    EXPECT_EQ((*unpacked)[i].event.SerializeAsString(), sealed[i].bytes());
  }
  // The same events, the same batch id.
  EXPECT_EQ(BuildBatch(info, sealed)->id(), batch->id());
  // Another tenant's, a batch inside a batch, none at all: refused.
  EXPECT_FALSE(
      BuildBatch({.type = "matching.placements.published", .tenant = "aarhus"}, sealed).ok());
  EXPECT_FALSE(BuildBatch(info, std::span(&*batch, 1)).ok());
  EXPECT_FALSE(BuildBatch(info, {}).ok());
}

}  // namespace
}  // namespace ipraktik::events
