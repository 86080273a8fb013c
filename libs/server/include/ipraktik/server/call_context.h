#pragma once

// Who a gRPC call acts for and how long it may take: the ONE place that reads request metadata,
// called by the call shell (calls.h, Calls::Open) for every call. The tenant comes from the
// caller's API key (libs/access, applied in Calls::Open); the x-ipraktik-tenant header only names
// the tenant an operator or service key acts in, or a participant's call's tenant.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/string_ref.h"
#include "ipraktik/v1/access.pb.h"

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
  // The API key the call was made with (its non-secret id, for logs and the audit log), and the
  // key's role; an empty key_id and ACCESS_ROLE_PARTICIPANT for a participant's call, whose token
  // in the request is its authority.
  std::string key_id;
  v1::AccessRole role = v1::ACCESS_ROLE_UNSPECIFIED;
  // The caller's x-correlation-id, or a new random one when it sent none.
  std::string correlation_id;
  // When work for this call should be finished (see DeadlinePolicy); for a stream the client
  // set no deadline for, time_point::max() (no overall limit).
  std::chrono::system_clock::time_point deadline;
  // Streams only: how long each step may take from its start, within deadline.
  std::optional<std::chrono::milliseconds> step_timeout;
  // Where the call came from, as gRPC reports it ("ipv4:10.0.0.7:51234"), for the audit log.
  std::string peer;

  bool expired() const { return std::chrono::system_clock::now() >= deadline; }
  // The deadline of a step of this call starting at `start`: deadline for a unary call,
  // the earlier of deadline and start + step_timeout for a stream's step.
  std::chrono::system_clock::time_point StepDeadline(
      std::chrono::system_clock::time_point start) const;
};

// Reads the call's tenant header (when sent; tenant is "" otherwise), correlation id, deadline and
// peer, and echoes the correlation id to the caller in the response's initial metadata. A
// malformed tenant header or correlation id is INVALID_ARGUMENT with a field violation naming the
// header.
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
// The single value of a metadata key; nullopt when absent, "" when given more than once (which
// no well-behaved client does, and which must not let a caller pick between two values).
std::optional<std::string> MetadataValue(const Metadata& metadata, std::string_view key);
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
