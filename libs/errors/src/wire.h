#pragma once

// Just enough of the protobuf wire format to write and read the google.rpc detail messages:
// varints and length-delimited fields (strings and nested messages). Private to libs/errors.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ipraktik::errors::wire {

enum WireType : std::uint32_t { kVarint = 0, kLengthDelimited = 2 };

class Writer {
 public:
  void Varint(std::uint32_t field, std::uint64_t value);
  // Omitted when empty, as proto3 does for default values.
  void Bytes(std::uint32_t field, std::string_view value);
  // A nested message is written even when empty: a repeated element must not vanish.
  void Message(std::uint32_t field, std::string_view encoded);

  const std::string& data() const { return data_; }

 private:
  void RawVarint(std::uint64_t value);
  std::string data_;
};

// One field as read: for kVarint fields `varint` holds the value, for kLengthDelimited `bytes`.
struct Field {
  std::uint32_t number = 0;
  WireType type = kVarint;
  std::uint64_t varint = 0;
  std::string_view bytes;
};

// Reads fields one after another; Next() returns nullopt at the end or on malformed input
// (then ok() is false). Fields of other wire types (fixed32/64) are skipped.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  std::optional<Field> Next();
  bool ok() const { return ok_; }

 private:
  std::optional<std::uint64_t> RawVarint();
  std::nullopt_t Fail();
  std::string_view data_;
  bool ok_ = true;
};

}  // namespace ipraktik::errors::wire
