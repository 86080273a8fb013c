// ipraktik-matching. The process skeleton (settings, logs, metrics, Redis, RabbitMQ, gRPC health
// and reflection, graceful shutdown) is libs/server's; the service's own parts plug in through
// a server::Service subclass.
#include "ipraktik/server/application.h"

int main(int argc, char** argv) {
  // No domain parts yet: the process serves health checks, reflection and metrics.
  ipraktik::server::Service service;
  return ipraktik::server::RunService(
      argc, argv,
      {.name = "matching",
       .description =
           "Matching: coordinators request, preview, publish and re-run matchings of closed rounds",
       .default_grpc_address = "127.0.0.1:7102",
       .default_metrics_address = "127.0.0.1:9102"},
      service);
}
