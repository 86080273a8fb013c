#include "ipraktik/server/grpc_server.h"

#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "ipraktik/metrics/grpc_metrics.h"
#include "unparsable_request.h"

namespace ipraktik::server {

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const GrpcServerOptions& options, const std::vector<ServiceRegistration>& services) {
  // Both are process-wide switches that apply to servers built afterwards; they are idempotent.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  // Links the grpc.health.v1 schema in, so that reflection can describe the health service.
  grpc::health::v1::HealthCheckRequest::descriptor();

  std::unique_ptr<GrpcServer> server(new GrpcServer());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      options.address,
      options.credentials ? options.credentials : grpc::InsecureServerCredentials(),
      &server->port_);
  // gRPC sets SO_REUSEPORT by default, so a second instance would silently share the port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             static_cast<int>(options.keepalive_time.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             static_cast<int>(options.keepalive_timeout.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             static_cast<int>(options.min_client_ping_interval.count()));
  for (const auto& registration : services) {
    builder.RegisterService(registration.service);
    server->health_names_.push_back(registration.name);
  }
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  // First, so that the metrics (and every later interceptor) see the status it corrects.
  creators.push_back(MakeUnparsableRequestInterceptorFactory());
  if (options.metrics != nullptr) {
    creators.push_back(metrics::MakeServerMetricsInterceptorFactory(*options.metrics));
  }
  builder.experimental().SetInterceptorCreators(std::move(creators));
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError("cannot serve gRPC on " + options.address +
                                  " (address in use or not local?)");
  }
  if (!options.health_address.empty()) {
    // Nothing but the health service (and reflection, which describes just that): the API stays
    // behind the TLS port.
    grpc::ServerBuilder health_builder;
    health_builder.AddListeningPort(options.health_address, grpc::InsecureServerCredentials(),
                                    &server->health_port_);
    health_builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    server->health_server_ = health_builder.BuildAndStart();
    if (server->health_server_ == nullptr || server->health_port_ == 0) {
      server->Shutdown(std::chrono::milliseconds(0));
      return absl::UnavailableError("cannot serve health checks on " + options.health_address +
                                    " (address in use or not local?)");
    }
  }
  server->SetServing(options.serving_at_start);
  for (auto* health : server->HealthServices()) {
    health->SetServingStatus(kLivenessHealthName, true);
  }
  return server;
}

std::vector<grpc::HealthCheckServiceInterface*> GrpcServer::HealthServices() const {
  std::vector<grpc::HealthCheckServiceInterface*> services;
  for (const auto* server : {server_.get(), health_server_.get()}) {
    if (server == nullptr) continue;
    if (auto* health = server->GetHealthCheckService()) services.push_back(health);
  }
  return services;
}

GrpcServer::~GrpcServer() { Shutdown(std::chrono::milliseconds(0)); }

void GrpcServer::SetServing(bool serving) {
  // The server's own status last: whoever sees it change may rely on every service's having
  // changed too.
  for (auto* health : HealthServices()) {
    for (const auto& name : health_names_) health->SetServingStatus(name, serving);
    health->SetServingStatus("", serving);
  }
}

void GrpcServer::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  // NOT_SERVING for every name, also to clients watching, and no later change back.
  for (auto* health : HealthServices()) health->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  if (health_server_ != nullptr) {
    health_server_->Shutdown(std::chrono::system_clock::now());
    health_server_->Wait();
  }
}

}  // namespace ipraktik::server
