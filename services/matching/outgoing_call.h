#pragma once

// What every call the matching service makes to another service carries: its service key, the
// caller's tenant and correlation id, and the caller's deadline.

#include <string>

#include "coordinator.h"
#include "grpcpp/client_context.h"
#include "ipraktik/access/access.h"
#include "ipraktik/server/call_context.h"

namespace ipraktik::matching_service {

inline void PrepareOutgoingCall(grpc::ClientContext& context, const std::string& authorization,
                                const Caller& caller) {
  context.AddMetadata(access::kAuthorizationHeader, authorization);
  context.AddMetadata(server::kTenantHeader, caller.tenant);
  context.AddMetadata(server::kCorrelationIdHeader, caller.correlation_id);
  context.set_deadline(caller.deadline);
}

}  // namespace ipraktik::matching_service
