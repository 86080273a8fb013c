#pragma once

// RED metrics for every method of a gRPC server, recorded by a server interceptor:
//   grpc_server_started_total{grpc_service, grpc_method}             calls begun
//   grpc_server_handled_total{grpc_service, grpc_method, grpc_code}  calls finished, by status
//   grpc_server_errors_total{grpc_service, grpc_method, grpc_code}   calls finished not OK
//   grpc_server_handling_seconds{grpc_service, grpc_method}          latency histogram
//   grpc_server_in_flight                                            calls under way
// grpc_service is the full service name ("ipraktik.v1.RegistrationService"), grpc_method the
// method ("CreateRound"), grpc_code the status name ("OK", "INVALID_ARGUMENT", ...).

#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "prometheus/registry.h"

namespace ipraktik::metrics {

// The factory to pass to grpc::ServerBuilder::experimental().SetInterceptorCreators(). The
// metrics are registered in registry, which must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeServerMetricsInterceptorFactory(prometheus::Registry& registry);

}  // namespace ipraktik::metrics
