#pragma once

// The process skeleton every ipraktik service binary shares, so that a service's main.cc only
// names the service and its own parts:
//
//   class Registration : public server::Service {
//     void ReadSettings(config::Reader& reader) override { ...service settings... }
//     absl::Status Start(server::Application& app) override {
//       handlers_ = std::make_unique<RegistrationHandlers>(app.redis(), app.logger(), ...);
//       app.AddGrpcService("ipraktik.v1.RegistrationService", handlers_.get());
//       app.OnShutdown("relay", [this] { relay_->Stop(); });
//       return absl::OkStatus();
//     }
//   };
//   int main(int argc, char** argv) {
//     Registration service;
//     return server::RunService(argc, argv,
//                               {.name = "registration", ...,
//                                .needs = {server::Resource::kRedis, server::Resource::kBus}},
//                               service);
//   }
//
// The core every service gets: settings, logs, /metrics, gRPC with health and reflection,
// readiness, the graceful shutdown. On top of it, the resources the spec declares (Resource):
// only those have settings, are connected at start-up, are watched for readiness (a PING to
// Redis every second, an idle RabbitMQ connection that notices its loss at once) and are
// reachable through Application, so a service that uses no Redis starts without one.
//
// RunService: reads the settings (exit 2 naming every bad variable; --help lists them), makes
// the logger and the /metrics endpoint, connects to the declared resources (retrying for
// IPRAKTIK_CONNECT_TIMEOUT, then exit 1 saying which is unreachable), calls Service::Start,
// serves gRPC (health, reflection, metrics), waits (up to IPRAKTIK_CONNECT_TIMEOUT) until it is
// ready, logs "serving", and on SIGTERM/SIGINT shuts down gracefully:
// health NOT_SERVING, no new calls, in-flight calls get IPRAKTIK_SHUTDOWN_GRACE, then the
// shutdown steps run (last registered first), then Redis closes; exit 0. A shutdown that takes
// longer than IPRAKTIK_SHUTDOWN_TIMEOUT ends the process with exit code 1.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/config.h"
#include "ipraktik/access/key_store.h"
#include "ipraktik/bus/options.h"
#include "ipraktik/config/config.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/ratelimit/ratelimit.h"
#include "ipraktik/server/call_context.h"
#include "ipraktik/server/calls.h"
#include "ipraktik/server/executor.h"
#include "ipraktik/server/grpc_server.h"
#include "ipraktik/server/readiness.h"
#include "ipraktik/store/pool.h"
#include "ipraktik/tls/tls.h"

namespace prometheus {
class Registry;
}

namespace ipraktik::server {

// A shared dependency a service declares in its spec (ServiceSpec::needs).
enum class Resource {
  // Redis as a store::Pool (Application::redis()); settings IPRAKTIK_REDIS_*. The outbox
  // (libs/outbox) lives in it.
  kRedis,
  // RabbitMQ (Application::BusConnection()), the events exchange declared at start-up; setting
  // IPRAKTIK_AMQP_URL. Event consumers (StartEventConsumer) need it; the outbox relay
  // (StartOutboxRelay) needs it and kRedis.
  kBus,
};

// What a service binary is; the defaults of its addresses differ per service.
struct ServiceSpec {
  std::string name;         // "registration": the logs' service field, the program's identity
  std::string description;  // one line for --help
  std::string default_grpc_address;     // e.g. "127.0.0.1:7101"
  std::string default_metrics_address;  // e.g. "127.0.0.1:9101"
  std::vector<Resource> needs{};        // what the service uses besides the core
  // The default of IPRAKTIK_REDIS_POOL_SIZE: at least the threads that use Redis at once, or
  // they wait for a connection (a futex wake and a context switch each time).
  int default_redis_pool_size = 8;

