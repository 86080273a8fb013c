// ipraktik-evaluation. The process skeleton (settings, logs, metrics, gRPC health and
// reflection, graceful shutdown) is libs/server's core; the service's own parts plug in through
// a server::Service subclass, and the resources they use (Redis, RabbitMQ) are declared in the
// spec's `needs` as they come: until then the service starts without either.
#include "ipraktik/server/application.h"

int main(int argc, char** argv) {
  // No domain parts yet: the process serves health checks, reflection and metrics.
  ipraktik::server::Service service;
  return ipraktik::server::RunService(
      argc, argv,
      {.name = "evaluation",
       .description =
           "Evaluation: asks participants how their internship went and collects the answers",
       .default_grpc_address = "127.0.0.1:7105",
       .default_metrics_address = "127.0.0.1:9105"},
      service);
}
