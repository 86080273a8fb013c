#pragma once

// How the registration service stores its records: the storage record of each API message the
// Registrar works with (proto/ipraktik/storage/v1/records.proto), mapped by the one rule of
// libs/records. The record decides what is stored, so the API and the store change independently:
// a field the API gains reaches the store only when the record gets a field for it, and a change
// of the stored form is no change of the API.

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "ipraktik/records/records.h"
#include "ipraktik/storage/v1/records.pb.h"
#include "proto_mapping.h"
#include "registration_repository.h"

namespace ipraktik::registration {

namespace storage = ::ipraktik::storage::v1;

// Which record stands for which API message (declared only, for RecordOf).
storage::ProgrammeRecord RecordFor(const v1::Programme&);
storage::RoundRecord RecordFor(const v1::Round&);
storage::WorkplaceRecord RecordFor(const v1::Workplace&);
storage::ParticipantRecord RecordFor(const v1::Participant&);
storage::HostOfferRecord RecordFor(const v1::HostOffer&);
storage::ApplicationRecord RecordFor(const v1::Application&);
template <typename Message>
using RecordOf = decltype(RecordFor(std::declval<const Message&>()));

// The bytes stored for an API message (its etag and times are not: the record's hash holds the
// version and times).
template <typename Message>
std::string StoredBytes(const Message& message) {
  return records::StoredBytes<RecordOf<Message>>(message);
}

// The API message of a stored record, with its bookkeeping set; DATA_LOSS when it is unreadable.
template <typename Message>
absl::StatusOr<Message> ParseRecord(const StoredRecord& record) {
  auto message = records::FromStoredBytes<RecordOf<Message>, Message>(record.data);
  if (!message.ok()) return message.status();
  SetBookkeeping(record, *message);
  return message;
}

}  // namespace ipraktik::registration
