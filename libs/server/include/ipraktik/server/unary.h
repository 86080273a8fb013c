#pragma once

// The shape every unary handler of a service has: read the caller's tenant, correlation id and
// deadline, run the domain call, log it when the fault is the server's, and finish the call with
// the response or the error (rich details included).
//
//   Reactor* GetRound(Context* context, const GetRoundRequest* request,
//                     GetRoundResponse* response) override {
//     return server::ServeUnary(context, deadlines_, logger_, "GetRound", response,
//                               [&](const server::CallContext& call) {
//                                 return registrar_.GetRound(CallerOf(call), *request);
//                               });
//   }

#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/server/call_context.h"
#include "ipraktik/server/status.h"

namespace ipraktik::server {

// INTERNAL, UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN and DATA_LOSS: the server's fault, worth an
// error log line; the caller's mistakes (INVALID_ARGUMENT, NOT_FOUND, ...) are not.
bool IsServerFault(const absl::Status& status);

// Logs a failed call when IsServerFault(status).
void LogServerFault(const logging::Logger& logger, const CallContext& call, std::string_view method,
                    const absl::Status& status);

// Finishes a unary call with the domain call's result: the response, or the error (logged when
// it is the server's fault). For handlers that finish later, on another thread.
template <typename Response>
void FinishWithResult(grpc::ServerUnaryReactor* reactor, const logging::Logger& logger,
                      const CallContext& call, std::string_view method, Response* response,
                      absl::StatusOr<Response> result) {
  if (!result.ok()) {
    LogServerFault(logger, call, method, result.status());
    reactor->Finish(rpc_status::ToGrpcStatus(result.status()));
    return;
  }
  *response = *std::move(result);
  reactor->Finish(grpc::Status::OK);
}

template <typename Response, typename Call>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context,
                                     const DeadlinePolicy& deadlines, const logging::Logger& logger,
                                     std::string_view method, Response* response,
                                     Call&& domain_call) {
  auto call = ReadCallContext(*context, deadlines);
  if (!call.ok()) return FinishUnary(context, call.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  FinishWithResult(reactor, logger, *call, method, response,
                   std::forward<Call>(domain_call)(*call));
  return reactor;
}

}  // namespace ipraktik::server
