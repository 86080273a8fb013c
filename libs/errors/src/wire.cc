#include "wire.h"

namespace ipraktik::errors::wire {

void Writer::RawVarint(std::uint64_t value) {
  while (value >= 0x80) {
    data_ += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  data_ += static_cast<char>(value);
}

void Writer::Varint(std::uint32_t field, std::uint64_t value) {
  if (value == 0) return;
  RawVarint((std::uint64_t{field} << 3) | kVarint);
  RawVarint(value);
}

void Writer::Bytes(std::uint32_t field, std::string_view value) {
  if (value.empty()) return;
  Message(field, value);
}

void Writer::Message(std::uint32_t field, std::string_view encoded) {
  RawVarint((std::uint64_t{field} << 3) | kLengthDelimited);
  RawVarint(encoded.size());
  data_.append(encoded);
}

std::optional<std::uint64_t> Reader::RawVarint() {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (data_.empty()) return std::nullopt;
    auto byte = static_cast<unsigned char>(data_.front());
    data_.remove_prefix(1);
    value |= std::uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

std::optional<Field> Reader::Next() {
  while (ok_ && !data_.empty()) {
    auto tag = RawVarint();
    if (!tag || (*tag >> 3) == 0) return Fail();
    Field field;
    field.number = static_cast<std::uint32_t>(*tag >> 3);
    switch (*tag & 7) {
      case kVarint: {
        auto value = RawVarint();
        if (!value) return Fail();
        field.type = kVarint;
        field.varint = *value;
        return field;
      }
      case kLengthDelimited: {
        auto length = RawVarint();
        if (!length || *length > data_.size()) return Fail();
        field.type = kLengthDelimited;
        field.bytes = data_.substr(0, *length);
        data_.remove_prefix(*length);
        return field;
      }
      case 1:  // fixed64: not used by our messages, skipped
        if (data_.size() < 8) return Fail();
        data_.remove_prefix(8);
        continue;
      case 5:  // fixed32: likewise
        if (data_.size() < 4) return Fail();
        data_.remove_prefix(4);
        continue;
      default:
        return Fail();
    }
  }
  return std::nullopt;
}

std::nullopt_t Reader::Fail() {
  ok_ = false;
  return std::nullopt;
}

}  // namespace ipraktik::errors::wire
