#include "topology.h"

#include <set>
#include <string>
#include <vector>

namespace ipraktik::bus::internal {
namespace {

// Dead-letters through the queue family's own exchange (failed_exchange), not the default
// exchange: declaring a queue with a dead-letter exchange needs write permission on that exchange,
// and write on the default exchange would let a service's user put a message into any queue.
void AddQuorumArguments(TableBuilder& arguments, const std::string& failed_exchange,
                        std::string_view dead_letter_to) {
  arguments.AddString("x-queue-type", "quorum");
  arguments.AddString("x-dead-letter-exchange", failed_exchange);
  arguments.AddString("x-dead-letter-routing-key", dead_letter_to);
  // At-least-once dead-lettering (RabbitMQ 3.10+) needs reject-publish overflow; without a
  // length limit that never rejects anything.
  arguments.AddString("x-dead-letter-strategy", "at-least-once");
  arguments.AddString("x-overflow", "reject-publish");
}

absl::Status DeclareQueue(Connection& connection, amqp_channel_t channel, std::string_view name,
                          TableBuilder& arguments) {
  return connection.DeclareQueue(channel, name, false, arguments.Table()).status();
}

}  // namespace

absl::Status DeclareTopology(Connection& connection, amqp_channel_t channel,
                             std::span<const QueueSpec> queues) {
  std::set<std::string, std::less<>> exchanges = {std::string(kEventsExchange)};
  for (const auto& spec : queues) exchanges.insert(spec.exchange);
  for (const auto& exchange : exchanges) {
    if (absl::Status status = connection.DeclareExchange(channel, exchange); !status.ok()) {
      return status;
    }
  }
  for (const auto& spec : queues) {
    const std::string failed = FailedExchangeName(spec.name);
    if (absl::Status status = connection.DeclareExchange(channel, failed, "direct"); !status.ok()) {
      return status;
    }
    // Each queue of the family is bound to the failed exchange by its own name.
    std::vector<std::string> family = {DeadLetterQueueName(spec.name)};
    TableBuilder dead_letter;
    dead_letter.AddString("x-queue-type", "quorum");
    if (absl::Status status =
            DeclareQueue(connection, channel, DeadLetterQueueName(spec.name), dead_letter);
        !status.ok()) {
      return status;
    }
    for (int attempt = 1; attempt < spec.retry.max_attempts; ++attempt) {
      std::string name = RetryQueueName(spec, attempt);
      if (attempt > 1 && name == RetryQueueName(spec, attempt - 1)) continue;  // capped delay
      TableBuilder retry;
      AddQuorumArguments(retry, failed, spec.name);
      retry.AddInt("x-message-ttl", spec.retry.DelayAfter(attempt).count());
      if (absl::Status status = DeclareQueue(connection, channel, name, retry); !status.ok()) {
        return status;
      }
      family.push_back(std::move(name));
    }
    TableBuilder main;
    AddQuorumArguments(main, failed, DeadLetterQueueName(spec.name));
    main.AddInt("x-delivery-limit", spec.delivery_limit);
    if (absl::Status status = DeclareQueue(connection, channel, spec.name, main); !status.ok()) {
      return status;
    }
    family.push_back(spec.name);
    for (const auto& queue : family) {
      if (absl::Status status = connection.Bind(channel, queue, failed, queue); !status.ok()) {
        return status;
      }
    }
    for (const auto& pattern : spec.bindings) {
      if (absl::Status status = connection.Bind(channel, spec.name, spec.exchange, pattern);
          !status.ok()) {
        return status;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace ipraktik::bus::internal
