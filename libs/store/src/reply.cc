#include "ipraktik/store/reply.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ipraktik::store {
namespace {

const std::string& EmptyString() {
  static const std::string kEmpty;
  return kEmpty;
}

const std::vector<Reply>& EmptyArray() {
  static const std::vector<Reply> kEmpty;
  return kEmpty;
}

void AppendDebug(const Reply& reply, std::string& out) {
  switch (reply.type()) {
    case Reply::Type::kNil:
      out += "nil";
      return;
    case Reply::Type::kInteger:
      absl::StrAppend(&out, reply.integer());
      return;
    case Reply::Type::kString:
      absl::StrAppend(&out, "\"", reply.str(), "\"");
      return;
    case Reply::Type::kStatus:
      out += reply.str();
      return;
    case Reply::Type::kError:
      absl::StrAppend(&out, "(error) ", reply.str());
      return;
    case Reply::Type::kArray: {
      out += "[";
      bool first = true;
      for (const Reply& element : reply.elements()) {
        if (!first) out += ", ";
        first = false;
        AppendDebug(element, out);
      }
      out += "]";
      return;
    }
  }
}

}  // namespace

Reply Reply::Integer(std::int64_t value) {
  Reply reply;
  reply.type_ = Type::kInteger;
  reply.value_ = value;
  return reply;
}

Reply Reply::String(std::string value) {
  Reply reply;
  reply.type_ = Type::kString;
  reply.value_ = std::move(value);
  return reply;
}

Reply Reply::Status(std::string value) {
  Reply reply = String(std::move(value));
  reply.type_ = Type::kStatus;
  return reply;
}

Reply Reply::Error(std::string message) {
  Reply reply = String(std::move(message));
  reply.type_ = Type::kError;
  return reply;
}

Reply Reply::Array(std::vector<Reply> elements) {
  Reply reply;
  reply.type_ = Type::kArray;
  reply.value_ = std::move(elements);
  return reply;
}

std::int64_t Reply::integer() const {
  const auto* value = std::get_if<std::int64_t>(&value_);
  return value != nullptr ? *value : 0;
}

const std::string& Reply::str() const {
  const auto* value = std::get_if<std::string>(&value_);
  return value != nullptr ? *value : EmptyString();
}

const std::vector<Reply>& Reply::elements() const {
  const auto* value = std::get_if<std::vector<Reply>>(&value_);
  return value != nullptr ? *value : EmptyArray();
}

absl::Status Reply::ToStatus() const {
  return is_error() ? ErrorReplyToStatus(str()) : absl::OkStatus();
}

std::string Reply::DebugString() const {
  std::string out;
  AppendDebug(*this, out);
  return out;
}

absl::Status ErrorReplyToStatus(std::string_view error) {
  const std::size_t space = error.find(' ');
  const std::string_view prefix = error.substr(0, space);
  const std::string rest(space == std::string_view::npos ? std::string_view()
                                                         : error.substr(space + 1));

  // Codes a Lua script may choose; the message is what follows the code.
  static constexpr std::array<std::pair<std::string_view, absl::StatusCode>, 8> kScriptCodes = {{
      {"INVALID_ARGUMENT", absl::StatusCode::kInvalidArgument},
      {"NOT_FOUND", absl::StatusCode::kNotFound},
      {"ALREADY_EXISTS", absl::StatusCode::kAlreadyExists},
      {"FAILED_PRECONDITION", absl::StatusCode::kFailedPrecondition},
      {"ABORTED", absl::StatusCode::kAborted},
      {"OUT_OF_RANGE", absl::StatusCode::kOutOfRange},
      {"PERMISSION_DENIED", absl::StatusCode::kPermissionDenied},
      {"RESOURCE_EXHAUSTED", absl::StatusCode::kResourceExhausted},
  }};
  for (const auto& [code_name, code] : kScriptCodes) {
    if (prefix == code_name) return absl::Status(code, rest);
  }
  // Redis' own errors that go away by themselves: a caller may retry.
  // NOREPLICAS: a primary with too few replicas (min-replicas-to-write) refuses writes.
  static constexpr std::array<std::string_view, 8> kTransient = {
      "LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY", "NOREPLICAS", "OOM"};
  const std::string whole(error);
  for (std::string_view transient : kTransient) {
    if (prefix == transient) return absl::UnavailableError(absl::StrCat("redis: ", whole));
  }
  if (prefix == "NOSCRIPT") return absl::NotFoundError(absl::StrCat("redis: ", whole));
  return absl::InternalError(absl::StrCat("redis: ", whole));
}

}  // namespace ipraktik::store
