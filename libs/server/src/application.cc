#include "ipraktik/server/application.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>

#include "ipraktik/errors/errors.h"
#include "ipraktik/metrics/metrics.h"
#include "ipraktik/server/call_guard.h"
#include "ipraktik/server/shutdown.h"
#include "resources.h"

namespace ipraktik::server {
namespace {

using namespace std::chrono_literals;

// Only for development: production sets its own secret (docs/security.md).
constexpr char kDevelopmentTokenSecret[] = "ipraktik-development-token-secret";

double Seconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

// A service asked for a resource its spec does not declare: a mistake in the service's code
// that no setting can mend, so the process ends at once, saying what to declare.
[[noreturn]] void Undeclared(const logging::Logger& logger, std::string_view resource) {
  logger.Error("a resource was used that the service spec does not declare",
               {{"declare", resource}});
  std::abort();
}

std::string SettingsSummary(const std::vector<config::SettingInfo>& settings) {
  std::string summary;
  for (const auto& setting : settings) {
    if (!summary.empty()) summary += ' ';
    summary += setting.name + "=" + setting.value;
  }
  return summary;
}

// What callers must bring, for the "serving" log line.
std::string TransportSummary(const tls::Settings& tls) {
  if (!tls.enabled) return "off";
  return tls.ca_file.empty() ? "tls" : "mutual";
}

int PrintHelp(const char* program, const ServiceSpec& spec, Service& service) {
  // Read from an empty environment: the help shows the defaults, whatever is set here.
  config::Reader reader(config::Environment({}));
  ReadServerSettings(reader, spec);
  service.ReadSettings(reader);
  std::cout << program << ": " << spec.description << "\n\n"
            << "Every setting comes from an environment variable; an empty one counts as unset.\n"
            << "Durations are written like 500ms, 10s, 2m, 1h30m.\n\n"
            << config::FormatHelp(reader.settings());
  return 0;
}

// Until the process is ready (true), a stop is asked for, or timeout passed (false).
bool WaitUntilReady(const Readiness& readiness, SignalWatcher& signals,
                    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!readiness.WaitUntilReady(100ms)) {
    if (signals.WaitFor(0ms) || std::chrono::steady_clock::now() >= deadline) return false;
  }
  return true;
}

std::string Joined(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& name : names) joined += (joined.empty() ? "" : " ") + name;
  return joined;
}

}  // namespace

bool ServiceSpec::Needs(Resource resource) const {
  return std::find(needs.begin(), needs.end(), resource) != needs.end();
}

