// ipraktik-registration. The process skeleton (settings, logs, metrics, Redis, RabbitMQ, gRPC
// health and reflection, graceful shutdown) is libs/server's; the service's own parts plug in
// through a server::Service subclass.
#include "ipraktik/server/application.h"

int main(int argc, char** argv) {
  // No domain parts yet: the process serves health checks, reflection and metrics.
  ipraktik::server::Service service;
  return ipraktik::server::RunService(
      argc, argv,
      {.name = "registration",
       .description = "Registration: programmes, rounds, workplaces, host offers and interns' "
                      "wishes (gRPC API for coordinators, sign-up forms and partners)",
       .default_grpc_address = "127.0.0.1:7101",
       .default_metrics_address = "127.0.0.1:9101"},
      service);
}
