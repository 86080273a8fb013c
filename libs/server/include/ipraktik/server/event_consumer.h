#pragma once

// How a service consumes events from RabbitMQ: a bus::Consumer on a thread of its own, started
// during Service::Start and stopped (in-flight deliveries finished) at shutdown. A consumer that
// stops for good (the broker gone past every reconnect) shuts the service down, so that the
// orchestrator restarts it rather than leaving a service that looks alive but takes nothing.

#include <string>

#include "absl/status/status.h"
#include "ipraktik/bus/consumer.h"

namespace ipraktik::server {

class Application;

// `name` names the consumer's connection, log lines and shutdown step.
absl::Status StartEventConsumer(Application& app, std::string name, bus::ConsumerOptions options,
                                bus::Handler handler);

}  // namespace ipraktik::server
