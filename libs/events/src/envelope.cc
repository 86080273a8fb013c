#include "ipraktik/events/envelope.h"

#include <sys/random.h>

#include <array>
#include <cstddef>
#include <random>

#include "absl/strings/str_cat.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/store/keys.h"
#include "ipraktik/wire/wire.h"

namespace ipraktik::events {
namespace {

constexpr std::size_t kMaxTypeLength = 255;  // an AMQP routing key is at most 255 bytes
constexpr std::size_t kMaxCorrelationIdLength = 128;
constexpr std::string_view kMalformed = "malformed event envelope";

constexpr bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Checked for every event a publication seals: the dashes first, then the digits through a table.
bool IsUuid(std::string_view text) {
  static constexpr auto kHex = [] {
    std::array<bool, 256> hex{};
    for (int c = 0; c < 256; ++c) hex[static_cast<std::size_t>(c)] = IsHex(static_cast<char>(c));
    return hex;
  }();
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-') {
    return false;
  }
  auto hex = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      if (!kHex[static_cast<unsigned char>(text[i])]) return false;
    }
    return true;
  };
  return hex(0, 8) && hex(9, 13) && hex(14, 18) && hex(19, 23) && hex(24, 36);
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
std::string_view TypeNameOfUrl(std::string_view url) {
  const std::size_t slash = url.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : url.substr(slash + 1);
}

std::string_view PayloadTypeName(const Envelope& envelope) {
  return TypeNameOfUrl(envelope.payload().type_url());
}

// What ValidateEnvelope checks, as views: of a message, or of one not built (BuildSealedEvent).
struct EnvelopeFields {
  std::string_view id, type, tenant, correlation_id;
  bool has_occurred_at = false;
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
  std::uint32_t schema_version = 0;
  bool has_payload = false;
  std::string_view type_url;
};

}  // namespace

