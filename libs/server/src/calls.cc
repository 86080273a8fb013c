#include "ipraktik/server/calls.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ipraktik/deadline/deadline.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/server/request_limits.h"

namespace ipraktik::server {

bool IsServerFault(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return true;
    default:
      return false;
  }
}

std::string MethodName(std::string_view request_type) {
  constexpr std::string_view kSuffix = "Request";
  if (request_type.size() > kSuffix.size() && request_type.ends_with(kSuffix)) {
    request_type.remove_suffix(kSuffix.size());
  }
  return std::string(request_type);
}

Calls::Calls(Executor& executor, DeadlinePolicy deadlines, logging::Logger logger,
             const access::Authenticator& authenticator, const CallGuard* guard)
    : executor_(executor),
      deadlines_(deadlines),
      logger_(std::move(logger)),
      authenticator_(&authenticator),
      guard_(guard) {}

absl::StatusOr<CallContext> Calls::Open(grpc::ServerContextBase& context,
                                        const google::protobuf::Descriptor& request_type,
                                        CallShape shape) const {
  // Who calls comes first: a caller without a key learns nothing else about the call.
  const google::protobuf::MethodDescriptor* method = access::MethodOf(request_type);
  if (method == nullptr || access::AllowedRoles(*method).empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat(MethodName(request_type.name()), " declares no roles that may call it"));
  }
  const Metadata& metadata = context.client_metadata();
  auto caller =
      authenticator_->Authenticate(*method, MetadataValue(metadata, access::kAuthorizationHeader),
                                   MetadataValue(metadata, kTenantHeader));
  if (!caller.ok()) return caller.status();
  auto call = ReadCallContext(context, deadlines_, shape);
  if (!call.ok()) return call;
  call->tenant = std::move(caller->tenant);
  call->key_id = std::move(caller->key_id);
  call->role = caller->role;
  if (auto problem = TenantProblem(call->tenant)) {  // a participant's call without the header
    errors::Violations violations;
    violations.Add(kTenantHeader, *problem);
    return violations.ToStatus("invalid request metadata");
  }
  if (call->expired()) {
    return absl::DeadlineExceededError("the call's deadline had passed when it arrived");
  }
  return call;
}

absl::StatusOr<CallContext> Calls::Open(grpc::ServerContextBase& context,
                                        const google::protobuf::Message& request,
                                        CallShape shape) const {
  auto call = Open(context, *request.GetDescriptor(), shape);
  if (!call.ok()) return call;
  if (absl::Status limits = CheckRequestLimits(request); !limits.ok()) return limits;
  return call;
}

void Calls::Run(const CallContext& call, Step step) const {
  // Shared, because step must still be callable here when the executor refuses the work.
  auto shared = std::make_shared<Step>(std::move(step));
  // A step's clock starts when it is asked for, so its wait for a thread counts.
  absl::Status queued =
      executor_.Submit([shared, deadline = call.StepDeadline(std::chrono::system_clock::now())]() {
        if (std::chrono::system_clock::now() >= deadline) {
          std::move (*shared)(absl::DeadlineExceededError(
              "the call's deadline passed while it waited for a handler thread"));
          return;
        }
        deadline::Scope scope(absl::FromChrono(deadline));
        std::move (*shared)(absl::OkStatus());
      });
  if (!queued.ok()) std::move (*shared)(std::move(queued));
}

void Calls::LogServerFault(const CallContext& call, std::string_view request_type,
                           const absl::Status& status) const {
  if (!IsServerFault(status)) return;
  LoggerFor(call).Error("call failed", {{"method", MethodName(request_type)},
                                        {"code", absl::StatusCodeToString(status.code())},
                                        {"error", std::string(status.message())}});
}

logging::Logger Calls::LoggerFor(const CallContext& call) const {
  return logger_.WithTenant(call.tenant).WithCorrelationId(call.correlation_id);
}

}  // namespace ipraktik::server
