#pragma once

// What goes onto the bus (Message) and what a handler receives (Delivery).

#include <cstdint>
#include <functional>
#include <map>
#include <stop_token>
#include <string>
#include <vector>

#include "ipraktik/bus/options.h"

namespace ipraktik::bus {

// Header values the bus writes and reads: strings and integers. Broker headers of other kinds
// (tables, arrays such as x-death) are not shown to handlers.
using Headers = std::map<std::string, std::string, std::less<>>;

struct Message {
  std::string exchange = std::string(kEventsExchange);
  // For domain events: the event type, e.g. "registration.participant.registered".
  std::string routing_key;
  std::string body;
  std::string content_type = "application/x-protobuf";
  // Consumers dedupe by it: the event id for domain events.
  std::string message_id;
  // AMQP "type" property: the event type (or payload message name).
  std::string type;
  std::string correlation_id;
  Headers headers;
  // With mandatory, a message no queue is bound for fails the publish with FAILED_PRECONDITION
  // instead of being dropped silently by the broker.
  bool mandatory = false;
};

struct Delivery {
  std::string queue;
  // The routing key the message was first published with (a retried message keeps it).
  std::string routing_key;
  std::string exchange;
  std::string body;
  std::string content_type;
  std::string message_id;
  std::string type;
  std::string correlation_id;
  Headers headers;
  // The broker's redelivered flag: an earlier delivery of this copy was not acked (a consumer
  // died, or the connection broke); the handler may have seen it before.
  bool redelivered = false;
  // 1 for the first attempt; +1 for each retry the handler asked for (see RetryPolicy).
  int attempt = 1;
  // How often the broker redelivered this copy without an ack (quorum x-delivery-count).
  std::int64_t delivery_count = 0;
  // Requested when the consumer stops: a long handler should give up soon after (its message
  // is then left unacked and redelivered later).
  std::stop_token stop;
};

// What the handler decided about a delivery.
class Outcome {
 public:
  enum class Kind { kAck, kRetry, kDeadLetter, kSplit };

  // A part of a delivery that failed on its own (one event of a batch): it is republished alone,
  // as its own message, to the retry or dead-letter queue, while the rest counts as done.
  struct Part {
    Kind kind = Kind::kRetry;  // kRetry or kDeadLetter
    std::string reason;
    std::string body;
    // The part's own message id and routing key (also its AMQP type): the event's id and type.
    std::string message_id;
    std::string routing_key;
  };

  // Done: the message is acked.
  static Outcome Ack() { return Outcome(Kind::kAck, {}); }
  // Failed for now (a dependency is down, ...): attempted again after the retry delay; once the
  // attempts are used up it is dead-lettered with this reason.
  static Outcome Retry(std::string reason) { return Outcome(Kind::kRetry, std::move(reason)); }
  // Never going to work (malformed, unknown schema version): moved to the dead-letter queue now.
  static Outcome DeadLetter(std::string reason) {
    return Outcome(Kind::kDeadLetter, std::move(reason));
  }
  // Done except for parts (at least one), each retried or dead-lettered alone as Retry and
  // DeadLetter would do with a message of its own (its attempt counted on from the delivery's).
  // The delivery is acked once the broker has confirmed every part's copy.
  static Outcome Split(std::vector<Part> parts) {
    Outcome outcome(Kind::kSplit, {});
    outcome.parts_ = std::move(parts);
    return outcome;
  }

  Kind kind() const { return kind_; }
  const std::string& reason() const { return reason_; }
  const std::vector<Part>& parts() const { return parts_; }

 private:
  Outcome(Kind kind, std::string reason) : kind_(kind), reason_(std::move(reason)) {}
  Kind kind_;
  std::string reason_;
  std::vector<Part> parts_;
};

}  // namespace ipraktik::bus
