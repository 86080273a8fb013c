#pragma once

// How the registration service stores its records: each kind's storage record
// (proto/ipraktik/storage/v1/records.proto) to and from the domain's value, and
// through it to and from the API message the Registrar works with. The one place that knows the
// stored form, so the API and the store change independently: a field the API gains reaches the
// store only when it is mapped here, and a change of the stored form is no change of the API.

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/model.h"
#include "ipraktik/storage/v1/records.pb.h"
#include "proto_mapping.h"
#include "registration_repository.h"

namespace ipraktik::registration {

namespace storage = ::ipraktik::storage::v1;

storage::ProgrammeRecord ToRecord(const Programme& programme);
storage::RoundRecord ToRecord(const Round& round);
storage::WorkplaceRecord ToRecord(const Workplace& workplace);
// consent_time: when consent was first given (the domain does not model it).
storage::ParticipantRecord ToRecord(const Participant& participant,
                                    absl::Time consent_time = absl::UnixEpoch());
storage::HostOfferRecord ToRecord(const HostOffer& offer);
storage::ApplicationRecord ToRecord(const Application& application);

// DATA_LOSS when a record holds a name the domain does not know (e.g. a state).
absl::StatusOr<Programme> FromRecord(const storage::ProgrammeRecord& record);
absl::StatusOr<Round> FromRecord(const storage::RoundRecord& record);
absl::StatusOr<Workplace> FromRecord(const storage::WorkplaceRecord& record);
absl::StatusOr<Participant> FromRecord(const storage::ParticipantRecord& record);
absl::StatusOr<HostOffer> FromRecord(const storage::HostOfferRecord& record);
absl::StatusOr<Application> FromRecord(const storage::ApplicationRecord& record);

// The bytes stored for an API message (its bookkeeping, etag and times, is not stored: the
// record's hash holds version and times).
template <typename Message>
std::string StoredBytes(const Message& message) {
  return ToRecord(ToDomain(message)).SerializeAsString();
}
std::string StoredBytes(const v1::Participant& participant);

// The storage record in bytes; DATA_LOSS when they do not parse.
template <typename Record>
absl::StatusOr<Record> ParseStored(std::string_view bytes) {
  Record record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("a stored record does not parse as " + record.GetTypeName());
  }
  return record;
}

// The API message of stored bytes, without bookkeeping.
template <typename Message>
absl::StatusOr<Message> FromStoredBytes(std::string_view bytes) {
  auto record = ParseStored<decltype(ToRecord(ToDomain(std::declval<const Message&>())))>(bytes);
  if (!record.ok()) return record.status();
  auto value = FromRecord(*record);
  if (!value.ok()) return value.status();
  return ToProto(*value);
}
template <>
absl::StatusOr<v1::Participant> FromStoredBytes<v1::Participant>(std::string_view bytes);

// The API message of a stored record, with its bookkeeping set.
template <typename Message>
absl::StatusOr<Message> ParseRecord(const StoredRecord& record) {
  auto message = FromStoredBytes<Message>(record.data);
  if (!message.ok()) return message.status();
  SetBookkeeping(record, *message);
  return message;
}

}  // namespace ipraktik::registration