  bool Needs(Resource resource) const;
};

// The settings every service reads (IPRAKTIK_GRPC_ADDRESS, ...; see docs/operations.md).
struct ServerSettings {
  config::HostPort grpc_address;
  config::HostPort metrics_address;
  logging::Level log_level = logging::Level::kInfo;
  GrpcServerOptions grpc;  // address, credentials and metrics are filled in by RunService
  // TLS of the gRPC port and of the channels the service opens to other services
  // (ChannelCredentials); IPRAKTIK_TLS*.
  tls::Settings tls;
  DeadlinePolicy deadlines;
  // The handler threads and queue every call's domain work runs on (metrics filled in by
  // RunService).
  ExecutorOptions handlers;
  std::chrono::milliseconds shutdown_grace{5'000};
  std::chrono::milliseconds shutdown_timeout{9'000};
  // Set only for the resources the spec declares (and the timeout only when there is one).
  std::chrono::milliseconds connect_timeout{10'000};
  std::optional<store::Options>
      redis;  // host, port, password, pool size; the rest store's defaults
  std::optional<std::string> amqp_url;
  // IPRAKTIK_TOKEN_SECRET: the key of the HMAC digests stored instead of API keys and personal
  // links' tokens (a development default when unset; docs/security.md).
  std::string token_secret;
  // Each caller's rate limit (call_guard.h); only with Redis, where the buckets live.
  ratelimit::Limit rate_limit;
};

ServerSettings ReadServerSettings(config::Reader& reader, const ServiceSpec& spec);

class Application;

// What a service adds to the skeleton. A plain Service adds nothing: the process serves health
// checks, reflection and metrics only.
class Service {
 public:
  virtual ~Service() = default;
  // Reads the service's own settings. Also called for --help, where nothing is connected.
  virtual void ReadSettings(config::Reader& /*reader*/) {}
  // Builds handlers and background work once the declared resources answer, before gRPC serves.
  // An error stops the start-up (exit 1) after running the shutdown steps registered so far.
  virtual absl::Status Start(Application& /*app*/) { return absl::OkStatus(); }
};

class Application {
 public:
  const ServiceSpec& spec() const { return spec_; }
  const ServerSettings& settings() const { return settings_; }
  const logging::Logger& logger() const { return logger_; }
  // The process's metrics registry (served at /metrics).
  prometheus::Registry& metrics() { return metrics_; }
  // Redis, already answering PING; thread-safe. Only when the spec declares Resource::kRedis:
  // otherwise a programming error that ends the process with a log line saying so.
  store::Pool& redis();
  // How to reach RabbitMQ (already known to answer), for the bus's publishers, consumers and
  // admin, with this service's logger and metrics; name shows in the management UI. Only when
  // the spec declares Resource::kBus (otherwise the process ends, as for redis()).
  bus::ConnectionOptions BusConnection(std::string_view name) const;
  // How this service's channels to other services connect (TLS and the service's own client
  // certificate, as IPRAKTIK_TLS* say).
  std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials() const;
  // The deadlines handlers give ReadCallContext.
  const DeadlinePolicy& deadlines() const { return settings_.deadlines; }
  // The shell every gRPC handler runs in (calls.h), on the process's one handler executor
  // (IPRAKTIK_HANDLER_THREADS, IPRAKTIK_HANDLER_QUEUE), which drains after the gRPC server
  // stopped and before the shutdown steps run; it authenticates every call against keys().
  // Only when the spec declares Resource::kRedis (where the keys are).
  Calls calls() const;
  // The API keys (in Redis, under IPRAKTIK_TOKEN_SECRET's digests). Only with Resource::kRedis.
  access::KeyStore& keys() const;

  // Serves service (not owned; it must outlive the application) under its full gRPC name,
  // which is also its health check name. Only during Service::Start. The process does not start
  // when an RPC of the service declares no roles (access::CheckDeclared).
  void AddGrpcService(std::string name, grpc::Service* service);
  // A step of the shutdown, run after the gRPC server stopped, last registered first.
  void OnShutdown(std::string name, std::function<void()> step);
  // What the health status of the server ("") and of every service follows (readiness.h):
  // Redis, RabbitMQ and each event consumer report to it already; a part of the service that
  // the service cannot work without may report too (a fixed name of its own).
  Readiness& readiness();
  // Shuts the process down as SIGTERM would, but with exit code 1: for a background part that
  // failed for good. Thread-safe.
  void RequestShutdown(std::string reason);

  struct Parts;  // what RunService builds; defined in application.cc
  explicit Application(Parts& parts);

 private:
  Parts& parts_;
  const ServiceSpec& spec_;
  const ServerSettings& settings_;
  const logging::Logger& logger_;
  prometheus::Registry& metrics_;
  Executor& executor_;
};

// The whole life of a service process; returns main's exit code (0 after a clean shutdown,
// 1 when start-up or shutdown failed, 2 for bad settings or arguments).
int RunService(int argc, char** argv, const ServiceSpec& spec, Service& service);

}  // namespace ipraktik::server
