#include "ipraktik/events/envelope.h"

#include <sys/random.h>

#include <array>
#include <cstddef>
#include <random>

#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/store/keys.h"

namespace ipraktik::events {
namespace {

constexpr std::size_t kMaxTypeLength = 255;  // an AMQP routing key is at most 255 bytes
constexpr std::size_t kMaxCorrelationIdLength = 128;
constexpr std::string_view kMalformed = "malformed event envelope";

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : !IsHex(text[i])) return false;
  }
  return true;
}

// Two or more dot-separated words of [a-z0-9_].
bool IsEventType(std::string_view type) {
  if (type.empty() || type.size() > kMaxTypeLength) return false;
  std::size_t words = 1;
  std::size_t word_length = 0;
  for (char c : type) {
    if (c == '.') {
      if (word_length == 0) return false;
      ++words;
      word_length = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
      ++word_length;
    } else {
      return false;
    }
  }
  return word_length > 0 && words >= 2;
}

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

// A view into the envelope, not a copy: every event is validated where it is built, batched
// and stored, and a copied name was an allocation each time.
std::string_view PayloadTypeName(const Envelope& envelope) {
  const std::string_view url = envelope.payload().type_url();
  const std::size_t slash = url.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : url.substr(slash + 1);
}

}  // namespace

namespace {

// The canonical text of a UUID of the given version (RFC 4122 variant).
std::string FormatUuid(std::array<unsigned char, 16> bytes, unsigned version) {
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | (version << 4));
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    id += kDigits[bytes[i] >> 4];
    id += kDigits[bytes[i] & 0x0f];
  }
  return id;
}

}  // namespace

std::string NewEventId() {
  std::array<unsigned char, 16> bytes{};
  // 16 bytes from an initialised pool never come back short; the fallback is for kernels
  // without getrandom (before Linux 3.17).
  if (getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    std::random_device device;
    for (unsigned char& byte : bytes) byte = static_cast<unsigned char>(device());
  }
  return FormatUuid(bytes, 4);
}

std::string EventIdFor(std::string_view name) {
  // Two FNV-1a hashes with different offset bases: stable across builds and machines, which is
  // all a name-based id needs (it is not a security boundary).
  std::array<unsigned char, 16> bytes{};
  std::uint64_t first = 0xcbf29ce484222325ULL;
  std::uint64_t second = 0x84222325cbf29ce4ULL;
  for (unsigned char c : name) {
    first = (first ^ c) * 0x100000001b3ULL;
    second = (second ^ c) * 0x100000001b3ULL;
    second ^= second >> 29;
  }
  for (int i = 0; i < 8; ++i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(first >> (8 * i));
    bytes[static_cast<std::size_t>(8 + i)] = static_cast<unsigned char>(second >> (8 * i));
  }
  return FormatUuid(bytes, 8);
}

absl::Status ValidateEnvelope(const Envelope& envelope) {
  errors::Violations violations;
  if (!IsUuid(envelope.id())) {
    violations.Add("id", envelope.id().empty() ? "is required" : "is not a UUID");
  }
  if (!IsEventType(envelope.type())) {
    violations.Add("type", envelope.type().empty()
                               ? "is required"
                               : "must be 2 or more dot-separated words of a-z, 0-9 and '_', at "
                                 "most 255 characters");
  }
  if (absl::Status tenant = store::ValidateTenant(envelope.tenant()); !tenant.ok()) {
    violations.Add("tenant", std::string(tenant.message()));
  }
  if (!envelope.has_occurred_at()) {
    violations.Add("occurred_at", "is required");
  } else if (envelope.occurred_at().seconds() <= 0 || envelope.occurred_at().nanos() < 0 ||
             envelope.occurred_at().nanos() > 999'999'999) {
    violations.Add("occurred_at", "is not a valid time after 1970");
  }
  if (envelope.correlation_id().size() > kMaxCorrelationIdLength ||
      !IsPrintableAscii(envelope.correlation_id())) {
    violations.Add("correlation_id", "must be at most 128 printable ASCII characters");
  }
  if (envelope.schema_version() < 1) violations.Add("schema_version", "must be 1 or more");
  if (!envelope.has_payload()) {
    violations.Add("payload", "is required");
  } else if (PayloadTypeName(envelope).empty()) {
    violations.Add("payload.type_url", "does not name a message type");
  }
  return violations.ToStatus(kMalformed);
}

