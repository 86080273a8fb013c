#include "ipraktik/bus/consumer.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "amqp_connection.h"
#include "codec.h"
#include "connection_keeper.h"
#include "event_fd.h"
#include "metrics.h"
#include "text.h"
#include "topology.h"

namespace ipraktik::bus {
namespace {

using internal::Cat;

using internal::Clock;
using internal::Connection;

// Deliveries arrive on one channel; retry and dead-letter copies are published with confirms
// on the other, so that confirms and deliveries never share delivery tags.
constexpr amqp_channel_t kConsumeChannel = 1;
constexpr amqp_channel_t kRepublishChannel = 2;
// The connection thread wakes at least this often to send heartbeats and notice Stop().
constexpr Duration kPollInterval{200};

// A delivery waiting for, or being handled by, a handler thread.
struct Task {
  std::uint64_t generation = 0;  // which connection it came on: tags are per channel
  std::uint64_t delivery_tag = 0;
  Delivery delivery;
  internal::OwnedMessage raw;  // kept to publish a retry or dead-letter copy from
};

struct Result {
  std::uint64_t generation = 0;
  std::uint64_t delivery_tag = 0;
  Outcome outcome = Outcome::Ack();
  int attempt = 1;
  std::string message_id;
  std::string routing_key;
  std::string exchange;
  internal::OwnedMessage raw;
};

// A retry or dead-letter copy waiting for its publisher confirm; the original is acked then.
struct PendingCopy {
  std::uint64_t delivery_tag = 0;
  bool dead_letter = false;
};

// A delivery whose retry or dead-letter copies (one, or one per failed part) await their
// confirms: it is settled when the last one is.
struct CopiedDelivery {
  int copies_left = 0;
  bool refused = false;  // the broker refused a copy: the delivery goes back to the queue
  bool split = false;    // the rest of it was done (Outcome::Split): counted as acked
};

}  // namespace

struct Consumer::Impl {
  Impl(internal::BrokerAddress address, ConsumerOptions consumer_options, Handler message_handler)
      : options(std::move(consumer_options)),
        handler(std::move(message_handler)),
        keeper(std::move(address), options.connection, "consumer",
               [this](Connection& connection) { return Setup(connection); }),
        queue_metrics(keeper.metrics().ForQueue(options.queue.name)) {
    keeper.set_sleep([this](Duration delay) { return wake.SleepUnless(stop_requested, delay); });
    // Only a declaration the broker refuses for good ends Run(); anything else is retried.
    keeper.set_retry_if([](const absl::Status& status) {
      return !absl::IsFailedPrecondition(status) && !absl::IsInvalidArgument(status);
    });
  }

  // ---- connection thread ----

  absl::Status Setup(Connection& connection) {
    for (amqp_channel_t channel : {kConsumeChannel, kRepublishChannel}) {
      if (absl::Status status = connection.OpenChannel(channel); !status.ok()) return status;
    }
    if (absl::Status status = connection.ConfirmSelect(kRepublishChannel); !status.ok()) {
      return status;
    }
    std::span<const QueueSpec> queues(&options.queue, 1);
    if (absl::Status status = internal::DeclareTopology(connection, kConsumeChannel, queues);
        !status.ok()) {
      return status;
    }
    if (absl::Status status =
            connection.Qos(kConsumeChannel, static_cast<std::uint16_t>(options.prefetch));
        !status.ok()) {
      return status;
    }
    absl::StatusOr<std::string> tag = connection.Consume(kConsumeChannel, options.queue.name);
    if (!tag.ok()) return tag.status();
    consumer_tag = *std::move(tag);
    return absl::OkStatus();
  }

