#pragma once

// absl::Status (with libs/errors payloads) <-> grpc::Status with gRPC's rich error model: the
// payloads travel as google.rpc.Status details (BadRequest, ResourceInfo, PreconditionFailure,
// ErrorInfo, RetryInfo) in the grpc-status-details-bin trailer, which every gRPC client's
// standard error-details support decodes. Its own small library, so that a gRPC client (the CLI,
// a service calling another) reads rich errors without linking the server skeleton.

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace ipraktik::rpc_status {

// Same code and message (Cut to errors::kMaxMessageBytes); every payload whose type URL names a
// protobuf message becomes a detail, as it is.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for calls to other services: the details become payloads again, so
// errors::FieldViolationsOf() and friends read them.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace ipraktik::rpc_status