ServerSettings ReadServerSettings(config::Reader& reader, const ServiceSpec& spec) {
  ServerSettings settings;
  settings.grpc_address =
      reader.Address("IPRAKTIK_GRPC_ADDRESS", spec.default_grpc_address,
                     "Where the gRPC API, health checks and reflection listen (port 0: any free "
                     "port, logged at start-up).");
  settings.metrics_address =
      reader.Address("IPRAKTIK_METRICS_ADDRESS", spec.default_metrics_address,
                     "Where Prometheus scrapes http://<address>/metrics (port 0: any free port).");
  const std::string health = reader.String(
      "IPRAKTIK_HEALTH_ADDRESS", "",
      "host:port of a plaintext port that serves only the health checks (for probes that speak "
      "no TLS, e.g. Kubernetes' gRPC probes); empty: none, health checks only on the gRPC port.");
  if (!health.empty()) {
    if (auto address = config::ParseHostPort(health)) {
      settings.grpc.health_address = address->ToString();
    } else {
      reader.AddError("IPRAKTIK_HEALTH_ADDRESS", "'" + health + "' is not host:port");
    }
  }
  auto level = reader.Choice("IPRAKTIK_LOG_LEVEL", "info", {"debug", "info", "warning", "error"},
                             "The least important log lines written (JSON lines on stderr).");
  settings.log_level = logging::ParseLevel(level).value_or(logging::Level::kInfo);

  internal::ReadResourceSettings(reader, spec, settings);
  settings.tls = tls::ReadSettings(reader);
  if (spec.Needs(Resource::kRedis)) settings.rate_limit = ReadRateLimit(reader);

  settings.grpc.max_message_bytes =
      static_cast<int>(reader.Int("IPRAKTIK_GRPC_MAX_MESSAGE_BYTES", 16 << 20, 1 << 10, 1 << 30,
                                  "Largest gRPC request or response, in bytes."));
  settings.grpc.keepalive_time =
      reader.Duration("IPRAKTIK_GRPC_KEEPALIVE_TIME", 60s, 1s, 24h,
                      "How often the server pings an idle client connection.");
  settings.grpc.keepalive_timeout =
      reader.Duration("IPRAKTIK_GRPC_KEEPALIVE_TIMEOUT", 20s, 1s, 10min,
                      "How long a ping may go unanswered before the connection is dropped.");
  settings.deadlines.default_timeout =
      reader.Duration("IPRAKTIK_DEFAULT_DEADLINE", 10s, 100ms, 1h,
                      "Time a call may take when the client set no deadline.");
  settings.deadlines.max_timeout =
      reader.Duration("IPRAKTIK_MAX_DEADLINE", 60s, 100ms, 1h,
                      "Cap on the time a call may take, whatever the client's deadline.");
  if (settings.deadlines.default_timeout > settings.deadlines.max_timeout) {
    reader.AddError("IPRAKTIK_DEFAULT_DEADLINE", "must not exceed IPRAKTIK_MAX_DEADLINE");
  }
  settings.handlers.threads = static_cast<int>(
      reader.Int("IPRAKTIK_HANDLER_THREADS", 8, 1, 1024,
                 "Threads that run calls' work (Redis, RabbitMQ, other services), off gRPC's "
                 "own threads."));
  settings.handlers.queue_capacity = static_cast<std::size_t>(
      reader.Int("IPRAKTIK_HANDLER_QUEUE", 256, 1, 1'000'000,
                 "Most calls waiting for a handler thread; beyond it a call is answered "
                 "RESOURCE_EXHAUSTED with a retry delay."));

  settings.shutdown_grace =
      reader.Duration("IPRAKTIK_SHUTDOWN_GRACE", 5s, 0s, 5min,
                      "At SIGTERM/SIGINT: how long calls under way may take to finish.");
  settings.shutdown_timeout =
      reader.Duration("IPRAKTIK_SHUTDOWN_TIMEOUT", 9s, 1s, 10min,
                      "At SIGTERM/SIGINT: the whole shutdown's limit; past it the process exits "
                      "with code 1.");
  if (spec.Needs(Resource::kRedis)) {  // where the keys and tokens are
    settings.token_secret =
        reader.Secret("IPRAKTIK_TOKEN_SECRET",
                      "The key of the digests stored instead of API keys and tokens; unset: a "
                      "development default that must not be used in production.");
    if (settings.token_secret.empty()) settings.token_secret = kDevelopmentTokenSecret;
  }
  if (settings.shutdown_grace >= settings.shutdown_timeout) {
    reader.AddError("IPRAKTIK_SHUTDOWN_GRACE", "must be shorter than IPRAKTIK_SHUTDOWN_TIMEOUT");
  }
  return settings;
}

struct Application::Parts {
  Parts(const ServiceSpec& spec_in, ServerSettings& settings_in, logging::Logger& logger_in,
        prometheus::Registry& metrics_in, store::Pool* redis_in, Executor& executor_in,
        SignalWatcher& signals_in)
      : spec(spec_in),
        settings(settings_in),
        logger(logger_in),
        metrics(metrics_in),
        redis(redis_in),
        executor(executor_in),
        signals(signals_in),
        readiness(&metrics_in, &logger_in) {
    if (redis != nullptr) {
      keys = std::make_unique<access::KeyStore>(*redis, settings.token_secret);
      // The last use is written on a handler thread, never on gRPC's (best effort: a full
      // queue skips it, and the next call a minute on tries again).
      authenticator = std::make_unique<access::Authenticator>(
          *keys, nullptr, [&handlers = executor](std::function<void()> work) {
            handlers.Submit([work = std::move(work)] { work(); }).IgnoreError();
          });
    }
  }