  absl::Status Run() {
    for (int i = 0; i < options.handler_threads; ++i) {
      workers.emplace_back([this] { WorkerLoop(); });
    }
    absl::Status result = absl::OkStatus();
    while (!stop_requested.load()) {
      absl::StatusOr<Connection*> connection = keeper.Get(Clock::time_point::max());
      if (!connection.ok()) {
        if (!absl::IsCancelled(connection.status())) result = connection.status();
        break;
      }
      ++generation;
      SetRunning(true);
      keeper.logger().Info("consuming", {{"queue", options.queue.name},
                                         {"prefetch", options.prefetch},
                                         {"heartbeat_s", (*connection)->heartbeat_seconds()}});
      absl::Status served = Serve(**connection);
      SetRunning(false);
      ForgetQueuedTasks();
      if (!served.ok()) {
        keeper.logger().Warning("lost the message broker connection; reconnecting",
                                {{"queue", options.queue.name}, {"error", served.ToString()}});
      }
      keeper.Drop();  // a graceful close when healthy: unacked messages go back to the queue
    }
    {
      std::lock_guard lock(mutex);
      workers_exit = true;
      tasks.clear();
    }
    work_ready.notify_all();
    for (auto& worker : workers) worker.join();
    workers.clear();
    return result;
  }

  void SetRunning(bool now) {
    running.store(now);
    if (options.on_running) options.on_running(now);
  }

  // Consumes on a set-up connection until Stop() (OK) or a connection failure (the error).
  absl::Status Serve(Connection& connection) {
    pending_copies.clear();
    copied_deliveries.clear();
    next_publish_tag = 1;
    unsettled = 0;
    bool draining = false;
    Clock::time_point drain_deadline{};
    Clock::time_point next_depth_read = Clock::now();
    for (;;) {
      if (stop_requested.load() && !draining) {
        draining = true;
        drain_deadline = Clock::now() + options.shutdown_grace;
        if (absl::Status status = StopConsuming(connection); !status.ok()) return status;
      }
      if (draining && unsettled == 0) return absl::OkStatus();
      if (draining && Clock::now() >= drain_deadline) {
        keeper.logger().Warning(
            "handlers still running after the shutdown grace; their messages go back to the queue",
            {{"queue", options.queue.name}, {"unsettled", unsettled}});
        return absl::OkStatus();
      }
      if (absl::Status status = ApplyResults(connection); !status.ok()) return status;
      if (keeper.metrics().enabled() && Clock::now() >= next_depth_read) {
        if (absl::Status status = ReadDepths(connection); !status.ok()) return status;
        next_depth_read = Clock::now() + options.depth_interval;
      }
      auto frame = connection.NextFrame(kPollInterval, wake.fd());
      if (!frame.ok()) return frame.status();
      if (!frame->has_value()) continue;
      absl::Status status = Dispatch(connection, **frame, draining);
      connection.ReleaseBuffers();
      if (!status.ok()) return status;
    }
  }

  absl::Status StopConsuming(Connection& connection) {
    if (absl::Status status = connection.Cancel(kConsumeChannel, consumer_tag); !status.ok()) {
      return status;
    }
    // Messages no handler has started go back to the queue now, for another consumer.
    std::deque<Task> not_started;
    {
      std::lock_guard lock(mutex);
      not_started.swap(tasks);
    }
    for (const Task& task : not_started) {
      if (task.generation != generation) continue;
      if (absl::Status status = connection.Nack(kConsumeChannel, task.delivery_tag, true);
          !status.ok()) {
        return status;
      }
      --unsettled;
    }
    return absl::OkStatus();
  }

  absl::Status Dispatch(Connection& connection, const amqp_frame_t& frame, bool draining) {
    if (frame.frame_type != AMQP_FRAME_METHOD) return absl::OkStatus();
    const amqp_method_t& method = frame.payload.method;
    switch (method.id) {
      case AMQP_BASIC_DELIVER_METHOD:
        return Deliver(connection, frame, draining);
      case AMQP_BASIC_ACK_METHOD: {
        const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
        return SettleCopies(connection, ack->delivery_tag, ack->multiple != 0, false);
      }
      case AMQP_BASIC_NACK_METHOD: {
        const auto* nack = static_cast<const amqp_basic_nack_t*>(method.decoded);
        return SettleCopies(connection, nack->delivery_tag, nack->multiple != 0, true);
      }
      case AMQP_BASIC_RETURN_METHOD:
        // A retry or dead-letter queue is gone: reconnecting declares it again, and the
        // unacked original comes back.
        return absl::UnavailableError(
            Cat("a retry or dead-letter copy from queue ", options.queue.name, " was unroutable"));
      case AMQP_BASIC_CANCEL_METHOD:
        return absl::UnavailableError(
            Cat("the broker cancelled the consumer of queue ", options.queue.name));
      case AMQP_CHANNEL_CLOSE_METHOD:
      case AMQP_CONNECTION_CLOSE_METHOD:
        return connection.HandleClose(frame);
      default:
        return absl::OkStatus();
    }
  }

