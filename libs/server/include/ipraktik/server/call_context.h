#pragma once

// Who a gRPC call acts for and how long it may take: the ONE place that reads the caller's
// tenant and correlation id from request metadata, called by the call shell (calls.h,
// Calls::Open) for every call. API-key authentication will replace the tenant header here, and
// nowhere else.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/string_ref.h"

namespace ipraktik::server {

// Metadata keys (lower case, as HTTP/2 sends them).
inline constexpr char kTenantHeader[] = "x-ipraktik-tenant";
inline constexpr char kCorrelationIdHeader[] = "x-correlation-id";

// How long handlers may work on a call: the client's deadline, capped at max_timeout, or
// default_timeout from now when the client set none.
struct DeadlinePolicy {
  std::chrono::milliseconds default_timeout{10'000};
  std::chrono::milliseconds max_timeout{60'000};
};

struct CallContext {
  // 1-63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit: it becomes
  // part of every store key (the hash tag in "ipraktik:{tenant}:...").
  std::string tenant;
  // The caller's x-correlation-id, or a new random one when it sent none.
  std::string correlation_id;
  // When work for this call should be finished (see DeadlinePolicy).
  std::chrono::system_clock::time_point deadline;

  bool expired() const { return std::chrono::system_clock::now() >= deadline; }
};

// Reads the call's tenant, correlation id and deadline, and echoes the correlation id to the
// caller in the response's initial metadata. A missing or malformed tenant, or a malformed
// correlation id, is INVALID_ARGUMENT with a field violation naming the header.
absl::StatusOr<CallContext> ReadCallContext(grpc::ServerContextBase& context,
                                            const DeadlinePolicy& policy);

// The pieces of ReadCallContext, for tests and for entry points that are not gRPC calls.
using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;
// client_deadline is nullopt when the client set none.
absl::StatusOr<CallContext> ParseCallContext(
    const Metadata& metadata, std::chrono::system_clock::time_point now,
    std::optional<std::chrono::system_clock::time_point> client_deadline,
    const DeadlinePolicy& policy);
// nullopt when the tenant is acceptable, otherwise what is wrong with it.
std::optional<std::string> TenantProblem(std::string_view tenant);
std::chrono::system_clock::time_point EffectiveDeadline(
    std::chrono::system_clock::time_point now,
    std::optional<std::chrono::system_clock::time_point> client_deadline,
    const DeadlinePolicy& policy);
// 32 random hex digits.
std::string NewCorrelationId();

}  // namespace ipraktik::server
