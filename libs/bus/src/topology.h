#pragma once

// Declares the events exchange and each queue with its retry and dead-letter queues:
//
//   <queue>.failed     direct exchange of the queue's own; every queue below is bound to it
//                      by its name. The consumer moves failed messages through it, and the
//                      queues dead-letter through it (never the default exchange: see
//                      docs/security.md)
//   <queue>            quorum; dead-letters (delivery limit) to <queue>.dlq, at least once
//   <queue>.retry.<N>ms  quorum, message TTL N ms, dead-letters back to <queue>
//   <queue>.dlq        quorum; kept until someone looks at it

#include <amqp.h>

#include <span>

#include "absl/status/status.h"
#include "amqp_connection.h"
#include "ipraktik/bus/options.h"

namespace ipraktik::bus::internal {

absl::Status DeclareTopology(Connection& connection, amqp_channel_t channel,
                             std::span<const QueueSpec> queues);

}  // namespace ipraktik::bus::internal