  absl::Status Deliver(Connection& connection, const amqp_frame_t& frame, bool draining) {
    const auto* deliver = static_cast<const amqp_basic_deliver_t*>(frame.payload.method.decoded);
    std::uint64_t delivery_tag = deliver->delivery_tag;
    bool redelivered = deliver->redelivered != 0;
    std::string routing_key = internal::ToString(deliver->routing_key);
    std::string exchange = internal::ToString(deliver->exchange);
    absl::StatusOr<internal::OwnedMessage> raw = connection.ReadContent(frame.channel);
    if (!raw.ok()) return raw.status();
    if (draining) return connection.Nack(kConsumeChannel, delivery_tag, true);
    Task task;
    task.generation = generation;
    task.delivery_tag = delivery_tag;
    task.delivery = internal::ToDelivery(options.queue.name, std::move(routing_key),
                                         std::move(exchange), redelivered, *raw);
    task.delivery.stop = stop_handlers.get_token();
    task.raw = *std::move(raw);
    ++unsettled;
    {
      std::lock_guard lock(mutex);
      tasks.push_back(std::move(task));
    }
    work_ready.notify_one();
    return absl::OkStatus();
  }

  absl::Status ApplyResults(Connection& connection) {
    std::deque<Result> done;
    {
      std::lock_guard lock(mutex);
      done.swap(results);
    }
    for (Result& result : done) {
      if (result.generation != generation) {
        keeper.logger().Info(
            "handler finished after the connection was lost; the broker "
            "delivers the message again",
            {{"queue", options.queue.name}, {"message_id", result.message_id}});
        continue;
      }
      if (absl::Status status = Apply(connection, result); !status.ok()) return status;
    }
    return absl::OkStatus();
  }

  absl::Status Apply(Connection& connection, Result& result) {
    const Outcome& outcome = result.outcome;
    if (outcome.kind() == Outcome::Kind::kAck ||
        (outcome.kind() == Outcome::Kind::kSplit && outcome.parts().empty())) {
      if (absl::Status status = connection.Ack(kConsumeChannel, result.delivery_tag);
          !status.ok()) {
        return status;
      }
      --unsettled;
      internal::Increment(queue_metrics.acked);
      return absl::OkStatus();
    }
    if ((outcome.kind() == Outcome::Kind::kRetry || outcome.kind() == Outcome::Kind::kSplit) &&
        stop_requested.load()) {
      // Most likely interrupted by the shutdown: back to the queue without using an attempt
      // (a split delivery whole: the parts that were done are done again, idempotently).
      if (absl::Status status = connection.Nack(kConsumeChannel, result.delivery_tag, true);
          !status.ok()) {
        return status;
      }
      --unsettled;
      return absl::OkStatus();
    }
    if (outcome.kind() == Outcome::Kind::kSplit) {
      for (const Outcome::Part& part : outcome.parts()) {
        if (absl::Status status =
                PublishCopy(connection, result, part.kind, part.reason, &part, true);
            !status.ok()) {
          return status;
        }
      }
      return absl::OkStatus();
    }
    return PublishCopy(connection, result, outcome.kind(), outcome.reason(), nullptr, false);
  }

