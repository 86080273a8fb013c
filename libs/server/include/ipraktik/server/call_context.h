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

// How long handlers may work on a call. A unary call: the client's deadline, capped at
// max_timeout, or default_timeout from now when the client set none. A stream is bounded per
// step (one received message's work, one message to send), each step starting its own clock: a
// stream the client set no deadline for has no overall limit and each step gets default_timeout;
// a client's deadline bounds the whole stream uncapped (an import of 100,000 rows may rightly
// take longer than max_timeout) and each step within it still gets at most max_timeout.
struct DeadlinePolicy {
  std::chrono::milliseconds default_timeout{10'000};
  std::chrono::milliseconds max_timeout{60'000};
};

// A unary call has one deadline; a stream's deadline applies per step (see DeadlinePolicy).
enum class CallShape { kUnary, kStream };

struct CallContext {
  // 1-63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit: it becomes
  // part of every store key (the hash tag in "ipraktik:{tenant}:...").
  std::string tenant;
  // The caller's x-correlation-id, or a new random one when it sent none.
  std::string correlation_id;
  // When work for this call should be finished (see DeadlinePolicy); for a stream the client
  // set no deadline for, time_point::max() (no overall limit).
  std::chrono::system_clock::time_point deadline;
  // Streams only: how long each step may take from its start, within deadline.
  std::optional<std::chrono::milliseconds> step_timeout;
  // The id (not the secret) of the caller's API key and its role, for rate limits and the audit
  // log; empty until API-key authentication fills them in.
  std::string key_id;
  std::string role;
  // Where the call came from, as gRPC reports it ("ipv4:10.0.0.7:51234"), for the audit log.
  std::string peer;

  bool expired() const { return std::chrono::system_clock::now() >= deadline; }
  // The deadline of a step of this call starting at `start`: deadline for a unary call,
  // the earlier of deadline and start + step_timeout for a stream's step.
  std::chrono::system_clock::time_point StepDeadline(
      std::chrono::system_clock::time_point start) const;
};

// Reads the call's tenant, correlation id, deadline and peer, and echoes the correlation id to the
// caller in the response's initial metadata. A missing or malformed tenant, or a malformed
// correlation id, is INVALID_ARGUMENT with a field violation naming the header.
absl::StatusOr<CallContext> ReadCallContext(grpc::ServerContextBase& context,
                                            const DeadlinePolicy& policy,
                                            CallShape shape = CallShape::kUnary);

// The pieces of ReadCallContext, for tests and for entry points that are not gRPC calls.
using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;
// client_deadline is nullopt when the client set none.
absl::StatusOr<CallContext> ParseCallContext(
    const Metadata& metadata, std::chrono::system_clock::time_point now,
    std::optional<std::chrono::system_clock::time_point> client_deadline,
    const DeadlinePolicy& policy, CallShape shape = CallShape::kUnary);
// nullopt when the tenant is acceptable, otherwise what is wrong with it.
std::optional<std::string> TenantProblem(std::string_view tenant);
// A unary call's deadline (see DeadlinePolicy).
std::chrono::system_clock::time_point EffectiveDeadline(
    std::chrono::system_clock::time_point now,
    std::optional<std::chrono::system_clock::time_point> client_deadline,
    const DeadlinePolicy& policy);
// 32 random hex digits.
std::string NewCorrelationId();

}  // namespace ipraktik::server