  const ServiceSpec& spec;
  ServerSettings& settings;
  logging::Logger& logger;
  prometheus::Registry& metrics;
  store::Pool* redis;                                    // null unless the spec declares Redis
  std::unique_ptr<access::KeyStore> keys;                // likewise
  std::unique_ptr<access::Authenticator> authenticator;  // likewise
  Executor& executor;
  SignalWatcher& signals;
  std::vector<ServiceRegistration> services;
  std::atomic<bool> failed{false};
  std::mutex mutex;
  GrpcServer* server = nullptr;
  const CallGuard* guard = nullptr;  // rate limits and the audit log; null without Redis
  // Its listener uses mutex and server; what reports to it lives in steps (consumers), which
  // therefore come last: destroyed first.
  Readiness readiness;
  ShutdownSteps steps;
};

Application::Application(Parts& parts)
    : parts_(parts),
      spec_(parts.spec),
      settings_(parts.settings),
      logger_(parts.logger),
      metrics_(parts.metrics),
      executor_(parts.executor) {}

store::Pool& Application::redis() {
  if (parts_.redis == nullptr) Undeclared(logger_, "server::Resource::kRedis");
  return *parts_.redis;
}

std::shared_ptr<grpc::ChannelCredentials> Application::ChannelCredentials() const {
  return tls::ChannelCredentials(settings_.tls);
}

Calls Application::calls() const {
  if (parts_.authenticator == nullptr) Undeclared(logger_, "server::Resource::kRedis");
  return Calls(executor_, settings_.deadlines, logger_, *parts_.authenticator, parts_.guard);
}

access::KeyStore& Application::keys() const {
  if (parts_.keys == nullptr) Undeclared(logger_, "server::Resource::kRedis");
  return *parts_.keys;
}

bus::ConnectionOptions Application::BusConnection(std::string_view name) const {
  if (!settings_.amqp_url) Undeclared(logger_, "server::Resource::kBus");
  return internal::BusConnectionOptions(spec_, *settings_.amqp_url, name, logger_, metrics_);
}

void Application::AddGrpcService(std::string name, grpc::Service* service) {
  std::lock_guard lock(parts_.mutex);
  parts_.services.push_back({std::move(name), service});
}

void Application::OnShutdown(std::string name, std::function<void()> step) {
  parts_.steps.Add(std::move(name), std::move(step));
}

Readiness& Application::readiness() { return parts_.readiness; }

void Application::RequestShutdown(std::string reason) {
  logger_.Error("shutting down after a failure", {{"reason", reason}});
  parts_.failed = true;
  parts_.signals.Stop(std::move(reason));
}

