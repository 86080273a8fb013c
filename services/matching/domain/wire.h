#pragma once

// Protobuf's wire format, for the publication's work on bytes rather than messages: walking a
// message's fields without parsing them, and appending a field to a message's bytes (a parser
// merges it into what the bytes before it made). Pure.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace google::protobuf {
class MessageLite;
}

namespace ipraktik::matching_service::wire {

// One field as the bytes hold it.
struct Field {
  int number = 0;
  std::string_view whole;  // the tag and the value, as stored
  std::string_view value;  // a length-delimited field's bytes (empty for other wire types)
};

// Calls on(field) for each field of bytes, in order. false when bytes are no valid message.
bool ForEachField(std::string_view bytes, const std::function<void(const Field&)>& on);

// Appends a length-delimited field: the bytes of a message (or a string).
void AppendField(std::string& out, int number, std::string_view bytes);
void AppendField(std::string& out, int number, const google::protobuf::MessageLite& message);

}  // namespace ipraktik::matching_service::wire
