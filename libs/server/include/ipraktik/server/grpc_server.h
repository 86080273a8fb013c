#pragma once

// A gRPC server set up the way every ipraktik service needs it: the callback services given,
// the grpc.health.v1 health service, server reflection, the RED metrics interceptor, message
// size limits, keepalive and the transport's credentials (TLS). Shutdown() is the graceful stop:
// health NOT_SERVING, no new calls, in-flight calls get a grace period, then whatever is left is
// cancelled.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/support/config.h"

namespace prometheus {
class Registry;
}

namespace ipraktik::server {

struct GrpcServerOptions {
  // host:port; port 0 takes any free port (see GrpcServer::port()).
  std::string address = "127.0.0.1:0";
  // Largest request or response, in bytes.
  int max_message_bytes = 16 * 1024 * 1024;
  // The server pings an idle connection this often and drops it when no answer comes within
  // keepalive_timeout, so that dead clients do not hold streams.
  std::chrono::milliseconds keepalive_time{60'000};
  std::chrono::milliseconds keepalive_timeout{20'000};
  // Clients may send keepalive pings this often (also without calls); more often is refused.
  std::chrono::milliseconds min_client_ping_interval{10'000};
  // How callers connect (libs/tls: TLS, mutual TLS); null: plaintext.
  std::shared_ptr<grpc::ServerCredentials> credentials{};
  // When set, RED metrics per method are recorded here; it must outlive the server.
  prometheus::Registry* metrics = nullptr;
  // The health status of "" and the services once started (SetServing changes it); liveness is
  // SERVING from the start whatever this says.
  bool serving_at_start = true;
  // When not empty (host:port): a second, plaintext port that serves the health checks only, with
  // the same statuses, for probes that speak no TLS (Kubernetes' gRPC probes, docs/deploy.md).
  std::string health_address{};
};

// A service to serve and the name it is known by to health checks (its full gRPC name, e.g.
// "ipraktik.v1.RegistrationService"). Not owned: it must outlive the server.
// The health check name that answers whether the process is alive, apart from whether it is ready:
// SERVING from start to shutdown whatever SetServing says, so that Kubernetes' liveness probe
// (k8s/) never restarts a process only because a dependency is down. Readiness asks "" or a
// service's name.
inline constexpr char kLivenessHealthName[] = "liveness";

struct ServiceRegistration {
  std::string name;
  grpc::Service* service = nullptr;
};

class GrpcServer {
 public:
  // UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const GrpcServerOptions& options, const std::vector<ServiceRegistration>& services);
  ~GrpcServer();

  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  int port() const { return port_; }
  // The plaintext health-only port (GrpcServerOptions::health_address), 0 when there is none.
  int health_port() const { return health_port_; }

  // The health status of every registered service name, then of the server ("").
  void SetServing(bool serving);

  // Health NOT_SERVING for good, stop accepting calls, wait up to grace for calls under way,
  // then cancel the rest and wait for their handlers to return. Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  GrpcServer() = default;

  // Each server's health service, the API server's first.
  std::vector<grpc::HealthCheckServiceInterface*> HealthServices() const;

  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;
  std::vector<std::string> health_names_;
  int port_ = 0;
  int health_port_ = 0;
  bool shut_down_ = false;
};

}  // namespace ipraktik::server