absl::StatusOr<Envelope> BuildEnvelope(const EventInfo& info,
                                       const google::protobuf::Message& payload,
                                       absl::Time occurred_at) {
  std::string bytes;
  if (!payload.SerializeToString(&bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot pack a ", payload.GetTypeName(), " into an event envelope"));
  }
  return BuildEnvelope(info, payload.GetDescriptor()->full_name(), std::move(bytes), occurred_at);
}

absl::StatusOr<Envelope> BuildEnvelope(const EventInfo& info, std::string_view payload_type,
                                       std::string payload, absl::Time occurred_at) {
  Envelope envelope;
  envelope.set_id(info.id.empty() ? NewEventId() : info.id);
  envelope.set_type(info.type);
  envelope.set_tenant(info.tenant);
  envelope.set_correlation_id(info.correlation_id);
  envelope.set_schema_version(info.schema_version);
  const absl::Duration since_epoch = occurred_at - absl::UnixEpoch();
  const std::int64_t seconds = absl::ToInt64Seconds(since_epoch);
  envelope.mutable_occurred_at()->set_seconds(seconds);
  envelope.mutable_occurred_at()->set_nanos(
      static_cast<std::int32_t>(absl::ToInt64Nanoseconds(since_epoch - absl::Seconds(seconds))));
  // What Any::PackFrom writes: the type URL prefix and the message's full name.
  envelope.mutable_payload()->set_type_url(
      std::string("type.googleapis.com/").append(payload_type));
  envelope.mutable_payload()->set_value(std::move(payload));
  if (absl::Status status = ValidateEnvelope(envelope); !status.ok()) return status;
  return envelope;
}

absl::StatusOr<Envelope> ParseEnvelope(std::string_view bytes) {
  Envelope envelope;
  if (!envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return errors::InvalidArgument(
        {{"envelope", absl::StrCat("is not an ipraktik.v1.Envelope (", bytes.size(), " bytes)")}},
        kMalformed);
  }
  if (absl::Status status = ValidateEnvelope(envelope); !status.ok()) return status;
  return envelope;
}

absl::Time OccurredAt(const Envelope& envelope) {
  return absl::FromUnixSeconds(envelope.occurred_at().seconds()) +
         absl::Nanoseconds(envelope.occurred_at().nanos());
}

absl::Status UnpackPayloadTo(const Envelope& envelope, google::protobuf::Message& message) {
  const std::string expected = message.GetTypeName();
  const std::string_view actual = PayloadTypeName(envelope);
  if (actual != expected) {
    return errors::InvalidArgument(
        {{"payload",
          absl::StrCat("holds ", actual.empty() ? "nothing" : std::string(actual), ", not ",
                       expected, " as event type ", envelope.type(), " needs")}},
        "unexpected event payload");
  }
  if (!envelope.payload().UnpackTo(&message)) {
    return errors::InvalidArgument({{"payload", absl::StrCat("is not a valid ", expected)}},
                                   "unexpected event payload");
  }
  return absl::OkStatus();
}

bool IsBatch(const Envelope& envelope) { return envelope.payload().Is<v1::EventBatch>(); }

namespace {

// An event as a batch may carry it: valid, of the batch's tenant, not a batch itself.
absl::Status ValidateBatchedEvent(const Envelope& event, std::string_view tenant) {
  if (absl::Status status = ValidateEnvelope(event); !status.ok()) return status;
  if (event.tenant() != tenant) {
    return errors::InvalidArgument(
        {{"tenant", "differs from the tenant of the batch that carries the event"}}, kMalformed);
  }
  if (IsBatch(event)) {
    return errors::InvalidArgument({{"payload", "is a batch inside a batch"}}, kMalformed);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Envelope> BuildBatch(const EventInfo& info, std::vector<Envelope> events,
                                    absl::Time occurred_at) {
  if (events.empty()) {
    return errors::InvalidArgument({{"events", "a batch needs at least one event"}}, kMalformed);
  }
  for (const Envelope& event : events) {
    if (absl::Status status = ValidateBatchedEvent(event, info.tenant); !status.ok()) {
      return status;
    }
  }
  EventInfo batch_info = info;
  batch_info.id = EventIdFor(
      absl::StrCat("batch/", events.front().id(), "/", events.back().id(), "/", events.size()));
  v1::EventBatch batch;
  batch.mutable_events()->Reserve(static_cast<int>(events.size()));
  for (Envelope& event : events) *batch.add_events() = std::move(event);
  return BuildEnvelope(batch_info, batch, occurred_at);
}

absl::StatusOr<std::vector<BatchedEvent>> UnpackBatch(const Envelope& batch) {
  v1::EventBatch events;
  if (absl::Status status = UnpackPayloadTo(batch, events); !status.ok()) return status;
  std::vector<BatchedEvent> unpacked;
  unpacked.reserve(static_cast<std::size_t>(events.events_size()));
  for (Envelope& event : *events.mutable_events()) {
    absl::Status valid = ValidateBatchedEvent(event, batch.tenant());
    unpacked.push_back({.event = std::move(event), .valid = std::move(valid)});
  }
  return unpacked;
}

}  // namespace ipraktik::events
