#pragma once

// Publishes messages with publisher confirms: Publish returns OK only once the broker has taken
// responsibility for every message (persistent, on a durable queue's disk when routed there).
//
// Thread-safety: a Publisher owns one AMQP connection and is NOT thread-safe (rabbitmq-c is
// not): use one Publisher per thread. It is movable.

#include <chrono>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ipraktik/bus/message.h"
#include "ipraktik/bus/options.h"

namespace ipraktik::bus {

struct PublisherOptions {
  ConnectionOptions connection;
  // Queues (with their retry and dead-letter queues) declared on every (re)connect besides the
  // events exchange, so that messages routed to them are kept before their consumer first runs.
  std::vector<QueueSpec> queues;
  // How long Publish may take in all, including reconnects, backoff and the confirm wait: a
  // broker restart shorter than this is ridden out.
  Duration publish_timeout{30'000};
};

class Publisher {
 public:
  // Checks the options (URL, queue specs); does not connect: the first publish does.
  static absl::StatusOr<Publisher> Create(PublisherOptions options);

  Publisher(Publisher&&) noexcept;
  Publisher& operator=(Publisher&&) noexcept;
  ~Publisher();

  // Connects now (or confirms the connection is up) and declares the topology.
  absl::Status Connect();

  // Publishes one message persistently and waits for the broker's confirm. Errors:
  //   FAILED_PRECONDITION  unroutable with mandatory (basic.return)
  //   UNAVAILABLE          the broker nacked the message
  //   NOT_FOUND            the exchange does not exist
  //   DEADLINE_EXCEEDED    no confirm within publish_timeout (the broker may still have it)
  // A lost connection is retried (reconnect with backoff, publish again) within the timeout, so
  // a message may reach the broker twice: consumers dedupe by message id.
  absl::Status Publish(const Message& message);
  // Publishes all, then waits once for all confirms (much faster than one by one). OK means
  // every message was confirmed; on error any of them may or may not have been taken, and the
  // caller publishes the batch again (duplicates are deduped by consumers).
  absl::Status PublishBatch(std::span<const Message> messages);

  // Closes the connection (a later publish reconnects).
  void Close();

 private:
  struct Impl;
  explicit Publisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ipraktik::bus
