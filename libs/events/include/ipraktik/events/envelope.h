#pragma once

// The event envelope (ipraktik.v1.Envelope, proto/ipraktik/v1/event.proto): building one with a
// fresh id and time, and reading one from the wire with every field checked, so a consumer can
// dead-letter a malformed message with a reason that names what is wrong.
//
//   v1::ParticipantRegistered payload = ...;
//   auto envelope = events::BuildEnvelope({.type = "registration.participant.registered",
//                                          .tenant = tenant, .correlation_id = correlation_id},
//                                         payload);
//   ...
//   auto received = events::ParseEnvelope(message_body);        // INVALID_ARGUMENT if malformed
//   auto placement = events::UnpackPayload<v1::PlacementMade>(*received);

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ipraktik/v1/event.pb.h"

namespace google::protobuf {
class Message;
}

namespace ipraktik::events {

using Envelope = ::ipraktik::v1::Envelope;

// What the producer says about an event; BuildEnvelope adds the time (and a fresh id).
struct EventInfo {
  // What happened, dot-separated, lower case, past tense: "registration.participant.registered".
  // It is the routing key on the bus.
  std::string type{};
  std::string tenant{};
  // From the request that caused the event (may be empty).
  std::string correlation_id{};
  // Bumped on an incompatible change of the payload's schema for this type.
  std::uint32_t schema_version = 1;
  // Empty: a new random id. Set (EventIdFor) when a repeated attempt must produce the same
  // event, so consumers' dedupe sees it once.
  std::string id{};
};

// A new envelope: a random UUID v4 id, occurred_at, and payload packed into the Any.
// INVALID_ARGUMENT when info would make an envelope ValidateEnvelope refuses.
absl::StatusOr<Envelope> BuildEnvelope(const EventInfo& info,
                                       const google::protobuf::Message& payload,
                                       absl::Time occurred_at = absl::Now());
// The same for a payload serialized already (payload_type its full name, e.g.
// "ipraktik.v1.HostInternsAssigned"), when the same bytes are also stored as a record: they are
// serialized once.
absl::StatusOr<Envelope> BuildEnvelope(const EventInfo& info, std::string_view payload_type,
                                       std::string payload, absl::Time occurred_at = absl::Now());

// A random (version 4) UUID in canonical lower-case form, from the kernel's random source.
std::string NewEventId();
// A UUID (version 8, name-based) derived from name alone: the same name gives the same id on
// every machine, e.g. EventIdFor("job-7/intern.placed/p-3").
std::string EventIdFor(std::string_view name);

// OK, or INVALID_ARGUMENT listing every malformed field as a field violation (libs/errors):
//   id              a canonical UUID (8-4-4-4-12 hex digits)
//   type            1 to 255 characters, two or more dot-separated [a-z0-9_] words
//   tenant          a valid tenant (store::ValidateTenant)
//   occurred_at     set, after 1970, with valid nanos
//   correlation_id  empty or up to 128 printable ASCII characters
//   schema_version  1 or more
//   payload         set, with a type URL that names a message
absl::Status ValidateEnvelope(const Envelope& envelope);

// Parses and validates bytes from the wire: INVALID_ARGUMENT when they are not an envelope or not
// a valid one.
absl::StatusOr<Envelope> ParseEnvelope(std::string_view bytes);

absl::Time OccurredAt(const Envelope& envelope);

// Unpacks the payload into message; INVALID_ARGUMENT when the payload holds another type or does
// not parse.
absl::Status UnpackPayloadTo(const Envelope& envelope, google::protobuf::Message& message);

template <typename Payload>
absl::StatusOr<Payload> UnpackPayload(const Envelope& envelope) {
  Payload payload;
  if (absl::Status status = UnpackPayloadTo(envelope, payload); !status.ok()) return status;
  return payload;
}

// An event serialized as soon as it is built and checked, the way a batch and the outbox carry it:
// a publication that tells a hundred thousand people keeps no message per person
// (docs/benchmarks.md). Made only by BuildSealedEvent, SealEvent, BuildBatch and an EventSealer,
// so its bytes are always a valid envelope.
class SealedEvent;
// What BuildEnvelope would make, serialized straight away without building the message (the
// bytes are the same as the message's).
absl::StatusOr<SealedEvent> BuildSealedEvent(const EventInfo& info, std::string_view payload_type,
                                             std::string_view payload,
                                             absl::Time occurred_at = absl::Now());
// An envelope checked (ValidateEnvelope) and serialized.
absl::StatusOr<SealedEvent> SealEvent(const Envelope& envelope);

// Batches (v1::EventBatch): many events in one envelope of type info.type, for publishers that
// tell many people at once. The batch's id derives from its first and last event ids (info.id
// is ignored), so the same events always make the same batch. INVALID_ARGUMENT when events is
// empty, or an event belongs to another tenant or is a batch itself.
absl::StatusOr<SealedEvent> BuildBatch(const EventInfo& info, std::span<const SealedEvent> events,
                                       absl::Time occurred_at = absl::Now());

class SealedEvent {
 public:
  const std::string& id() const { return id_; }
  const std::string& type() const { return type_; }
  const std::string& tenant() const { return tenant_; }
  bool is_batch() const { return is_batch_; }
  // The serialized envelope.
  const std::string& bytes() const { return bytes_; }

