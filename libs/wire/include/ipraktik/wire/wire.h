#pragma once

// Protobuf's wire format, for work on bytes rather than messages where a national round's
// publication made messages too dear (docs/benchmarks.md): walking a message's fields without
// parsing them, and appending fields to a message's bytes (a parser merges an appended field
// into what the bytes before it made). Pure.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace google::protobuf {
class MessageLite;
}

namespace ipraktik::wire {

// One field as the bytes hold it.
struct Field {
  int number = 0;
  std::string_view whole;  // the tag and the value, as stored
  std::string_view value;  // a length-delimited field's bytes (empty for other wire types)
};

// A message's fields one by one, in order, read from its bytes as protobuf's parser reads the
// wire format (any wire type, groups skipped whole) but without parsing or copying a value, and
// without protobuf's input stream and its internal wire-format helpers behind a std::function.
class FieldReader {
 public:
  explicit FieldReader(std::string_view bytes) : rest_(bytes) {}
  // The next field; false at the end, or where the bytes stop being a message (then !valid()).
  bool Next(Field& field);
  bool valid() const { return valid_; }

 private:
  std::string_view rest_;
  bool valid_ = true;
};

// Calls on(field) for each field of bytes, in order. false when bytes are no valid message.
bool ForEachField(std::string_view bytes, const std::function<void(const Field&)>& on);

enum class WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

// Appends value as a varint (a negative int32 or enum is written sign-extended to 64 bits, as
// protobuf writes it: ten bytes).
void AppendVarint(std::string& out, std::uint64_t value);
// Appends a field's tag.
void AppendTag(std::string& out, int number, WireType type);

// Appends a length-delimited field: the bytes of a message (or a string).
void AppendField(std::string& out, int number, std::string_view bytes);
void AppendField(std::string& out, int number, const google::protobuf::MessageLite& message);
// Appends only the tag and length of a length-delimited field of `length` bytes, for a writer
// that appends the bytes themselves next (without building them in a string of their own).
void AppendFieldHeader(std::string& out, int number, std::size_t length);
// How many bytes AppendField writes for a field of `length` bytes.
std::size_t FieldSize(int number, std::size_t length);

}  // namespace ipraktik::wire
