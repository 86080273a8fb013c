#pragma once

// Consumes one queue with manual acks and a prefetch limit, and keeps doing so across broker
// restarts. Handlers run on their own threads while the connection thread (the one calling
// Run) keeps reading frames and answering heartbeats, so a handler may run for an hour without
// the broker dropping the connection or redelivering the message. (RabbitMQ's consumer_timeout,
// 30 minutes by default, still bounds how long a message may stay unacked: raise it in
// rabbitmq.conf for longer jobs.)
//
// Delivery is at least once: a message may be handled twice (after a crash, a lost connection,
// a broker restart); handlers are idempotent (events: dedupe by event id).
//
// Thread-safety: Run() on one thread; Stop() and Running() from any thread. The handler is
// called from up to `handler_threads` threads at once.

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ipraktik/bus/message.h"
#include "ipraktik/bus/options.h"

namespace ipraktik::bus {

// Returns what to do with the message. An exception thrown out of it counts as
// Outcome::Retry with the exception's message as the reason. A Retry returned after Stop()
// (the handler gave up because of the shutdown) puts the message back in the queue without
// using an attempt.
using Handler = std::function<Outcome(const Delivery&)>;

struct ConsumerOptions {
  ConnectionOptions connection;
  QueueSpec queue;
  // Unacked messages the broker sends ahead (basic.qos); at least handler_threads.
  int prefetch = 10;
  int handler_threads = 1;
  // After Stop(): how long running handlers may take to finish (and be acked) before the
  // connection is closed and their messages go back to the queue.
  Duration shutdown_grace{5'000};
  // How often the queue and dead-letter queue depths are read into the metrics (with a
  // registry only).
  Duration depth_interval{15'000};
  // When set, called on the connection thread whenever Running() changes: true once subscribed,
  // false when the connection is lost (or consuming stops), for readiness.
  std::function<void(bool running)> on_running;
};

class Consumer {
 public:
  static absl::StatusOr<Consumer> Create(ConsumerOptions options, Handler handler);

  Consumer(Consumer&&) noexcept;
  Consumer& operator=(Consumer&&) noexcept;
  ~Consumer();

  // Connects, declares the queue's topology, consumes and reconnects with backoff whenever the
  // connection is lost, until Stop(). Returns OK after Stop(), or an error that reconnecting
  // cannot fix (FAILED_PRECONDITION: the queue exists with other arguments).
  absl::Status Run();
  // Asks Run() to return: consuming stops at once, running handlers get shutdown_grace to
  // finish (their stop token is set). Safe from any thread, also before Run().
  void Stop();
  // True while consuming (connected and subscribed): for readiness checks.
  bool Running() const;

 private:
  struct Impl;
  explicit Consumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ipraktik::bus
