#pragma once

// absl::Status (with libs/errors payloads) <-> grpc::Status with gRPC's rich error model: the
// payloads travel as google.rpc.Status details (BadRequest, ResourceInfo, PreconditionFailure,
// ErrorInfo, RetryInfo) in the grpc-status-details-bin trailer, which every gRPC client's
// standard error-details support decodes.

#include "absl/status/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"

namespace ipraktik::server {

// Same code and message; every payload whose type URL names a protobuf message becomes a
// detail, as it is.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for calls to other services: the details become payloads again, so
// errors::FieldViolationsOf() and friends read them.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Finishes a unary callback call with status: `return server::FinishUnary(context, status);`
grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context,
                                      const absl::Status& status);

}  // namespace ipraktik::server
