#pragma once

// How the registration service's outbox reaches RabbitMQ: each relay batch becomes one
// bus::Publisher::PublishBatch (persistent messages on the events exchange, routing key = event
// type, message id = event id, all confirms awaited together).

#include "ipraktik/bus/publisher.h"
#include "ipraktik/outbox/relay.h"

namespace ipraktik::registration {

// publisher must outlive the relay that calls the result (and is used on its thread only).
outbox::PublishBatch PublishToBus(bus::Publisher& publisher);

}  // namespace ipraktik::registration