 private:
  friend absl::StatusOr<SealedEvent> BuildSealedEvent(const EventInfo&, std::string_view,
                                                      std::string_view, absl::Time);
  friend absl::StatusOr<SealedEvent> SealEvent(const Envelope&);
  friend class EventSealer;
  SealedEvent() = default;

  std::string id_;
  std::string type_;
  std::string tenant_;
  bool is_batch_ = false;
  std::string bytes_;
};

// Seals many events that share everything but their id and payload (type, tenant, correlation
// id, schema version, payload type and time: a publication's events of one kind). The shared
// fields are checked and written once; each event then costs the check of its id and one copy
// of its payload. The bytes are BuildSealedEvent's.
class EventSealer {
 public:
  // INVALID_ARGUMENT, as BuildSealedEvent answers, when the shared fields would make an invalid
  // envelope (info.id is not used).
  static absl::StatusOr<EventSealer> For(const EventInfo& info, std::string_view payload_type,
                                         absl::Time occurred_at = absl::Now());
  // The event of this id (a UUID, e.g. EventIdFor's) and payload; INVALID_ARGUMENT for an id
  // that is no UUID.
  absl::StatusOr<SealedEvent> Seal(std::string id, std::string_view payload) const;

 private:
  friend absl::StatusOr<SealedEvent> BuildSealedEvent(const EventInfo&, std::string_view,
                                                      std::string_view, absl::Time);
  friend absl::StatusOr<SealedEvent> BuildBatch(const EventInfo&, std::span<const SealedEvent>,
                                                absl::Time);
  // Checks the shared fields with id standing for the events' ids.
  static absl::StatusOr<EventSealer> Checked(const EventInfo& info, std::string_view id,
                                             std::string_view payload_type, absl::Time occurred_at);
  EventSealer() = default;
  // The event of a payload of payload_size bytes, which write_payload appends.
  SealedEvent Write(std::string id, std::size_t payload_size,
                    const std::function<void(std::string&)>& write_payload) const;

  std::string type_;
  std::string tenant_;
  std::string shared_fields_;   // the envelope's fields after the id, up to the payload
  std::string type_url_field_;  // the payload Any's first field
  bool is_batch_ = false;
};

// True when envelope's payload is a v1::EventBatch.
bool IsBatch(const Envelope& envelope);
// One event out of a batch, with what checking it found: OK, or INVALID_ARGUMENT as
// ParseEnvelope would answer for it alone (or: another tenant's, a batch inside the batch).
struct BatchedEvent {
  Envelope event;
  absl::Status valid;
};
// A batch's events. The batch itself fails (INVALID_ARGUMENT) only when its payload does not
// parse; a bad event inside it comes back with its own error, so the good ones can still be
// handled and the bad one dead-lettered alone.
absl::StatusOr<std::vector<BatchedEvent>> UnpackBatch(const Envelope& batch);

}  // namespace ipraktik::events
