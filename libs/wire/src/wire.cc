#include "ipraktik/wire/wire.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/message_lite.h"
#include "google/protobuf/wire_format_lite.h"

namespace ipraktik::wire {
namespace {

using google::protobuf::internal::WireFormatLite;

void AppendTagAndLength(std::string& out, int number, std::size_t length) {
  AppendTag(out, number, WireType::kLengthDelimited);
  AppendVarint(out, length);
}

}  // namespace

void AppendVarint(std::string& out, std::uint64_t value) {
  std::uint8_t bytes[10];  // a varint of 64 bits takes at most 10 bytes
  const std::uint8_t* end =
      google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(value, bytes);
  out.append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(end - bytes));
}

void AppendTag(std::string& out, int number, WireType type) {
  AppendVarint(out, (static_cast<std::uint64_t>(number) << 3) | static_cast<std::uint32_t>(type));
}

bool ForEachField(std::string_view bytes, const std::function<void(const Field&)>& on) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  for (;;) {
    const auto start = static_cast<std::size_t>(in.CurrentPosition());
    const std::uint32_t tag = in.ReadTag();
    if (tag == 0) return start == bytes.size();  // the end, or an invalid tag
    Field field{.number = WireFormatLite::GetTagFieldNumber(tag), .whole = {}, .value = {}};
    if (WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      std::uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return false;
      const auto at = static_cast<std::size_t>(in.CurrentPosition());
      if (length > bytes.size() - at || !in.Skip(static_cast<int>(length))) return false;
      field.value = bytes.substr(at, length);
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
    field.whole = bytes.substr(start, static_cast<std::size_t>(in.CurrentPosition()) - start);
    on(field);
  }
}

void AppendField(std::string& out, int number, std::string_view bytes) {
  AppendTagAndLength(out, number, bytes.size());
  out.append(bytes);
}

void AppendField(std::string& out, int number, const google::protobuf::MessageLite& message) {
  AppendTagAndLength(out, number, message.ByteSizeLong());
  message.AppendToString(&out);
}

}  // namespace ipraktik::wire
