#pragma once

// Between the bus's Message/Delivery and rabbitmq-c's properties and field tables.

#include <amqp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "amqp_connection.h"
#include "ipraktik/bus/message.h"

namespace ipraktik::bus::internal {

// Persistent (delivery mode 2) properties for message; headers are built into `headers`, which
// must outlive the returned properties.
amqp_basic_properties_t PropertiesFor(const Message& message, TableBuilder& headers);

// The fields of a message read off `queue`. routing_key/exchange are those of the delivery; the
// original ones recorded by a retry take precedence.
Delivery ToDelivery(std::string queue, std::string routing_key, std::string exchange,
                    bool redelivered, const OwnedMessage& message);

// A string or integer header as text; nullopt when absent or of another kind.
std::optional<std::string> HeaderText(const amqp_table_t& headers, std::string_view key);

// Copies the properties of a consumed message for publishing it again (to a retry or the
// dead-letter queue): persistent, the broker's own death and delivery-count headers and the
// bus's headers dropped, `extra` added on top.
amqp_basic_properties_t RepublishProperties(const amqp_basic_properties_t& original,
                                            TableBuilder& extra);

}  // namespace ipraktik::bus::internal
