#pragma once

// What a service stores is a storage record (proto/ipraktik/storage/v1/records.proto), never its
// public API message; this is the one rule that maps the two, field by field by name, so no
// service writes a field-by-field copy:
//
//   API field                   record field (same name)
//   the same type               the same type, copied (singular or repeated)
//   an enum                     string: the value's name without the enum's prefix, lower case
//                               ("ROUND_STATE_OPEN" <-> "open", 0 <-> "")
//   ipraktik.v1.Date            int32 yyyymmdd (20260907; 0 for none)
//   google.protobuf.Timestamp   int64 microseconds since the epoch (0 for none)
//   another message             a message, by the same rules
//
// The record decides what is stored: an API field it has no field for (an etag, times, whatever
// the API gains later) is not stored, and a record field needs a counterpart in the API message
// (CheckCounterparts, run by the tests for every pair a service uses). The mapping of a pair is
// worked out once (MappingOf); a conversion then costs about a field-by-field copy.

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace ipraktik::records {

// How one storage record type and one API message type map, worked out once (which fields pair
// up, how each converts, the enum names): immutable, so one instance per pair serves every thread
// (MappingOf).
class Mapping {
 public:
  Mapping(const google::protobuf::Descriptor& record, const google::protobuf::Descriptor& api);
  ~Mapping();
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  // Fills record from api (record is cleared first). An enum number the API's enum does not
  // declare is stored as unspecified ("").
  void Store(const google::protobuf::Message& api, google::protobuf::Message& record) const;
  // The record's serialized bytes, the same as Store and then serializing the record, written
  // straight from api: no record is built (a publication stores one per intern, and building
  // it through reflection was the largest single part of its thread, docs/benchmarks.md).
  std::string StoredBytes(const google::protobuf::Message& api) const;
  // Fills api from record (api is cleared first); DATA_LOSS for a name the API's enum lacks.
  absl::Status Load(const google::protobuf::Message& record, google::protobuf::Message& api) const;

  struct Step;

 private:
  void AppendStored(const google::protobuf::Message& api, std::string& out) const;

  const google::protobuf::Descriptor& record_;
  std::vector<Step> steps_;  // by the record's field number, the order protobuf writes them in
  bool written_directly_ = false;  // every record field here is of a type StoredBytes writes
};

template <typename Record, typename Api>
const Mapping& MappingOf() {
  static const Mapping mapping(*Record::descriptor(), *Api::descriptor());
  return mapping;
}

// OK when every field of record has a counterpart in api that it converts to and from (and so on
// down nested records); INVALID_ARGUMENT naming the first that has none.
absl::Status CheckCounterparts(const google::protobuf::Descriptor& record,
                               const google::protobuf::Descriptor& api);

// The stored bytes of an API message as a Record.
template <typename Record, typename Api>
std::string StoredBytes(const Api& api) {
  return MappingOf<Record, Api>().StoredBytes(api);
}

// The API message of stored bytes; DATA_LOSS when they are no readable Record.
template <typename Record, typename Api>
absl::StatusOr<Api> FromStoredBytes(std::string_view bytes) {
  Record record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("a stored record does not parse as " + record.GetTypeName());
  }
  if constexpr (std::is_same_v<Record, Api>) return record;  // a message kept as it was sent
  Api api;
  if (absl::Status status = MappingOf<Record, Api>().Load(record, api); !status.ok()) {
    return status;
  }
  return api;
}

}  // namespace ipraktik::records
