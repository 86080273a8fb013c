#include "ipraktik/wire/wire.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/message_lite.h"

namespace ipraktik::wire {
void AppendFieldHeader(std::string& out, int number, std::size_t length) {
  AppendTag(out, number, WireType::kLengthDelimited);
  AppendVarint(out, length);
}

std::size_t FieldSize(int number, std::size_t length) {
  using google::protobuf::io::CodedOutputStream;
  return CodedOutputStream::VarintSize64(static_cast<std::uint64_t>(number) << 3) +
         CodedOutputStream::VarintSize64(length) + length;
}

void AppendVarint(std::string& out, std::uint64_t value) {
  std::uint8_t bytes[10];  // a varint of 64 bits takes at most 10 bytes
  const std::uint8_t* end =
      google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(value, bytes);
  out.append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(end - bytes));
}

void AppendTag(std::string& out, int number, WireType type) {
  AppendVarint(out, (static_cast<std::uint64_t>(number) << 3) | static_cast<std::uint32_t>(type));
}

namespace {

// Protobuf's parser refuses messages nested deeper than this; groups count as nesting.
constexpr int kMaxDepth = 100;

// A varint of at most max_bytes bytes from the front of rest (taken off it): ten for a value,
// five for a tag or a length, as protobuf reads them.
bool ReadVarint(std::string_view& rest, std::uint64_t& value, int max_bytes = 10) {
  // Most tags and lengths of the messages read here take one byte.
  if (!rest.empty() && static_cast<std::uint8_t>(rest.front()) < 0x80) {
    value = static_cast<std::uint8_t>(rest.front());
    rest.remove_prefix(1);
    return true;
  }
  value = 0;
  for (int shift = 0; shift < 7 * max_bytes && !rest.empty(); shift += 7) {
    const auto byte = static_cast<std::uint8_t>(rest.front());
    rest.remove_prefix(1);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return true;
  }
  return false;
}

// A tag from the front of rest: its field number (1 or more) and wire type.
bool ReadTag(std::string_view& rest, int& number, std::uint32_t& type) {
  std::uint64_t tag = 0;
  if (!ReadVarint(rest, tag, 5) || tag > 0xffffffffULL) return false;
  number = static_cast<int>(tag >> 3);
  type = static_cast<std::uint32_t>(tag & 7);
  return number > 0;
}

bool TakeBytes(std::string_view& rest, std::uint64_t count) {
  if (count > rest.size()) return false;
  rest.remove_prefix(static_cast<std::size_t>(count));
  return true;
}

// A field's value of the given wire type from the front of rest; value is set to a
// length-delimited field's bytes. A group is skipped to its end-group tag.
bool ReadValue(std::string_view& rest, int number, std::uint32_t type, std::string_view& value,
               int depth) {
  std::uint64_t scalar = 0;
  switch (type) {
    case 0:
      return ReadVarint(rest, scalar);
    case 1:
      return TakeBytes(rest, 8);
    case 2: {
      // A length is a varint of 32 bits at most, and no more than an int holds.
      if (!ReadVarint(rest, scalar, 5) || scalar > 0x7fffffffULL || scalar > rest.size()) {
        return false;
      }
      value = rest.substr(0, static_cast<std::size_t>(scalar));
      rest.remove_prefix(static_cast<std::size_t>(scalar));
      return true;
    }
    case 3: {
      if (depth >= kMaxDepth) return false;
      for (;;) {
        int inner_number = 0;
        std::uint32_t inner_type = 0;
        if (!ReadTag(rest, inner_number, inner_type)) return false;
        if (inner_type == 4) return inner_number == number;
        std::string_view ignored;
        if (!ReadValue(rest, inner_number, inner_type, ignored, depth + 1)) return false;
      }
    }
    case 5:
      return TakeBytes(rest, 4);
    default:  // an end-group tag outside a group, or a wire type that does not exist
      return false;
  }
}

}  // namespace

bool FieldReader::Next(Field& field) {
  if (!valid_ || rest_.empty()) return false;
  const std::string_view start = rest_;
  std::uint32_t type = 0;
  field = Field{};
  if (!ReadTag(rest_, field.number, type) ||
      !ReadValue(rest_, field.number, type, field.value, 0)) {
    valid_ = false;
    return false;
  }
  field.whole = start.substr(0, start.size() - rest_.size());
  return true;
}

bool ForEachField(std::string_view bytes, const std::function<void(const Field&)>& on) {
  FieldReader reader(bytes);
  for (Field field; reader.Next(field);) on(field);
  return reader.valid();
}

void AppendField(std::string& out, int number, std::string_view bytes) {
  AppendFieldHeader(out, number, bytes.size());
  out.append(bytes);
}

void AppendField(std::string& out, int number, const google::protobuf::MessageLite& message) {
  AppendFieldHeader(out, number, message.ByteSizeLong());
  message.AppendToString(&out);
}

}  // namespace ipraktik::wire