  // Publishes the retry or dead-letter copy of a delivery (part: of one part of it, with its
  // own body, id and routing key); the delivery is settled when every copy is confirmed.
  absl::Status PublishCopy(Connection& connection, const Result& result, Outcome::Kind kind,
                           const std::string& reason_given, const Outcome::Part* part, bool split) {
    const RetryPolicy& retry = options.queue.retry;
    const std::string& routing_key = part != nullptr ? part->routing_key : result.routing_key;
    const std::string& message_id = part != nullptr ? part->message_id : result.message_id;
    internal::TableBuilder headers;
    headers.AddString(kOriginalRoutingKeyHeader, routing_key);
    headers.AddString(kOriginalExchangeHeader, result.exchange);
    std::string target;
    bool dead_letter = true;
    if (kind == Outcome::Kind::kRetry && result.attempt < retry.max_attempts) {
      dead_letter = false;
      target = RetryQueueName(options.queue, result.attempt);
      headers.AddInt(kAttemptHeader, result.attempt + 1);
      headers.AddString(kRetryReasonHeader, reason_given);
    } else {
      target = DeadLetterQueueName(options.queue.name);
      std::string reason = kind == Outcome::Kind::kRetry
                               ? Cat("gave up after ", result.attempt, " attempts: ", reason_given)
                               : reason_given;
      headers.AddString(kDeathReasonHeader, reason);
      headers.AddInt(kAttemptsHeader, result.attempt);
      headers.AddString(kDeadLetteredFromHeader, options.queue.name);
      keeper.logger().Warning("message dead-lettered", {{"queue", options.queue.name},
                                                        {"message_id", message_id},
                                                        {"routing_key", routing_key},
                                                        {"attempts", result.attempt},
                                                        {"reason", reason}});
    }
    amqp_basic_properties_t properties =
        internal::RepublishProperties(result.raw.properties(), headers);
    amqp_bytes_t body = result.raw.body();
    if (part != nullptr) {
      properties._flags |= AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_TYPE_FLAG;
      properties.message_id = internal::Bytes(part->message_id);
      properties.type = internal::Bytes(part->routing_key);
      body = internal::Bytes(part->body);
    }
    if (absl::Status status =
            connection.Publish(kRepublishChannel, FailedExchangeName(options.queue.name), target,
                               true, properties, body);
        !status.ok()) {
      return status;
    }
    pending_copies.emplace(next_publish_tag++, PendingCopy{result.delivery_tag, dead_letter});
    CopiedDelivery& copied = copied_deliveries[result.delivery_tag];
    ++copied.copies_left;
    copied.split = split;
    return absl::OkStatus();
  }

  absl::Status SettleCopies(Connection& connection, std::uint64_t tag, bool multiple, bool nack) {
    auto end = pending_copies.upper_bound(tag);
    auto begin = multiple ? pending_copies.begin() : pending_copies.find(tag);
    if (begin == pending_copies.end()) return absl::OkStatus();
    if (!multiple) end = std::next(begin);
    for (auto it = begin; it != end; ++it) {
      const PendingCopy& copy = it->second;
      if (nack) {
        keeper.logger().Warning("the broker refused a retry copy; the message is redelivered",
                                {{"queue", options.queue.name}});
      } else {
        internal::Increment(copy.dead_letter ? queue_metrics.dead_lettered : queue_metrics.retried);
      }
      auto copied = copied_deliveries.find(copy.delivery_tag);
      if (copied == copied_deliveries.end()) continue;
      copied->second.refused = copied->second.refused || nack;
      if (--copied->second.copies_left > 0) continue;
      // Every copy of the delivery is settled: the original goes, or back to the queue when the
      // broker refused a copy (its parts are then handled again, idempotently).
      const bool refused = copied->second.refused;
      const bool split = copied->second.split;
      copied_deliveries.erase(copied);
      absl::Status status = refused ? connection.Nack(kConsumeChannel, copy.delivery_tag, true)
                                    : connection.Ack(kConsumeChannel, copy.delivery_tag);
      if (!status.ok()) return status;
      --unsettled;
      if (split && !refused) internal::Increment(queue_metrics.acked);
    }
    pending_copies.erase(begin, end);
    return absl::OkStatus();
  }

  absl::Status ReadDepths(Connection& connection) {
    auto depth =
        connection.DeclareQueue(kRepublishChannel, options.queue.name, true, amqp_empty_table);
    if (!depth.ok()) return depth.status();
    internal::Set(queue_metrics.depth, depth->messages);
    auto dead = connection.DeclareQueue(kRepublishChannel, DeadLetterQueueName(options.queue.name),
                                        true, amqp_empty_table);
    if (!dead.ok()) return dead.status();
    internal::Set(queue_metrics.dead_letter_depth, dead->messages);
    return absl::OkStatus();
  }

  void ForgetQueuedTasks() {
    std::lock_guard lock(mutex);
    tasks.clear();  // their connection is gone: the broker delivers them again
  }

