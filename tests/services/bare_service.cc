// A service that declares no resources, as a service starts before it uses Redis or RabbitMQ:
// services_test checks that the server core then needs neither (and documents neither).
#include "ipraktik/server/application.h"

int main(int argc, char** argv) {
  ipraktik::server::Service service;
  return ipraktik::server::RunService(argc, argv,
                                      {.name = "bare",
                                       .description = "A service with no resources (a test)",
                                       .default_grpc_address = "127.0.0.1:0",
                                       .default_metrics_address = "127.0.0.1:0"},
                                      service);
}
