#include "ipraktik/server/calls.h"

#include <string>

#include "absl/time/clock.h"
#include "ipraktik/deadline/deadline.h"

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
             const CallGuard* guard)
    : executor_(executor), deadlines_(deadlines), logger_(std::move(logger)), guard_(guard) {}

absl::StatusOr<CallContext> Calls::Open(grpc::ServerContextBase& context, CallShape shape) const {
  auto call = ReadCallContext(context, deadlines_, shape);
  if (call.ok() && call->expired()) {
    return absl::DeadlineExceededError("the call's deadline had passed when it arrived");
  }
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
