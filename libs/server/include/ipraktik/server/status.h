#pragma once

// Finishing a server call with an absl::Status; the conversion to gRPC's rich error model is
// libs/rpc_status's (rpc_status::ToGrpcStatus), which clients use too.

#include "absl/status/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace ipraktik::server {

// Finishes a unary callback call with status: `return server::FinishUnary(context, status);`
grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context,
                                      const absl::Status& status);

}  // namespace ipraktik::server
