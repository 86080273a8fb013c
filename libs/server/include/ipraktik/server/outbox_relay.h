#pragma once

// How a service's transactional outbox (libs/outbox) reaches RabbitMQ: each relay batch becomes
// one bus::Publisher::PublishBatch (persistent messages on the events exchange, routing key and
// AMQP type = event type, message id = event id, every confirm awaited together).

#include <vector>

#include "absl/status/status.h"
#include "ipraktik/bus/publisher.h"
#include "ipraktik/outbox/relay.h"

namespace ipraktik::server {

class Application;

// publisher must outlive the relay that calls the result, and is used on the relay's thread only
// (rabbitmq-c is not thread-safe).
outbox::PublishBatch PublishToBus(bus::Publisher& publisher);

// Starts a relay with its own publisher for the service, with the service's logger and metrics,
// publishing the outbox named after the service (outbox::Outbox(redis, app.spec().name));
// it is stopped and its connection closed at shutdown. Only during Service::Start, and only for
// a service whose spec declares Resource::kRedis and Resource::kBus (else FAILED_PRECONDITION). The
// publisher declares `queues` before anything is published (on every reconnect too), so events
// meant for a consumer that never ran yet are kept.
absl::Status StartOutboxRelay(Application& app, std::vector<bus::QueueSpec> queues = {});

}  // namespace ipraktik::server