  // ---- handler threads ----

  void WorkerLoop() {
    for (;;) {
      Task task;
      {
        std::unique_lock lock(mutex);
        work_ready.wait(lock, [&] { return workers_exit || !tasks.empty(); });
        if (workers_exit) return;
        task = std::move(tasks.front());
        tasks.pop_front();
      }
      Result result;
      result.generation = task.generation;
      result.delivery_tag = task.delivery_tag;
      result.attempt = task.delivery.attempt;
      result.message_id = task.delivery.message_id;
      result.routing_key = task.delivery.routing_key;
      result.exchange = task.delivery.exchange;
      result.outcome = Handle(task.delivery);
      result.raw = std::move(task.raw);
      {
        std::lock_guard lock(mutex);
        results.push_back(std::move(result));
      }
      wake.Signal();
    }
  }

  Outcome Handle(const Delivery& delivery) {
    Clock::time_point started = Clock::now();
    Outcome outcome = Outcome::Ack();
    try {
      outcome = handler(delivery);
    } catch (const std::exception& error) {
      internal::Increment(queue_metrics.handler_errors);
      outcome = Outcome::Retry(Cat("handler threw: ", error.what()));
    } catch (...) {
      internal::Increment(queue_metrics.handler_errors);
      outcome = Outcome::Retry("handler threw a non-standard exception");
    }
    internal::Observe(queue_metrics.handler_seconds,
                      std::chrono::duration<double>(Clock::now() - started).count());
    if (outcome.kind() == Outcome::Kind::kRetry) {
      keeper.logger().Info("handler asked for a retry", {{"queue", delivery.queue},
                                                         {"message_id", delivery.message_id},
                                                         {"attempt", delivery.attempt},
                                                         {"reason", outcome.reason()}});
    }
    return outcome;
  }

  void Stop() {
    stop_requested.store(true);
    stop_handlers.request_stop();
    wake.Signal();
  }

  ConsumerOptions options;
  Handler handler;
  internal::ConnectionKeeper keeper;
  internal::QueueMetrics queue_metrics;
  internal::EventFd wake;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> running{false};
  std::stop_source stop_handlers;

  // Shared with the handler threads.
  std::mutex mutex;
  std::condition_variable work_ready;
  std::deque<Task> tasks;
  std::deque<Result> results;
  bool workers_exit = false;
  std::vector<std::thread> workers;

  // Connection thread only.
  std::uint64_t generation = 0;
  std::string consumer_tag;
  std::map<std::uint64_t, PendingCopy> pending_copies;        // by publish tag
  std::map<std::uint64_t, CopiedDelivery> copied_deliveries;  // by delivery tag
  std::uint64_t next_publish_tag = 1;
  // Deliveries of this connection not yet acked or nacked (queued, running, or copy pending).
  std::int64_t unsettled = 0;
};

absl::StatusOr<Consumer> Consumer::Create(ConsumerOptions options, Handler handler) {
  absl::StatusOr<internal::BrokerAddress> address = internal::ParseUrl(options.connection.url);
  if (!address.ok()) return address.status();
  if (absl::Status status = options.queue.Validate(); !status.ok()) return status;
  if (!handler) return absl::InvalidArgumentError("consumer needs a handler");
  if (options.handler_threads < 1) {
    return absl::InvalidArgumentError("handler_threads must be at least 1");
  }
  if (options.prefetch < options.handler_threads || options.prefetch > 65535) {
    return absl::InvalidArgumentError("prefetch must be between handler_threads and 65535");
  }
  auto impl = std::make_unique<Impl>(*std::move(address), std::move(options), std::move(handler));
  if (impl->wake.fd() < 0) return absl::InternalError("eventfd failed");
  return Consumer(std::move(impl));
}

Consumer::Consumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Consumer::Consumer(Consumer&&) noexcept = default;
Consumer& Consumer::operator=(Consumer&&) noexcept = default;
Consumer::~Consumer() = default;

absl::Status Consumer::Run() { return impl_->Run(); }

void Consumer::Stop() { impl_->Stop(); }

bool Consumer::Running() const { return impl_->running.load(); }

}  // namespace ipraktik::bus