int RunService(int argc, char** argv, const ServiceSpec& spec, Service& service) {
  // First of all, before any thread exists (see SignalWatcher).
  SignalWatcher signals;
  const char* program = argc > 0 ? argv[0] : spec.name.c_str();
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg == "--help" || arg == "-h") return PrintHelp(program, spec, service);
    std::cerr << program << ": unknown argument '" << arg
              << "': settings come from IPRAKTIK_* environment variables (see --help)\n";
    return 2;
  }

  config::Reader reader(config::Environment::FromProcess());
  ServerSettings settings = ReadServerSettings(reader, spec);
  service.ReadSettings(reader);
  logging::Logger logger(spec.name, settings.log_level);
  if (absl::Status status = reader.Finish(); !status.ok()) {
    for (const auto& violation : errors::FieldViolationsOf(status)) {
      logger.Error("invalid setting",
                   {{"variable", violation.field}, {"problem", violation.description}});
    }
    logger.Error("not started: fix the settings named above (the program's --help lists them)");
    return 2;
  }
  for (const auto& name : reader.UnreadVariables()) {
    logger.Warning("unknown setting ignored (misspelt?)", {{"variable", name}});
  }
  auto summary = SettingsSummary(reader.settings());
  logger.Info("starting", {{"settings", summary}});
  signals.OnRepeatedSignal([&logger](int signal) {
    logger.Warning("second signal during shutdown: exiting at once");
    std::_Exit(128 + signal);
  });

  auto metrics = metrics::Metrics::Serve(settings.metrics_address.ToString());
  if (!metrics.ok()) {
    logger.Error("not started", {{"error", std::string(metrics.status().message())}});
    return 1;
  }
  prometheus::Registry& registry = (*metrics)->registry();

  std::unique_ptr<store::Pool> redis;
  switch (internal::ConnectResources(spec, settings, registry, logger, signals, redis)) {
    case internal::Connected::kAll:
      break;
    case internal::Connected::kUnreachable:
      return 1;
    case internal::Connected::kStopped:
      logger.Info("stopped during start-up");
      return 0;
  }

  settings.handlers.metrics = &registry;
  Executor executor(settings.handlers);
  Application::Parts parts(spec, settings, logger, registry, redis.get(), executor, signals);
  std::optional<CallGuard> guard;
  if (redis) {
    guard.emplace(*redis,
                  CallGuard::Options{
                      .service = spec.name, .limit = settings.rate_limit, .metrics = &registry},
                  logger);
    parts.guard = &*guard;
  }
  // Redis and RabbitMQ report to readiness from now on (each starts down until it reports).
  auto watches = internal::WatchResources(spec, settings, logger, parts.readiness);
  if (!watches.ok()) {
    logger.Error("not started", {{"error", std::string(watches.status().message())}});
    return 1;
  }
  Application app(parts);
  if (absl::Status status = service.Start(app); !status.ok()) {
    logger.Error("not started", {{"error", std::string(status.message())}});
    parts.steps.Run(logger);
    return 1;
  }
  for (const auto& registration : parts.services) {
    if (absl::Status declared = access::CheckDeclared(registration.name); !declared.ok()) {
      logger.Error("not started", {{"error", std::string(declared.message())}});
      parts.steps.Run(logger);
      return 1;
    }
  }
  settings.grpc.address = settings.grpc_address.ToString();
  settings.grpc.metrics = &registry;
  settings.grpc.credentials = tls::ServerCredentials(settings.tls);
  settings.grpc.serving_at_start = false;  // readiness decides, just below
  std::unique_ptr<GrpcServer> server;
  {
    std::lock_guard lock(parts.mutex);
    auto started = GrpcServer::Start(settings.grpc, parts.services);
    if (!started.ok()) {
      logger.Error("not started", {{"error", std::string(started.status().message())}});
      parts.steps.Run(logger);
      return 1;
    }
    server = std::move(*started);
    parts.server = server.get();
  }
  parts.readiness.OnChange([&parts](bool ready) {
    std::lock_guard lock(parts.mutex);
    if (parts.server != nullptr) parts.server->SetServing(ready);
  });
  // "serving" means ready too (liveness answers meanwhile): the consumers are subscribed.
  const bool ready = WaitUntilReady(parts.readiness, signals, settings.connect_timeout);
  logger.Info("serving", {{"grpc_address", settings.grpc.address},
                          {"grpc_port", server->port()},
                          {"grpc_tls", TransportSummary(settings.tls)},
                          {"health_port", server->health_port()},
                          {"metrics_port", (*metrics)->port()},
                          {"ready", ready}});
  if (auto down = parts.readiness.Down(); !ready && !down.empty()) {
    logger.Warning("not ready: health NOT_SERVING until these dependencies are up",
                   {{"down", Joined(down)}});
  }

  auto stop = signals.Wait();
  auto shutdown_start = std::chrono::steady_clock::now();
  logger.Info("shutting down", {{"reason", stop.reason}});
  {
    Watchdog watchdog(settings.shutdown_timeout, [&] {
      auto step = parts.steps.current();
      logger.Error("shutdown took too long: exiting",
                   {{"timeout_seconds", Seconds(settings.shutdown_timeout)},
                    {"step", step.empty() ? "gRPC server or connections" : step}});
    });
    server->Shutdown(settings.shutdown_grace);
    {
      std::lock_guard lock(parts.mutex);
      parts.server = nullptr;
    }
    // Work of calls the server gave up on still finishes them, while what it uses still exists.
    executor.Stop();
    logger.Info("gRPC server stopped",
                {{"seconds", Seconds(std::chrono::steady_clock::now() - shutdown_start)}});
    parts.steps.Run(logger);
    server.reset();
    redis.reset();
    metrics->reset();
  }
  logger.Info("stopped", {{"seconds", Seconds(std::chrono::steady_clock::now() - shutdown_start)},
                          {"exit_code", parts.failed ? 1 : 0}});
  return parts.failed ? 1 : 0;
}

}  // namespace ipraktik::server