namespace {

// The canonical text of a UUID of the given version (RFC 4122 variant).
std::string FormatUuid(std::array<unsigned char, 16> bytes, unsigned version) {
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | (version << 4));
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  static constexpr char kDigits[] = "0123456789abcdef";
  // Written in place (a publication makes an id per person): the dashes are there already.
  std::string id(36, '-');
  std::size_t at = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++at;
    id[at++] = kDigits[bytes[i] >> 4];
    id[at++] = kDigits[bytes[i] & 0x0f];
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

namespace {

// What is wrong with an event's id, or nothing.
std::string_view IdProblem(std::string_view id) {
  if (IsUuid(id)) return {};
  return id.empty() ? "is required" : "is not a UUID";
}

absl::Status ValidateFields(const EnvelopeFields& envelope) {
  errors::Violations violations;
  if (std::string_view problem = IdProblem(envelope.id); !problem.empty()) {
    violations.Add("id", std::string(problem));
  }
  if (!IsEventType(envelope.type)) {
    violations.Add("type", envelope.type.empty()
                               ? "is required"
                               : "must be 2 or more dot-separated words of a-z, 0-9 and '_', at "
                                 "most 255 characters");
  }
  if (absl::Status tenant = store::ValidateTenant(envelope.tenant); !tenant.ok()) {
    violations.Add("tenant", std::string(tenant.message()));
  }
  if (!envelope.has_occurred_at) {
    violations.Add("occurred_at", "is required");
  } else if (envelope.seconds <= 0 || envelope.nanos < 0 || envelope.nanos > 999'999'999) {
    violations.Add("occurred_at", "is not a valid time after 1970");
  }
  if (envelope.correlation_id.size() > kMaxCorrelationIdLength ||
      !IsPrintableAscii(envelope.correlation_id)) {
    violations.Add("correlation_id", "must be at most 128 printable ASCII characters");
  }
  if (envelope.schema_version < 1) violations.Add("schema_version", "must be 1 or more");
  if (!envelope.has_payload) {
    violations.Add("payload", "is required");
  } else if (TypeNameOfUrl(envelope.type_url).empty()) {
    violations.Add("payload.type_url", "does not name a message type");
  }
  return violations.ToStatus(kMalformed);
}

}  // namespace

absl::Status ValidateEnvelope(const Envelope& envelope) {
  return ValidateFields({.id = envelope.id(),
                         .type = envelope.type(),
                         .tenant = envelope.tenant(),
                         .correlation_id = envelope.correlation_id(),
                         .has_occurred_at = envelope.has_occurred_at(),
                         .seconds = envelope.occurred_at().seconds(),
                         .nanos = envelope.occurred_at().nanos(),
                         .schema_version = envelope.schema_version(),
                         .has_payload = envelope.has_payload(),
                         .type_url = envelope.payload().type_url()});
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

namespace {

// What Any::PackFrom writes: the type URL prefix and the message's full name.
std::string TypeUrl(std::string_view payload_type) {
  return std::string("type.googleapis.com/").append(payload_type);
}

// occurred_at as a Timestamp's seconds and nanos.
std::pair<std::int64_t, std::int32_t> SecondsAndNanos(absl::Time occurred_at) {
  const absl::Duration since_epoch = occurred_at - absl::UnixEpoch();
  const std::int64_t seconds = absl::ToInt64Seconds(since_epoch);
  return {seconds, static_cast<std::int32_t>(
                       absl::ToInt64Nanoseconds(since_epoch - absl::Seconds(seconds)))};
}

// A proto3 string field as protobuf writes it: not at all when empty.
void AppendString(std::string& out, int number, std::string_view value) {
  if (!value.empty()) wire::AppendField(out, number, value);
}

void AppendNumber(std::string& out, int number, std::uint64_t value) {
  if (value == 0) return;
  wire::AppendTag(out, number, wire::WireType::kVarint);
  wire::AppendVarint(out, value);
}

}  // namespace

absl::StatusOr<Envelope> BuildEnvelope(const EventInfo& info, std::string_view payload_type,
                                       std::string payload, absl::Time occurred_at) {
  Envelope envelope;
  envelope.set_id(info.id.empty() ? NewEventId() : info.id);
  envelope.set_type(info.type);
  envelope.set_tenant(info.tenant);
  envelope.set_correlation_id(info.correlation_id);
  envelope.set_schema_version(info.schema_version);
  const auto [seconds, nanos] = SecondsAndNanos(occurred_at);
  envelope.mutable_occurred_at()->set_seconds(seconds);
  envelope.mutable_occurred_at()->set_nanos(nanos);
  envelope.mutable_payload()->set_type_url(TypeUrl(payload_type));
  envelope.mutable_payload()->set_value(std::move(payload));
  if (absl::Status status = ValidateEnvelope(envelope); !status.ok()) return status;
  return envelope;
}

absl::StatusOr<EventSealer> EventSealer::Checked(const EventInfo& info, std::string_view id,
                                                 std::string_view payload_type,
                                                 absl::Time occurred_at) {
  const auto [seconds, nanos] = SecondsAndNanos(occurred_at);
  const std::string type_url = TypeUrl(payload_type);
  if (absl::Status status = ValidateFields({.id = id,
                                            .type = info.type,
                                            .tenant = info.tenant,
                                            .correlation_id = info.correlation_id,
                                            .has_occurred_at = true,
                                            .seconds = seconds,
                                            .nanos = nanos,
                                            .schema_version = info.schema_version,
                                            .has_payload = true,
                                            .type_url = type_url});
      !status.ok()) {
    return status;
  }
  // The envelope's fields in their numbers' order, as protobuf serializes the message
  // (a test compares the two).
  std::string occurred;
  AppendNumber(occurred, google::protobuf::Timestamp::kSecondsFieldNumber,
               static_cast<std::uint64_t>(seconds));
  AppendNumber(occurred, google::protobuf::Timestamp::kNanosFieldNumber,
               static_cast<std::uint64_t>(static_cast<std::int64_t>(nanos)));
  EventSealer sealer;
  sealer.type_ = info.type;
  sealer.tenant_ = info.tenant;
  AppendString(sealer.shared_fields_, Envelope::kTypeFieldNumber, info.type);
  AppendString(sealer.shared_fields_, Envelope::kTenantFieldNumber, info.tenant);
  wire::AppendField(sealer.shared_fields_, Envelope::kOccurredAtFieldNumber, occurred);
  AppendString(sealer.shared_fields_, Envelope::kCorrelationIdFieldNumber, info.correlation_id);
  AppendNumber(sealer.shared_fields_, Envelope::kSchemaVersionFieldNumber, info.schema_version);
  AppendString(sealer.type_url_field_, google::protobuf::Any::kTypeUrlFieldNumber, type_url);
  sealer.is_batch_ = payload_type == v1::EventBatch::descriptor()->full_name();
  return sealer;
}

absl::StatusOr<EventSealer> EventSealer::For(const EventInfo& info, std::string_view payload_type,
                                             absl::Time occurred_at) {
  // Any valid id: only the shared fields are checked here, each event's id when it is sealed.
  return Checked(info, "00000000-0000-0000-0000-000000000000", payload_type, occurred_at);
}

absl::StatusOr<SealedEvent> EventSealer::Seal(std::string id, std::string_view payload) const {
  if (std::string_view problem = IdProblem(id); !problem.empty()) {
    return errors::InvalidArgument({{"id", std::string(problem)}}, kMalformed);
  }
  return Write(std::move(id), payload.size(), [payload](std::string& out) { out += payload; });
}

SealedEvent EventSealer::Write(std::string id, std::size_t payload_size,
                               const std::function<void(std::string&)>& write_payload) const {
  // An empty payload is not written, as protobuf leaves out an empty bytes field.
  const std::size_t any_size =
      type_url_field_.size() +
      (payload_size == 0 ? 0
                         : wire::FieldSize(google::protobuf::Any::kValueFieldNumber, payload_size));
  SealedEvent sealed;
  std::string& out = sealed.bytes_;
  // One allocation, and the payload copied once, straight to where it belongs.
  out.reserve(wire::FieldSize(Envelope::kIdFieldNumber, id.size()) + shared_fields_.size() +
              wire::FieldSize(Envelope::kPayloadFieldNumber, any_size));
  AppendString(out, Envelope::kIdFieldNumber, id);
  out += shared_fields_;
  wire::AppendFieldHeader(out, Envelope::kPayloadFieldNumber, any_size);
  out += type_url_field_;
  if (payload_size > 0) {
    wire::AppendFieldHeader(out, google::protobuf::Any::kValueFieldNumber, payload_size);
    write_payload(out);
  }
  sealed.id_ = std::move(id);
  sealed.type_ = type_;
  sealed.tenant_ = tenant_;
  sealed.is_batch_ = is_batch_;
  return sealed;
}

absl::StatusOr<SealedEvent> BuildSealedEvent(const EventInfo& info, std::string_view payload_type,
                                             std::string_view payload, absl::Time occurred_at) {
  std::string id = info.id.empty() ? NewEventId() : info.id;
  auto sealer = EventSealer::Checked(info, id, payload_type, occurred_at);
  if (!sealer.ok()) return sealer.status();
  return sealer->Seal(std::move(id), payload);
}

absl::StatusOr<SealedEvent> SealEvent(const Envelope& envelope) {
  if (absl::Status status = ValidateEnvelope(envelope); !status.ok()) return status;
  SealedEvent sealed;
  sealed.bytes_ = envelope.SerializeAsString();
  sealed.id_ = envelope.id();
  sealed.type_ = envelope.type();
  sealed.tenant_ = envelope.tenant();
  sealed.is_batch_ = IsBatch(envelope);
  return sealed;
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

// What a batch refuses of a valid event: another tenant's, or a batch itself.
absl::Status CheckBatched(std::string_view event_tenant, bool is_batch, std::string_view tenant) {
  if (event_tenant != tenant) {
    return errors::InvalidArgument(
        {{"tenant", "differs from the tenant of the batch that carries the event"}}, kMalformed);
  }
  if (is_batch) {
    return errors::InvalidArgument({{"payload", "is a batch inside a batch"}}, kMalformed);
  }
  return absl::OkStatus();
}

// An event as a batch may carry it: valid, of the batch's tenant, not a batch itself.
absl::Status ValidateBatchedEvent(const Envelope& event, std::string_view tenant) {
  if (absl::Status status = ValidateEnvelope(event); !status.ok()) return status;
  return CheckBatched(event.tenant(), IsBatch(event), tenant);
}

}  // namespace

absl::StatusOr<SealedEvent> BuildBatch(const EventInfo& info, std::span<const SealedEvent> events,
                                       absl::Time occurred_at) {
  if (events.empty()) {
    return errors::InvalidArgument({{"events", "a batch needs at least one event"}}, kMalformed);
  }
  std::size_t size = 0;
  for (const SealedEvent& event : events) {
    // Each was checked when it was sealed.
    if (absl::Status status = CheckBatched(event.tenant(), event.is_batch(), info.tenant);
        !status.ok()) {
      return status;
    }
    size += wire::FieldSize(v1::EventBatch::kEventsFieldNumber, event.bytes().size());
  }
  std::string id = EventIdFor(
      absl::StrCat("batch/", events.front().id(), "/", events.back().id(), "/", events.size()));
  auto sealer =
      EventSealer::Checked(info, id, v1::EventBatch::descriptor()->full_name(), occurred_at);
  if (!sealer.ok()) return sealer.status();
  // The EventBatch's bytes, written straight into the envelope's: each event as its repeated
  // field, as protobuf would write it.
  return sealer->Write(std::move(id), size, [events](std::string& out) {
    for (const SealedEvent& event : events) {
      wire::AppendField(out, v1::EventBatch::kEventsFieldNumber, event.bytes());
    }
  });
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
