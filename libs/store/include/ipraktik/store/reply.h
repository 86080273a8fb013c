#pragma once

// A Redis reply as a value: it owns its data, so it outlives the connection that read it and can
// be passed between threads. hiredis' redisReply is converted into one as soon as it is read.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"

namespace ipraktik::store {

class Reply {
 public:
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };

  // A nil reply (a missing key, a timed-out blocking pop, a Lua false/nil).
  Reply() = default;

  static Reply Nil() { return Reply(); }
  static Reply Integer(std::int64_t value);
  static Reply String(std::string value);
  // A status reply such as "OK" or "QUEUED".
  static Reply Status(std::string value);
  // An error reply such as "WRONGTYPE Operation against a key holding the wrong kind of value".
  static Reply Error(std::string message);
  static Reply Array(std::vector<Reply> elements);

  Type type() const { return type_; }
  bool is_nil() const { return type_ == Type::kNil; }
  bool is_integer() const { return type_ == Type::kInteger; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_status() const { return type_ == Type::kStatus; }
  bool is_error() const { return type_ == Type::kError; }
  bool is_array() const { return type_ == Type::kArray; }

  // The integer of an integer reply; 0 for any other type.
  std::int64_t integer() const;
  // The text of a string, status or error reply; empty for any other type.
  const std::string& str() const;
  // The elements of an array reply; empty for any other type.
  const std::vector<Reply>& elements() const;

  // OK unless this is an error reply, which becomes a status as ErrorReplyToStatus says.
  absl::Status ToStatus() const;

  // For logs and test failures, e.g. [1, "a", nil, (error) ERR x].
  std::string DebugString() const;

  friend bool operator==(const Reply&, const Reply&) = default;

 private:
  Type type_ = Type::kNil;
  std::variant<std::monostate, std::int64_t, std::string, std::vector<Reply>> value_;
};

// Turns a Redis error reply into a status. The first word of the error picks the code, so a Lua
// script can refuse input with a code the service passes on:
//   return redis.error_reply('INVALID_ARGUMENT amount must be positive')  -> INVALID_ARGUMENT
//   NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, PERMISSION_DENIED,
//   RESOURCE_EXHAUSTED likewise (the message is the rest of the text);
//   LOADING, BUSY, MASTERDOWN, TRYAGAIN, CLUSTERDOWN, READONLY, OOM -> UNAVAILABLE (transient);
//   NOSCRIPT -> NOT_FOUND; anything else (ERR, WRONGTYPE, ...) -> INTERNAL with the whole text.
absl::Status ErrorReplyToStatus(std::string_view error);

}  // namespace ipraktik::store
