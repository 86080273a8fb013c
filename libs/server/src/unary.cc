#include "ipraktik/server/unary.h"

#include <string>

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

void LogServerFault(const logging::Logger& logger, const CallContext& call,
                    std::string_view method, const absl::Status& status) {
  if (!IsServerFault(status)) return;
  logger.WithTenant(call.tenant)
      .WithCorrelationId(call.correlation_id)
      .Error("call failed", {{"method", method},
                             {"code", absl::StatusCodeToString(status.code())},
                             {"error", std::string(status.message())}});
}

}  // namespace ipraktik::server
