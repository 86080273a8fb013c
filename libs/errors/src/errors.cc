#include "ipraktik/errors/errors.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <utility>

#include "wire.h"

namespace ipraktik::errors {
namespace {

// So that a status message stays readable when a whole import is refused.
constexpr std::size_t kViolationsInMessage = 10;

// A flat message of string fields numbered 1, 2, ... in the order given.
std::string EncodeStringFields(std::initializer_list<std::string_view> strings) {
  wire::Writer out;
  std::uint32_t number = 1;
  for (auto text : strings) out.Bytes(number++, text);
  return out.data();
}

std::string EncodeBadRequest(const std::vector<FieldViolation>& violations) {
  wire::Writer request;
  for (const auto& violation : violations) {
    request.Message(1, EncodeStringFields({violation.field, violation.description}));
  }
  return request.data();
}

std::string EncodeResourceInfo(const ResourceInfo& resource) {
  return EncodeStringFields({resource.type, resource.name, resource.owner, resource.description});
}

std::string EncodePreconditionFailure(const std::vector<PreconditionViolation>& violations) {
  wire::Writer failure;
  for (const auto& violation : violations) {
    failure.Message(1,
                    EncodeStringFields({violation.type, violation.subject, violation.description}));
  }
  return failure.data();
}

std::string EncodeErrorInfo(const ErrorInfo& info) {
  wire::Writer out;
  out.Bytes(1, info.reason);
  out.Bytes(2, info.domain);
  for (const auto& [key, value] : info.metadata) out.Message(3, EncodeStringFields({key, value}));
  return out.data();
}

std::string EncodeRetryInfo(absl::Duration delay) {
  delay = std::max(delay, absl::ZeroDuration());
  std::int64_t seconds = absl::ToInt64Seconds(delay);
  auto nanos = absl::ToInt64Nanoseconds(delay - absl::Seconds(seconds));
  wire::Writer duration;
  duration.Varint(1, static_cast<std::uint64_t>(seconds));
  duration.Varint(2, static_cast<std::uint64_t>(nanos));
  wire::Writer info;
  info.Message(1, duration.data());
  return info.data();
}

std::optional<std::string> Payload(const absl::Status& status, const char* type_url) {
  auto payload = status.GetPayload(type_url);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

// Calls on_field(field) for each field of data; false when data is malformed.
template <typename OnField>
bool ForEachField(std::string_view data, OnField on_field) {
  wire::Reader reader(data);
  while (auto field = reader.Next()) on_field(*field);
  return reader.ok();
}

// The string fields of a flat message, by field number (1-based, up to count).
std::optional<std::vector<std::string>> StringFields(std::string_view data, std::size_t count) {
  std::vector<std::string> strings(count);
  bool ok = ForEachField(data, [&](const wire::Field& field) {
    if (field.type == wire::kLengthDelimited && field.number >= 1 && field.number <= count) {
      strings[field.number - 1] = std::string(field.bytes);
    }
  });
  if (!ok) return std::nullopt;
  return strings;
}

// The payloads of repeated message field 1, each decoded into its string fields.
std::vector<std::vector<std::string>> RepeatedEntries(std::string_view data, std::size_t count) {
  std::vector<std::vector<std::string>> entries;
  bool ok = ForEachField(data, [&](const wire::Field& field) {
    if (field.type != wire::kLengthDelimited || field.number != 1) return;
    if (auto strings = StringFields(field.bytes, count)) entries.push_back(std::move(*strings));
  });
  if (!ok) return {};
  return entries;
}

absl::Status WithPayload(absl::StatusCode code, const std::string& message, const char* type_url,
                         const std::string& payload) {
  absl::Status status(code, message);
  status.SetPayload(type_url, absl::Cord(payload));
  return status;
}

}  // namespace

FieldPath FieldPath::Field(std::string_view name) const {
  if (path_.empty()) return FieldPath(name);
  return FieldPath(path_ + "." + std::string(name));
}

FieldPath FieldPath::Index(std::size_t index) const {
  return FieldPath(path_ + "[" + std::to_string(index) + "]");
}

void Violations::Add(std::string field, std::string description) {
  list_.push_back({std::move(field), std::move(description)});
}

absl::Status Violations::ToStatus(std::string_view message) const {
  if (list_.empty()) return absl::OkStatus();
  return InvalidArgument(list_, message);
}

std::string Cut(std::string_view text, std::size_t max_bytes) {
  constexpr std::string_view kEllipsis = "\u2026";
  if (text.size() <= max_bytes) return std::string(text);
  if (max_bytes < kEllipsis.size()) return "";
  std::size_t keep = max_bytes - kEllipsis.size();
  // Back up over UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  return std::string(text.substr(0, keep)) + std::string(kEllipsis);
}

absl::Status InvalidArgument(std::vector<FieldViolation> violations, std::string_view message) {
  std::size_t total = violations.size();
  if (total > kMaxViolations) {
    violations.resize(kMaxViolations);
    violations.push_back(
        {"", "and " + std::to_string(total - kMaxViolations) + " more violations not listed"});
  }
  for (auto& violation : violations) {
    violation.field = Cut(violation.field);
    violation.description = Cut(violation.description, kMaxDescriptionBytes);
  }
  std::string text(Cut(message.empty() ? "invalid argument" : message, kMaxDescriptionBytes));
  for (std::size_t i = 0; i < violations.size() && i < kViolationsInMessage; ++i) {
    text += (i == 0 ? ": " : "; ") + violations[i].field + ": " + violations[i].description;
  }
  if (total > kViolationsInMessage) {
    text += "; and " + std::to_string(total - kViolationsInMessage) + " more";
  }
  return WithPayload(absl::StatusCode::kInvalidArgument, text, kBadRequestTypeUrl,
                     EncodeBadRequest(violations));
}

absl::Status NotFound(std::string_view type, std::string_view name, std::string_view message) {
  ResourceInfo resource{std::string(type), Cut(name), "", ""};
  std::string text =
      message.empty() ? resource.type + " " + resource.name + " not found" : std::string(message);
  return WithPayload(absl::StatusCode::kNotFound, text, kResourceInfoTypeUrl,
                     EncodeResourceInfo(resource));
}

absl::Status AlreadyExists(std::string_view type, std::string_view name, std::string_view message) {
  ResourceInfo resource{std::string(type), Cut(name), "", ""};
  std::string text = message.empty() ? resource.type + " " + resource.name + " already exists"
                                     : std::string(message);
  return WithPayload(absl::StatusCode::kAlreadyExists, text, kResourceInfoTypeUrl,
                     EncodeResourceInfo(resource));
}

absl::Status FailedPrecondition(std::string_view type, std::string_view subject,
                                std::string_view description) {
  PreconditionViolation violation{std::string(type), Cut(subject),
                                  Cut(description, kMaxDescriptionBytes)};
  return WithPayload(absl::StatusCode::kFailedPrecondition, violation.description,
                     kPreconditionFailureTypeUrl, EncodePreconditionFailure({violation}));
}

absl::Status FailedPrecondition(std::vector<PreconditionViolation> violations,
                                std::string_view message) {
  const std::size_t total = violations.size();
  if (total > kMaxViolations) {
    violations.resize(kMaxViolations);
    violations.push_back(
        {"MORE", "",
         "and " + std::to_string(total - kMaxViolations) + " more problems not listed"});
  }
  for (auto& violation : violations) {
    violation.subject = Cut(violation.subject);
    violation.description = Cut(violation.description, kMaxDescriptionBytes);
  }
  return WithPayload(absl::StatusCode::kFailedPrecondition, std::string(message),
                     kPreconditionFailureTypeUrl, EncodePreconditionFailure(violations));
}

absl::Status Unavailable(std::string_view message, std::optional<absl::Duration> retry_after) {
  absl::Status status(absl::StatusCode::kUnavailable, std::string(message));
  if (retry_after) status.SetPayload(kRetryInfoTypeUrl, absl::Cord(EncodeRetryInfo(*retry_after)));
  return status;
}

absl::Status ResourceExhausted(std::string_view message, absl::Duration retry_after) {
  return WithPayload(absl::StatusCode::kResourceExhausted, std::string(message), kRetryInfoTypeUrl,
                     EncodeRetryInfo(retry_after));
}

absl::Status WithReason(absl::Status status, std::string_view reason,
                        const std::map<std::string, std::string>& metadata) {
  if (status.ok()) return status;
  ErrorInfo info{std::string(reason), std::string(kDomain), {}};
  for (const auto& [key, value] : metadata) info.metadata[key] = Cut(value);
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(EncodeErrorInfo(info)));
  return status;
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  auto payload = Payload(status, kBadRequestTypeUrl);
  if (!payload) return {};
  std::vector<FieldViolation> violations;
  for (auto& entry : RepeatedEntries(*payload, 2)) {
    violations.push_back({std::move(entry[0]), std::move(entry[1])});
  }
  return violations;
}

std::optional<ResourceInfo> ResourceOf(const absl::Status& status) {
  auto payload = Payload(status, kResourceInfoTypeUrl);
  if (!payload) return std::nullopt;
  auto strings = StringFields(*payload, 4);
  if (!strings) return std::nullopt;
  auto& s = *strings;
  return ResourceInfo{std::move(s[0]), std::move(s[1]), std::move(s[2]), std::move(s[3])};
}

std::vector<PreconditionViolation> PreconditionViolationsOf(const absl::Status& status) {
  auto payload = Payload(status, kPreconditionFailureTypeUrl);
  if (!payload) return {};
  std::vector<PreconditionViolation> violations;
  for (auto& entry : RepeatedEntries(*payload, 3)) {
    violations.push_back({std::move(entry[0]), std::move(entry[1]), std::move(entry[2])});
  }
  return violations;
}

std::optional<ErrorInfo> ErrorInfoOf(const absl::Status& status) {
  auto payload = Payload(status, kErrorInfoTypeUrl);
  if (!payload) return std::nullopt;
  ErrorInfo info;
  bool ok = ForEachField(*payload, [&](const wire::Field& field) {
    if (field.type != wire::kLengthDelimited) return;
    if (field.number == 1) info.reason = std::string(field.bytes);
    if (field.number == 2) info.domain = std::string(field.bytes);
    if (field.number == 3) {
      if (auto entry = StringFields(field.bytes, 2)) info.metadata[(*entry)[0]] = (*entry)[1];
    }
  });
  if (!ok) return std::nullopt;
  return info;
}

std::optional<absl::Duration> RetryDelayOf(const absl::Status& status) {
  auto payload = Payload(status, kRetryInfoTypeUrl);
  if (!payload) return std::nullopt;
  std::optional<absl::Duration> delay;
  bool ok = ForEachField(*payload, [&](const wire::Field& field) {
    if (field.type != wire::kLengthDelimited || field.number != 1) return;
    absl::Duration value;
    bool duration_ok = ForEachField(field.bytes, [&](const wire::Field& part) {
      if (part.type != wire::kVarint) return;
      if (part.number == 1) value += absl::Seconds(static_cast<std::int64_t>(part.varint));
      if (part.number == 2) value += absl::Nanoseconds(static_cast<std::int32_t>(part.varint));
    });
    if (duration_ok) delay = value;
  });
  if (!ok) return std::nullopt;
  return delay;
}

}  // namespace ipraktik::errors
