#pragma once

// A request gRPC could not parse into its message is answered INVALID_ARGUMENT "the request is
// not valid UTF-8" instead of gRPC's own UNIMPLEMENTED with an empty message.
//
// Why here: gRPC parses a unary (or server-streaming) request before any handler runs, and when
// protobuf refuses it the callback handler finishes the call with UNIMPLEMENTED, "" on its own
// (grpcpp/impl/codegen/server_callback_handlers.h). For a request a real client serialised, the
// one thing protobuf refuses is a proto3 string field that is not valid UTF-8. An interceptor
// cannot stop a call, but it sees the receive hook with no message (the parse failed) and may
// rewrite the status that is then sent: this one does exactly that, and nothing else.

#include <memory>

#include "grpcpp/support/server_interceptor.h"

namespace ipraktik::server {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeUnparsableRequestInterceptorFactory();

}  // namespace ipraktik::server
