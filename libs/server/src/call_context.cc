#include "ipraktik/server/call_context.h"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

#include "ipraktik/errors/errors.h"

namespace ipraktik::server {
namespace {

constexpr std::size_t kMaxTenantLength = 63;
constexpr std::size_t kMaxCorrelationIdLength = 128;

std::optional<std::string> CorrelationIdProblem(std::string_view id) {
  if (id.empty()) return "must not be empty when given";
  if (id.size() > kMaxCorrelationIdLength) {
    return "must be at most " + std::to_string(kMaxCorrelationIdLength) + " characters";
  }
  bool valid = std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  });
  if (!valid) return "may contain only letters, digits and - _ . :";
  return std::nullopt;
}

// What is wrong with a header sent more than once (nullopt when it came at most once).
std::optional<std::string> RepeatedHeaderProblem(const Metadata& metadata, std::string_view key) {
  auto count = metadata.count(grpc::string_ref(key.data(), key.size()));
  if (count < 2) return std::nullopt;
  return "is sent " + std::to_string(count) + " times: send it once";
}

}  // namespace

std::optional<std::string> MetadataValue(const Metadata& metadata, std::string_view key) {
  auto [first, last] = metadata.equal_range(grpc::string_ref(key.data(), key.size()));
  if (first == last) return std::nullopt;
  if (std::next(first) != last) return std::string();
  return std::string(first->second.data(), first->second.size());
}

std::optional<std::string> TenantProblem(std::string_view tenant) {
  if (tenant.empty()) return "is required: the tenant this call acts for, e.g. 'holstebro'";
  bool valid =
      tenant.size() <= kMaxTenantLength &&
      std::all_of(tenant.begin(), tenant.end(),
                  [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '-'; }) &&
      tenant.front() != '-' && tenant.back() != '-';
  if (!valid) {
    return "'" + std::string(tenant.substr(0, kMaxTenantLength + 1)) +
           "' is not a tenant: 1-63 of a-z, 0-9 and '-', not starting or ending with '-'";
  }
  return std::nullopt;
}

std::chrono::system_clock::time_point EffectiveDeadline(
    std::chrono::system_clock::time_point now,
    std::optional<std::chrono::system_clock::time_point> client_deadline,
    const DeadlinePolicy& policy) {
  auto latest = now + policy.max_timeout;
  if (!client_deadline) return now + std::min(policy.default_timeout, policy.max_timeout);
  return std::min(*client_deadline, latest);
}

std::chrono::system_clock::time_point CallContext::StepDeadline(
    std::chrono::system_clock::time_point start) const {
  if (!step_timeout || deadline - start <= *step_timeout) return deadline;
  return start + *step_timeout;
}

std::string NewCorrelationId() {
  std::array<unsigned char, 16> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    auto n = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n > 0) filled += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (auto byte : bytes) {
    id += kHex[byte >> 4];
    id += kHex[byte & 0xf];
  }
  return id;
}

absl::StatusOr<CallContext> ParseCallContext(
    const Metadata& metadata, std::chrono::system_clock::time_point now,
    std::optional<std::chrono::system_clock::time_point> client_deadline,
    const DeadlinePolicy& policy, CallShape shape) {
  errors::Violations violations;
  CallContext call;
  if (auto repeated = RepeatedHeaderProblem(metadata, kTenantHeader)) {
    violations.Add(kTenantHeader, *repeated);
  } else if (auto tenant = MetadataValue(metadata, kTenantHeader)) {
    if (auto problem = TenantProblem(*tenant)) violations.Add(kTenantHeader, *problem);
    call.tenant = std::move(*tenant);
  }
  if (auto repeated = RepeatedHeaderProblem(metadata, kCorrelationIdHeader)) {
    violations.Add(kCorrelationIdHeader, *repeated);
  } else if (auto id = MetadataValue(metadata, kCorrelationIdHeader)) {
    if (auto problem = CorrelationIdProblem(*id)) violations.Add(kCorrelationIdHeader, *problem);
    call.correlation_id = std::move(*id);
  } else {
    call.correlation_id = NewCorrelationId();
  }
  if (!violations.empty()) return violations.ToStatus("invalid request metadata");
  if (shape == CallShape::kUnary) {
    call.deadline = EffectiveDeadline(now, client_deadline, policy);
  } else if (client_deadline) {  // bounds the whole stream, uncapped; each step gets at most max
    call.deadline = *client_deadline;
    call.step_timeout = policy.max_timeout;
  } else {  // no overall limit; each step gets the default (capped like a unary call's)
    call.deadline = std::chrono::system_clock::time_point::max();
    call.step_timeout = std::min(policy.default_timeout, policy.max_timeout);
  }
  return call;
}

absl::StatusOr<CallContext> ReadCallContext(grpc::ServerContextBase& context,
                                            const DeadlinePolicy& policy, CallShape shape) {
  auto now = std::chrono::system_clock::now();
  std::optional<std::chrono::system_clock::time_point> client_deadline;
  // gRPC reports "no deadline" as the far future.
  if (auto deadline = context.deadline(); deadline < now + std::chrono::hours(24 * 365)) {
    client_deadline = deadline;
  }
  auto call = ParseCallContext(context.client_metadata(), now, client_deadline, policy, shape);
  if (call.ok()) {
    call->peer = context.peer();
    context.AddInitialMetadata(kCorrelationIdHeader, call->correlation_id);
  }
  return call;
}

}  // namespace ipraktik::server
