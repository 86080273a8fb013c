#pragma once

// Typed failures for domain code, which knows nothing of gRPC: an absl::Status with its code and
// message plus machine-readable details stored as payloads. libs/server turns them into gRPC's
// rich error model (google.rpc.Status with BadRequest, ResourceInfo, ... details).
//
// Each payload is keyed by the google.rpc type URL and holds that message in protobuf wire
// format (encoded here by hand, so this library needs only Abseil): a payload can go into a
// google.protobuf.Any as it is.
//
//   errors::Violations violations;
//   if (application.purpose().empty()) violations.Add("application.purpose", "is required");
//   for (size_t i = 0; i < wishes.size(); ++i)
//     if (!known(wishes[i])) violations.Add(errors::FieldPath("application.wishes").Index(i),
//                                           "names no host offer in this round");
//   if (auto status = violations.ToStatus(); !status.ok()) return status;

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace ipraktik::errors {

// The ErrorInfo domain of every reason ipraktik reports.
inline constexpr std::string_view kDomain = "ipraktik.dk";

// Payload type URLs. Character arrays, because Debian's Abseil has its own absl::string_view
// (not std::string_view), and these must convert to both.
inline constexpr char kBadRequestTypeUrl[] = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr char kResourceInfoTypeUrl[] = "type.googleapis.com/google.rpc.ResourceInfo";
inline constexpr char kPreconditionFailureTypeUrl[] =
    "type.googleapis.com/google.rpc.PreconditionFailure";
inline constexpr char kErrorInfoTypeUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr char kRetryInfoTypeUrl[] = "type.googleapis.com/google.rpc.RetryInfo";

// What an error answer may repeat of the caller's input, so that an oversized request never comes
// back multiplied in messages and details (a 1 MB id once made a 2.4 MB trailer that stalled a
// client's channel). Every constructor below applies them; rpc_status caps the message too.
inline constexpr std::size_t kMaxEchoedBytes = 128;       // an id, a name, an etag
inline constexpr std::size_t kMaxDescriptionBytes = 512;  // a violation's description
inline constexpr std::size_t kMaxMessageBytes = 1024;     // a status message
inline constexpr std::size_t kMaxViolations = 25;         // BadRequest entries, then one "more"

// text when it has at most max_bytes bytes; otherwise its longest prefix that ends on a UTF-8
// character boundary and, with "…" (3 bytes) appended, fits max_bytes.
std::string Cut(std::string_view text, std::size_t max_bytes = kMaxEchoedBytes);

// One wrong field of a request: its path (e.g. "application.wishes[2]") and what is wrong, in
// words a form can show next to the field.
struct FieldViolation {
  std::string field;
  std::string description;
  friend bool operator==(const FieldViolation&, const FieldViolation&) = default;
};

// The resource a NOT_FOUND or ALREADY_EXISTS is about, e.g. {"round", "r-2026-37"}. owner and
// description are read from payloads other services may send; NotFound leaves them empty.
struct ResourceInfo {
  std::string type;
  std::string name;
  std::string owner;        // optional, e.g. the tenant
  std::string description;  // optional
  friend bool operator==(const ResourceInfo&, const ResourceInfo&) = default;
};

// A precondition that did not hold. type is a short upper-case kind the caller can switch on
// (e.g. "STALE_VERSION", "ROUND_CLOSED"), subject what it concerns (e.g. "round/r-2026-37").
struct PreconditionViolation {
  std::string type;
  std::string subject;
  std::string description;
  friend bool operator==(const PreconditionViolation&, const PreconditionViolation&) = default;
};

// A machine-readable reason in a domain (ipraktik's is kDomain) with context.
struct ErrorInfo {
  std::string reason;
  std::string domain;
  std::map<std::string, std::string> metadata;
  friend bool operator==(const ErrorInfo&, const ErrorInfo&) = default;
};

// A field path in the request, built the way google.rpc.BadRequest names fields:
// FieldPath("application").Field("wishes").Index(2) is "application.wishes[2]".
class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(std::string_view root) : path_(root) {}

  FieldPath Field(std::string_view name) const;
  FieldPath Index(std::size_t index) const;

  const std::string& str() const { return path_; }

 private:
  std::string path_;
};

// Collects every wrong field of a request so the caller hears about all of them at once.
class Violations {
 public:
  void Add(std::string field, std::string description);
  void Add(const FieldPath& field, std::string description) { Add(field.str(), description); }

  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size(); }
  const std::vector<FieldViolation>& list() const { return list_; }

  // OK when nothing was added, otherwise InvalidArgument(list(), message).
  absl::Status ToStatus(std::string_view message = {}) const;

 private:
  std::vector<FieldViolation> list_;
};

// INVALID_ARGUMENT with a BadRequest payload. The message lists the first violations too, so a
// client that reads no details still learns what is wrong. At most kMaxViolations violations
// are kept, then one with field "" saying how many more there were; fields and descriptions are
// Cut.
absl::Status InvalidArgument(std::vector<FieldViolation> violations, std::string_view message = {});

// NOT_FOUND with a ResourceInfo payload {type, name}, e.g. NotFound("round", round_id); the
// default message is "<type> <name> not found". name is Cut in both.
absl::Status NotFound(std::string_view type, std::string_view name, std::string_view message = {});

// ALREADY_EXISTS with a ResourceInfo payload; the default message is "<type> <name> already
// exists". name is Cut in both.
absl::Status AlreadyExists(std::string_view type, std::string_view name,
                           std::string_view message = {});

// FAILED_PRECONDITION with a PreconditionFailure payload holding one violation, e.g.
// FailedPrecondition("STALE_VERSION", "round/r-1", "the round changed since version 3"), or
// ("ROUND_CLOSED", "round/r-1", "the round takes no more sign-ups"). The message is description.
// subject is Cut, description Cut to kMaxDescriptionBytes.
absl::Status FailedPrecondition(std::string_view type, std::string_view subject,
                                std::string_view description);
// The same with every precondition that did not hold (at most kMaxViolations, then one of type
// "MORE" saying how many more there were), e.g. the checks before a publication.
absl::Status FailedPrecondition(std::vector<PreconditionViolation> violations,
                                std::string_view message);

// UNAVAILABLE, with a RetryInfo payload when the caller should wait before retrying.
absl::Status Unavailable(std::string_view message,
                         std::optional<absl::Duration> retry_after = std::nullopt);

// RESOURCE_EXHAUSTED with a RetryInfo payload: the server is full for now (e.g. its handler
// queue), and the caller should wait retry_after before trying again.
absl::Status ResourceExhausted(std::string_view message, absl::Duration retry_after);

// Adds (or replaces) an ErrorInfo payload with domain kDomain: a stable reason code clients can
// switch on, whatever the status code. Metadata values are Cut.
absl::Status WithReason(absl::Status status, std::string_view reason,
                        const std::map<std::string, std::string>& metadata = {});

// Readers of the payloads above; empty when the status carries none (or a malformed one).
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);
std::optional<ResourceInfo> ResourceOf(const absl::Status& status);
std::vector<PreconditionViolation> PreconditionViolationsOf(const absl::Status& status);
std::optional<ErrorInfo> ErrorInfoOf(const absl::Status& status);
std::optional<absl::Duration> RetryDelayOf(const absl::Status& status);

}  // namespace ipraktik::errors
